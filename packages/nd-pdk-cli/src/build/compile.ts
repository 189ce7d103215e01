/**
 * Chooses the wasm compiler of a build (extism-js, the built-in engine, or a compatible command) and
 * runs an external one on the bundle and the interface file.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";

import { engineStatus } from "@nd/pdk-engine";

import { UsageError } from "../output.js";

/** The compiler nd-pdk looks for on PATH, and the `--compiler` keyword that requires it. */
export const DEFAULT_COMPILER = "extism-js";

/** The `--compiler` keyword of the built-in engine, @nd/pdk-engine. */
export const ENGINE_COMPILER = "engine";

const EXTISM_JS_INSTALL = "install extism-js from https://github.com/extism/js-pdk/releases and put binaryen's wasm-merge and wasm-opt on PATH";

/** Returns the warning of a build that found no compiler. `engineProblem` is the reason the engine is unavailable. */
export function compilerHint(engineProblem: string): string {
  return `no compiler was found, so plugin.wasm and the .ndp package were not built: extism-js is not on PATH, and the built-in engine is unavailable because ${engineProblem}. Make either one available (${EXTISM_JS_INSTALL}), then run the build again, or pass --compiler <path>`;
}

/**
 * The compiler of a build: extism-js from PATH, the built-in engine, or a command given with
 * `--compiler` that takes the extism-js arguments.
 */
export type Compiler =
  | { readonly kind: "extism-js"; readonly path: string }
  | { readonly kind: "engine"; readonly wasmFile: string }
  | { readonly kind: "command"; readonly path: string };

/** The compiler's name in the step lines and in `--json` output. */
export function compilerLabel(compiler: Compiler): string {
  if (compiler.kind === "command") return compiler.path;
  return compiler.kind;
}

/** The compiler as the subject of a sentence in a message: "extism-js", "the built-in engine", ... */
export function compilerSubject(compiler: Compiler | undefined): string {
  if (compiler === undefined) return "the compiler";
  if (compiler.kind === "engine") return "the built-in engine";
  if (compiler.kind === "command") return `the compiler ${path.basename(compiler.path)}`;
  return DEFAULT_COMPILER;
}

/**
 * Whether the compiler is extism-js: found on PATH, or a `--compiler` path whose file is named
 * extism-js. A wrapper script under another name is not recognised.
 */
export function isExtismJs(compiler: Compiler | undefined): boolean {
  if (compiler === undefined || compiler.kind === "engine") return false;
  if (compiler.kind === "extism-js") return true;
  return /^extism-js(\.exe|\.cmd)?$/i.test(path.basename(compiler.path));
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Finds `name` in the directories of a PATH value, as a shell would. */
export function findOnPath(name: string, pathValue: string): string | undefined {
  const extensions = process.platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  for (const directory of pathValue.split(path.delimiter)) {
    if (directory === "") continue;
    for (const extension of extensions) {
      const candidate = path.join(directory, name + extension);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Chooses the compiler. `given` is the `--compiler` value: the keyword `extism-js` or `engine`, a
 * path (relative to the working directory), or a command on PATH. Without it, extism-js from PATH
 * comes first and the engine second. Returns the reason the engine is unavailable when no compiler
 * is found.
 *
 * @throws {UsageError} when the compiler that `given` names is not available.
 */
export function selectCompiler(given: string | undefined, searchPath: string, engineWasmFile: string | undefined): Compiler | { readonly engineProblem: string } {
  if (given === DEFAULT_COMPILER || given === undefined) {
    const found = findOnPath(DEFAULT_COMPILER, searchPath);
    if (found !== undefined) return { kind: "extism-js", path: found };
    if (given !== undefined) throw new UsageError(`--compiler ${given}: extism-js was not found on PATH; ${EXTISM_JS_INSTALL}, or use --compiler ${ENGINE_COMPILER}`);
  }

  if (given === ENGINE_COMPILER || given === undefined) {
    const status = engineStatus({ wasmFile: engineWasmFile });
    if (status.available) return { kind: "engine", wasmFile: status.wasmFile };
    if (given !== undefined) throw new UsageError(`--compiler ${given}: the built-in engine is unavailable because ${status.reason}. Use --compiler ${DEFAULT_COMPILER} instead`);
    return { engineProblem: status.reason };
  }

  let found: string | undefined;
  if (given.includes("/") || given.includes(path.sep)) {
    if (existsSync(given)) found = path.resolve(given);
  } else {
    found = findOnPath(given, searchPath);
  }
  if (found === undefined) throw new UsageError(`--compiler ${given} was not found: give the path of the compiler, a command on PATH, or the keyword ${DEFAULT_COMPILER} or ${ENGINE_COMPILER}`);
  return { kind: "command", path: found };
}

/** How a compiler run ended. */
export interface CompileOutcome {
  readonly exitCode: number | null;
  /** The signal that ended the compiler, if any. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the compiler could not be started at all. */
  readonly startError?: string;
}

/**
 * Runs `<compiler> <bundle> -i <interface file> -o <wasm>`, the extism-js command line. A compiler
 * path ending in .js, .mjs or .cjs is run with the current Node, so that a Node script works
 * without an executable bit or a shebang.
 */
export function runCompiler(compiler: string, bundleFile: string, interfaceFile: string, wasmFile: string, cwd: string): Promise<CompileOutcome> {
  const args = [bundleFile, "-i", interfaceFile, "-o", wasmFile];
  const isNodeScript = /\.[cm]?js$/.test(compiler);
  const command = isNodeScript ? process.execPath : compiler;
  const commandArgs = isNodeScript ? [compiler, ...args] : args;

  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => resolve({ exitCode: null, signal: null, stdout, stderr, startError: error.message }));
    child.on("close", (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}
