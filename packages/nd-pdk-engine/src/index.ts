/**
 * The built-in compiler of `nd-pdk build`: turns a plugin bundle and its interface file into an
 * Extism plugin `.wasm` with QuickJS, Wizer and binaryen, where extism-js is not installed.
 *
 * @example
 * ```ts
 * import { readFile, writeFile } from "node:fs/promises";
 * import { compilePlugin, engineStatus } from "@nd/pdk-engine";
 *
 * const status = engineStatus();
 * if (!status.available) throw new Error(status.reason);
 * const { wasm } = await compilePlugin({
 *   bundle: await readFile("dist/plugin.js", "utf8"),
 *   interfaceText: await readFile("dist/plugin.d.ts", "utf8"),
 * });
 * await writeFile("dist/plugin.wasm", wasm);
 * ```
 *
 * @module
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { compileWithEngine } from "./compile.js";
import type { PluginInterface } from "./plugin-interface.js";

export { compareUtf8, parsePluginInterface } from "./plugin-interface.js";
export type { FunctionSignature, HostFunction, PluginInterface, WasmType } from "./plugin-interface.js";

/**
 * The engine this package ships, `dist/engine.wasm`. The path is written relative to the package
 * root so that it is the same from `src/` in the package's own tests and from `dist/`.
 */
export const ENGINE_WASM_FILE: string = fileURLToPath(new URL("../dist/engine.wasm", import.meta.url));

/** The Debian packages the engine is built with. */
export const ENGINE_TOOLCHAIN_INSTALL = "apt-get install -y clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32";

/** Availability of the engine. `reason` is a clause that can follow "because". */
export type EngineStatus =
  | { readonly available: true; readonly wasmFile: string }
  | { readonly available: false; readonly wasmFile: string; readonly reason: string };

/** Options shared by {@link engineStatus} and {@link compilePlugin}. */
export interface EngineOptions {
  /** The engine to run. Default: {@link ENGINE_WASM_FILE}. */
  readonly wasmFile?: string | undefined;
}

/**
 * Reports whether the engine's wasm file exists. It is missing when this package was built with
 * `ND_PDK_ENGINE_SKIP=1`, because clang-14 and wasi-libc were not installed.
 */
export function engineStatus(options: EngineOptions = {}): EngineStatus {
  const wasmFile = options.wasmFile ?? ENGINE_WASM_FILE;
  if (existsSync(wasmFile)) return { available: true, wasmFile };
  const reason =
    wasmFile === ENGINE_WASM_FILE
      ? `${wasmFile} is missing, as it is when @nd/pdk-engine was built with ND_PDK_ENGINE_SKIP=1 (in the nd-pdk repository, install clang with \`${ENGINE_TOOLCHAIN_INSTALL}\` and run \`pnpm build\` without ND_PDK_ENGINE_SKIP)`
      : `${wasmFile} does not exist`;
  return { available: false, wasmFile, reason };
}

/** Input of {@link compilePlugin}. */
export interface CompilePluginOptions extends EngineOptions {
  /** The plugin bundle: one CommonJS script that assigns `module.exports`, such as the `dist/plugin.js` of `nd-pdk build`. */
  readonly bundle: string;
  /** The extism-js interface file: `declare module "main"` with the exports, and the host functions. */
  readonly interfaceText: string;
}

/** Output of {@link compilePlugin}. */
export interface CompilePluginResult {
  /** The plugin module. */
  readonly wasm: Uint8Array<ArrayBuffer>;
  /** The exports and host functions read from the interface file, sorted by name. */
  readonly pluginInterface: PluginInterface;
  /** Wall time in milliseconds of the Wizer snapshot and of the binaryen step. */
  readonly timings: { readonly snapshotMs: number; readonly finishMs: number };
  /** Text that Wizer and the engine printed during a successful snapshot, usually empty. */
  readonly messages: string;
}

/** A compile that could not start because the engine's wasm file is missing. */
export class EngineUnavailableError extends Error {
  /** Creates the error with the reason {@link engineStatus} gives. */
  constructor(reason: string) {
    super(reason);
    this.name = "EngineUnavailableError";
  }
}

/**
 * Compiles a bundle and its interface file to an Extism plugin module. Only exports declared as
 * `name(): I32` and host functions declared as `name(ptr: PTR): PTR` are supported, because those are
 * the signatures Navidrome plugins use.
 *
 * @throws {EngineUnavailableError} when the engine's wasm file is missing.
 * @throws {Error} when the interface file is invalid or uses another signature, or when the bundle's
 * top-level code throws or uses a host facility (the message names it).
 */
export async function compilePlugin(options: CompilePluginOptions): Promise<CompilePluginResult> {
  const status = engineStatus(options);
  if (!status.available) throw new EngineUnavailableError(status.reason);
  return compileWithEngine(status.wasmFile, options.bundle, options.interfaceText);
}
