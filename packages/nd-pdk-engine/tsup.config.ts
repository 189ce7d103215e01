import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  // Removes dist/engine.wasm too; the build script's second step copies it back from .cache/.
  clean: true,
});
