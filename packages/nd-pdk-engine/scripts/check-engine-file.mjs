// @ts-check
/**
 * Stops `npm pack` and `npm publish` when dist/engine.wasm is missing, which happens after a build
 * with ND_PDK_ENGINE_SKIP=1. A package without it would leave nd-pdk build with no built-in compiler.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const engineFile = fileURLToPath(new URL("../dist/engine.wasm", import.meta.url));
if (!existsSync(engineFile)) {
  console.error(`${engineFile} is missing, so the package would ship without its engine. Install clang-14 and wasi-libc, unset ND_PDK_ENGINE_SKIP, and run pnpm build first.`);
  process.exit(1);
}
