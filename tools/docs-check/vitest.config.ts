import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // .snippets/ is the work folder of the snippet check, whose test files are checked, not run.
    exclude: ["**/node_modules/**", ".snippets/**"],
    // Type-checking every snippet and driving a browser take longer than vitest's default 5 s.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
