import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The CLI tests start tsx processes, which take seconds when other packages' tests share the CPU.
    testTimeout: 30_000,
  },
});
