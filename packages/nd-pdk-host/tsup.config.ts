import { defineConfig } from "tsup";

export default defineConfig({
  // One output file per source module, not one bundle: bundling turns each `export * as service`
  // into a top-level call that the plugin's bundler cannot drop, which would put every host service
  // into every plugin.
  entry: ["src/**/*.ts"],
  bundle: false,
  format: ["esm"],
  target: "es2020",
  // Declarations come from tsc, one file per module (see the build script).
  dts: false,
  clean: true,
});
