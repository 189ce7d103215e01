import { copyFile } from "node:fs/promises";

import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/generated/api.ts", "src/runtime/quickjs-prelude.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  clean: true,
  // The wasm runtime starts this worker from `new URL("./wasm-worker.mjs", import.meta.url)`, which
  // in the build is dist/index.js or a chunk beside it, so the worker and the module it imports are
  // copied to dist/ as they are.
  async onSuccess() {
    await copyFile("src/runtime/wasm-worker.mjs", "dist/wasm-worker.mjs");
    await copyFile("src/runtime/wasm-mounts.mjs", "dist/wasm-mounts.mjs");
  },
});
