import { defineConfig } from "tsup";

export default defineConfig({
  // One output file per source module, as in the other packages, so that a plugin's bundler gets
  // plain ES modules it can drop unused parts of. Declarations come from tsc (see the build script).
  entry: ["src/**/*.ts"],
  bundle: false,
  format: ["esm"],
  target: "es2020",
  dts: false,
  clean: true,
});
