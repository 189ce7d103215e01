import { defineConfig } from "tsup";

export default defineConfig({
  // One output file per source module, not one bundle: bundling turns each `export * as capability`
  // into a top-level call that the plugin's bundler cannot drop, which would keep every capability
  // module's exports in every plugin.
  entry: ["src/**/*.ts"],
  bundle: false,
  format: ["esm"],
  target: "es2020",
  // Declarations come from tsc, one file per module (see the build script). A rolled-up index.d.ts
  // turned `scrobbler.ScrobblerError`, a constant and a type of the same name, into a type only.
  dts: false,
  clean: true,
});
