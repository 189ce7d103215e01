/**
 * Runs the wasm compiler (extism-js or a compatible command) on the bundle and the interface file.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";

/** The compiler nd-pdk looks for on PATH. */
export const DEFAULT_COMPILER = "extism-js";

/** The line printed when no compiler is found. */
export const COMPILER_HINT =
  "extism-js was not found on PATH, so plugin.wasm and the .ndp package were not built: install extism-js from https://github.com/extism/js-pdk/releases, put binaryen's wasm-merge and wasm-opt on PATH, and run the build again (or pass --compiler <path>)";

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
 * The compiler's absolute path: `given` when it is a path (relative to the working directory), a
 * `given` command found on PATH, or extism-js from PATH. Undefined when none is found.
 */
export function resolveCompiler(given: string | undefined, searchPath: string): string | undefined {
  if (given === undefined) return findOnPath(DEFAULT_COMPILER, searchPath);
  if (given.includes("/") || given.includes(path.sep)) return existsSync(given) ? path.resolve(given) : undefined;
  return findOnPath(given, searchPath);
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
