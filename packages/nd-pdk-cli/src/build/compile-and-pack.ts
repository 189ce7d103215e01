/**
 * The last stages of a build: compile plugin.wasm, check it against the interface file, pack the .ndp.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

import type { CheckResult } from "../output.js";
import { displayPath, ExitCode } from "../output.js";
import { readWasmInterface } from "../validate/wasm.js";
import { runCompiler } from "./compile.js";
import { packPlugin } from "./pack.js";
import type { BuildRecorder } from "./recorder.js";
import { formatSize } from "./recorder.js";

/** What the compile and pack stages need from the earlier ones. */
export interface CompileContext {
  readonly recorder: BuildRecorder;
  /** Absolute path of the compiler. */
  readonly compiler: string;
  readonly dir: string;
  readonly outDir: string;
  readonly bundleFile: string;
  readonly interfaceFile: string;
  /** manifest.json as the author wrote it, which goes into the package unchanged. */
  readonly manifestText: string;
  readonly id: string;
}

const WASM_FILE = "plugin.wasm";

/** Problems that make a compiled module differ from the interface file it was compiled with. */
async function compareWithInterface(wasm: Uint8Array, exports: readonly string[], imports: readonly string[]): Promise<string[]> {
  let compiled;
  try {
    compiled = await readWasmInterface(wasm);
  } catch (error) {
    return [(error as Error).message];
  }

  const problems = [...compiled.findings.errors];
  const missingExports = exports.filter((name) => !compiled.exports.includes(name));
  const extraExports = compiled.exports.filter((name) => !exports.includes(name));
  const extraImports = compiled.imports.filter((name) => !imports.includes(name));
  if (missingExports.length > 0) problems.push(`the compiled module lacks the exports ${missingExports.join(", ")}`);
  if (extraExports.length > 0) problems.push(`the compiled module has exports the interface file does not declare: ${extraExports.join(", ")}`);
  if (extraImports.length > 0) problems.push(`the compiled module imports host functions the interface file does not declare: ${extraImports.join(", ")}`);
  return problems;
}

/**
 * Runs the compiler, checks the module it wrote, and packs `<id>.ndp`. A compiler that fails, writes
 * nothing, or writes a module that does not match the interface file gives exit code 3.
 */
export async function compileAndPack(context: CompileContext): Promise<CheckResult> {
  const { recorder, compiler, dir, outDir, bundleFile, interfaceFile, manifestText, id } = context;
  const wasmFile = path.join(outDir, WASM_FILE);
  const compilerName = path.basename(compiler);

  // A plugin.wasm left by an earlier build must not pass for this build's output.
  rmSync(wasmFile, { force: true });
  const outcome = await runCompiler(compiler, bundleFile, interfaceFile, wasmFile, dir);
  if (outcome.startError !== undefined || outcome.exitCode !== 0) {
    let how = `exited with code ${String(outcome.exitCode)}`;
    if (outcome.signal !== null) how = `was stopped by ${outcome.signal}`;
    if (outcome.startError !== undefined) how = `could not be started (${outcome.startError})`;
    const output = (outcome.stderr.trim() || outcome.stdout.trim())
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n");
    recorder.findings.errors.push(`the compiler ${compiler} ${how}${output.trim() === "" ? "" : `:\n${output}`}`);
    recorder.step("compile", "failed", `${compilerName} ${how}`);
    return recorder.finish(ExitCode.compilerFailed);
  }
  if (!existsSync(wasmFile)) {
    recorder.findings.errors.push(`the compiler ${compiler} exited with code 0 but wrote no ${displayPath(wasmFile)}: check that it takes the extism-js arguments <bundle> -i <interface file> -o <wasm file>`);
    recorder.step("compile", "failed", `${compilerName} wrote no ${WASM_FILE}`);
    return recorder.finish(ExitCode.compilerFailed);
  }
  const wasm = new Uint8Array(readFileSync(wasmFile));
  recorder.files.push(wasmFile);

  // Navidrome would see a different plugin than the one checked if the two disagreed.
  const mismatch = await compareWithInterface(wasm, recorder.exports, recorder.imports);
  if (mismatch.length > 0) {
    recorder.findings.errors.push(...mismatch.map((problem) => `${displayPath(wasmFile)}: ${problem}`));
    recorder.step("compile", "failed", `${compilerName} wrote a ${WASM_FILE} that does not match ${displayPath(interfaceFile)}`);
    return recorder.finish(ExitCode.compilerFailed);
  }
  recorder.step("compile", "ok", `${compilerName} -> ${displayPath(wasmFile)} (${formatSize(wasm.length)})`);

  const packageFile = path.join(outDir, `${id}.ndp`);
  const packed = packPlugin(manifestText, wasm);
  recorder.write(packageFile, packed);
  recorder.step("package", "ok", `${displayPath(packageFile)} (${formatSize(packed.length)})`);
  return recorder.finish();
}
