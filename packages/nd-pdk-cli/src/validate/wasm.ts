/**
 * Reads the host imports and the exports of a compiled plugin.wasm, and checks the parts that only
 * exist in a compiled module: import modules and the kind of each export.
 */
import type { Findings } from "./rules.js";
import { emptyFindings } from "./rules.js";
import { HOST_MODULE } from "./navidrome-api.js";

/**
 * The part of the WebAssembly JavaScript API used here. Node provides it as a global, but this
 * package compiles without the DOM library that declares it.
 */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<object>;
  readonly Module: {
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
    exports(module: object): Array<{ name: string; kind: string }>;
  };
}

const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Import modules an Extism host provides besides Navidrome's own host functions. */
const RUNTIME_MODULES: ReadonlySet<string> = new Set(["extism:host/env", "wasi_snapshot_preview1"]);

/** Imports from Navidrome and exports to it of a compiled plugin. */
export interface WasmInterface {
  /** The function imports of module `extism:host/user`, sorted. */
  readonly imports: readonly string[];
  /** The function exports named `nd_*`, sorted: the ones Navidrome may call. */
  readonly exports: readonly string[];
  /** Problems with other imports and exports. */
  readonly findings: Findings;
}

/**
 * Compiles `bytes` (without instantiating it) and lists its imports and exports.
 *
 * Exports without the `nd_` prefix belong to the runtime (memory, extism-js helpers) and are left
 * out. Imports from modules other than Navidrome's, Extism's kernel and WASI are errors, because no
 * Extism host in Navidrome provides them.
 *
 * @throws {Error} when the bytes are not a valid WebAssembly module.
 */
export async function readWasmInterface(bytes: Uint8Array): Promise<WasmInterface> {
  let module: object;
  try {
    module = await webAssembly.compile(bytes);
  } catch (error) {
    throw new Error(`plugin.wasm is not a valid WebAssembly module (${(error as Error).message}): rebuild it with nd-pdk build`);
  }

  const findings = emptyFindings();
  const imports: string[] = [];
  for (const entry of webAssembly.Module.imports(module)) {
    if (entry.module === HOST_MODULE) {
      if (entry.kind === "function") imports.push(entry.name);
      else findings.errors.push(`plugin.wasm imports the ${entry.kind} "${entry.name}" from ${HOST_MODULE}, where Navidrome provides only functions: rebuild the plugin`);
      continue;
    }
    if (!RUNTIME_MODULES.has(entry.module)) {
      findings.errors.push(
        `plugin.wasm imports "${entry.name}" from module "${entry.module}", which Navidrome does not provide (it offers ${HOST_MODULE}, extism:host/env and wasi_snapshot_preview1), so the plugin would fail to load: remove the import`,
      );
    }
  }

  const exports: string[] = [];
  for (const entry of webAssembly.Module.exports(module)) {
    if (!entry.name.startsWith("nd_")) continue;
    if (entry.kind === "function") exports.push(entry.name);
    else findings.errors.push(`plugin.wasm exports ${entry.name} as a ${entry.kind}, but Navidrome calls it as a function: rebuild the plugin`);
  }

  return { imports: [...new Set(imports)].sort(), exports: [...new Set(exports)].sort(), findings };
}
