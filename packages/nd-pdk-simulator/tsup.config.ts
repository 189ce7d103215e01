import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/generated/api.ts"],
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  clean: true,
});
