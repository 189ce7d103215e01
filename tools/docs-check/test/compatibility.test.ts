import { readFileSync } from "node:fs";

import { expect, test } from "vitest";

import { COMPATIBILITY_FILE, updatePage } from "../../../docs/scripts/compatibility.js";

test("compatibility page matches the API facts", () => {
  const page = readFileSync(COMPATIBILITY_FILE, "utf8");

  // On failure, run `pnpm gen` at the repository root.
  expect(updatePage(page)).toBe(page);
});
