import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    // A cold engine build compiles QuickJS, which took about 25 s on 2 idle cores. Compiling a plugin
    // takes about a second, and longer when other packages' tests share the CPU.
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
