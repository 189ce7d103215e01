/**
 * The last stages of a build: compile plugin.wasm, check it against the interface file, pack the .ndp.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

import { compilePlugin } from "@nd/pdk-engine";

import type { CheckResult } from "../output.js";
import { displayPath, ExitCode } from "../output.js";
import { readWasmInterface } from "../validate/wasm.js";
import type { Compiler } from "./compile.js";
import { compilerLabel, compilerSubject, runCompiler } from "./compile.js";
import { nameCompilerInTopLevelError } from "./evaluate.js";
import { packPlugin } from "./pack.js";
import type { BuildRecorder } from "./recorder.js";
import { formatSize } from "./recorder.js";

/** What the compile and pack stages need from the earlier ones. */
export interface CompileContext {
  readonly recorder: BuildRecorder;
  readonly compiler: Compiler;
  readonly dir: string;
  readonly outDir: string;
  readonly bundleFile: string;
  readonly interfaceFile: string;
  /** manifest.json as the author wrote it, which goes into the package unchanged. */
  readonly manifestText: string;
  readonly id: string;
}

/** The name of the compiled module in the output folder. */
export const WASM_FILE = "plugin.wasm";

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

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** Runs extism-js or a compatible command and returns whether it wrote the wasm file. */
async function runExternalCompiler(compilerPath: string, context: CompileContext, wasmFile: string): Promise<boolean> {
  const { recorder, dir, bundleFile, interfaceFile } = context;
  const compilerName = path.basename(compilerPath);
  const outcome = await runCompiler(compilerPath, bundleFile, interfaceFile, wasmFile, dir);
  if (outcome.startError !== undefined || outcome.exitCode !== 0) {
    let how = `exited with code ${String(outcome.exitCode)}`;
    if (outcome.signal !== null) how = `was stopped by ${outcome.signal}`;
    if (outcome.startError !== undefined) how = `could not be started (${outcome.startError})`;
    const output = outcome.stderr.trim() || outcome.stdout.trim();
    recorder.findings.errors.push(`the compiler ${compilerPath} ${how}${output === "" ? "" : `:\n${indent(output)}`}`);
    recorder.step("compile", "failed", `${compilerName} ${how}`);
    return false;
  }
  if (!existsSync(wasmFile)) {
    recorder.findings.errors.push(`the compiler ${compilerPath} exited with code 0 but wrote no ${displayPath(wasmFile)}: check that it takes the extism-js arguments <bundle> -i <interface file> -o <wasm file>`);
    recorder.step("compile", "failed", `${compilerName} wrote no ${WASM_FILE}`);
    return false;
  }
  return true;
}

/** Compiles with the built-in engine in this process and returns whether it wrote the wasm file. */
async function runEngine(wasmEngineFile: string, context: CompileContext, wasmFile: string): Promise<boolean> {
  const { recorder, bundleFile, interfaceFile } = context;
  try {
    const result = await compilePlugin({ bundle: readFileSync(bundleFile, "utf8"), interfaceText: readFileSync(interfaceFile, "utf8"), wasmFile: wasmEngineFile });
    if (result.messages !== "") recorder.findings.warnings.push(`the engine printed while it ran the plugin's top-level code:\n${indent(result.messages)}`);
    writeFileSync(wasmFile, result.wasm);
    return true;
  } catch (error) {
    // The engine runs the simulator's prelude, whose top-level errors name extism-js.
    const message = nameCompilerInTopLevelError((error as Error).message, compilerSubject(context.compiler));
    recorder.findings.errors.push(`the built-in engine could not compile ${displayPath(bundleFile)}:\n${indent(message)}`);
    recorder.step("compile", "failed", "engine failed");
    return false;
  }
}

/**
 * Runs the compiler, checks the module it wrote, and packs `<id>.ndp`. A compiler that fails, writes
 * nothing, or writes a module that does not match the interface file gives exit code 3.
 */
export async function compileAndPack(context: CompileContext): Promise<CheckResult> {
  const { recorder, compiler, outDir, interfaceFile, manifestText, id } = context;
  const wasmFile = path.join(outDir, WASM_FILE);
  const compilerName = compiler.kind === "engine" ? "engine" : path.basename(compiler.path);
  recorder.compiler = compilerLabel(compiler);

  // A plugin.wasm left by an earlier build must not pass for this build's output.
  rmSync(wasmFile, { force: true });
  const written = compiler.kind === "engine" ? await runEngine(compiler.wasmFile, context, wasmFile) : await runExternalCompiler(compiler.path, context, wasmFile);
  if (!written) return recorder.finish(ExitCode.compilerFailed);
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
