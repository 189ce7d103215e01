import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { compilePlugin } from "../../src/index.js";

// turbo.json makes the engine's tests depend on the example's build, which writes these files.
const EXAMPLE_DIST = join(import.meta.dirname, "..", "..", "..", "..", "examples", "minimal-biography", "dist");

/**
 * Compiles the built minimal-biography example with the engine and returns the compiled module.
 *
 * @throws {Error} when the example has not been built, with the command that builds it.
 */
export async function compileMinimalBiography(): Promise<WebAssembly.Module> {
  if (!existsSync(join(EXAMPLE_DIST, "plugin.js"))) {
    throw new Error(`${EXAMPLE_DIST}/plugin.js is missing; build the example first: pnpm turbo run build --filter=@nd-examples/minimal-biography`);
  }
  const { wasm } = await compilePlugin({
    bundle: readFileSync(join(EXAMPLE_DIST, "plugin.js"), "utf8"),
    interfaceText: readFileSync(join(EXAMPLE_DIST, "plugin.d.ts"), "utf8"),
  });
  return WebAssembly.compile(wasm);
}
