// @ts-check
/**
 * Returns the wasm features the engine and the plugins compiled from it may use. Every Extism host
 * has them. The engine build and the plugin compiler both call this, so that binaryen accepts in one
 * what it emitted in the other.
 *
 * @param {typeof import("binaryen").default} binaryen
 * @returns {number}
 */
export function wasmFeatures(binaryen) {
  return binaryen.Features.MutableGlobals | binaryen.Features.SignExt | binaryen.Features.BulkMemory | binaryen.Features.NontrappingFPToInt;
}
