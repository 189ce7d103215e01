import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Several tests load the QuickJS bundle more than once and export hundreds of scrobbles each time,
    // which can pass the default 5 seconds on a busy machine.
    testTimeout: 30_000,
  },
});
