import { describe, expect, test } from "vitest";

import { rewriteHostImports } from "../src/build/host-namespaces.js";

describe("rewriteHostImports", () => {
  test("turns a host service import into a namespace import of its module", () => {
    expect(rewriteHostImports('import { definePlugin, kvstore } from "@nd/pdk";\n')).toBe(
      'import { definePlugin } from "@nd/pdk"; import * as kvstore from "@nd/pdk-host/kvstore";\n',
    );
  });

  test("keeps an alias and uses the kebab-case file of a camelCase module", () => {
    expect(rewriteHostImports("import { scrobbleRetriever as history } from '@nd/pdk-host';")).toBe(
      "import * as history from '@nd/pdk-host/scrobble-retriever';",
    );
  });

  test("keeps the line count of a multi-line import", () => {
    const source = 'import {\n  definePlugin,\n  task,\n} from "@nd/pdk";\nconst x = 1;\n';
    const rewritten = rewriteHostImports(source) ?? "";
    expect(rewritten.split("\n")).toHaveLength(source.split("\n").length);
    expect(rewritten).toContain('import * as task from "@nd/pdk-host/task";');
    expect(rewritten.endsWith("const x = 1;\n")).toBe(true);
  });

  test("leaves type-only specifiers, other names and other packages alone", () => {
    expect(rewriteHostImports('import { type kvstore, log } from "@nd/pdk";')).toBeUndefined();
    expect(rewriteHostImports('import { kvstore } from "./my-kvstore";')).toBeUndefined();
    expect(rewriteHostImports('import type { kvstore } from "@nd/pdk";')).toBeUndefined();
  });
});
