import path from "node:path";

import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, test } from "vitest";

import { publishedPackages, REPOSITORY_ROOT } from "../src/workspace.js";

describe.each(publishedPackages().map((pkg) => [pkg.name, pkg] as const))("%s", (_name, pkg) => {
  test("passes publint", async () => {
    const pkgDir = path.join(REPOSITORY_ROOT, pkg.dir);
    const { messages, pkg: manifest } = await publint({ pkgDir, level: "suggestion", strict: true, pack: "npm" });

    expect(messages.map((message) => `${message.type}: ${formatMessage(message, manifest) ?? message.code}`)).toEqual([]);
  });
});
