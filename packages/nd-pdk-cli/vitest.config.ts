import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // templates/init/test/plugin.test.ts is the test nd-pdk init writes into new projects. It runs
    // there, next to the manifest.json it imports, and not as a test of this package.
    include: ["test/**/*.test.ts"],
  },
});
