import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each scenario also runs the built bundle inside QuickJS, which takes seconds when the whole
    // workspace's tests share the CPU.
    testTimeout: 30_000,
  },
});
