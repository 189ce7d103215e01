/**
 * `nd-pdk build` as a function: bundle, evaluate, check, write the interface file, compile and pack.
 */
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";

import type { Manifest } from "@nd/pdk-simulator";

import type { CheckResult } from "../output.js";
import { displayPath, UsageError } from "../output.js";
import { checkManifest, declaredPermissions } from "../validate/manifest.js";
import { minimumRelease } from "../validate/release.js";
import { checkExports, checkImports, checkLoadRules, checkPermissionUse, mergeFindings } from "../validate/rules.js";
import type { BundleOutput } from "./bundle.js";
import { bundlePlugin } from "./bundle.js";
import { compileAndPack, WASM_FILE } from "./compile-and-pack.js";
import type { Compiler } from "./compile.js";
import { compilerHint, compilerSubject, isExtismJs, selectCompiler } from "./compile.js";
import { evaluateBundle } from "./evaluate.js";
import { renderInterfaceFile } from "./interface-file.js";
import { invalidIdReason, pluginId } from "./pack.js";
import { BuildRecorder, formatSize, listOrNone } from "./recorder.js";
import { scanHostImports, usesExtismHttp, usesFiles } from "./scan-imports.js";

/**
 * Options of {@link buildPlugin}. `entry` and `outDir` are relative to the plugin directory, like the
 * paths of the other nd-pdk commands; `compiler` is relative to the working directory.
 */
export interface BuildOptions {
  /** The plugin directory, with package.json and manifest.json. Default: the working directory. */
  readonly dir?: string | undefined;
  /** The entry module, whose default export is the definePlugin result. Default: src/index.ts. */
  readonly entry?: string | undefined;
  /** Where the output goes. Default: dist. */
  readonly outDir?: string | undefined;
  /**
   * The compiler: `extism-js` (from PATH), `engine` (the built-in @nd/pdk-engine), or a path or
   * command name of a compiler that takes the extism-js arguments. Default: extism-js when it is on
   * PATH, else the engine when its wasm file exists, else none, and the build stops before plugin.wasm.
   */
  readonly compiler?: string | undefined;
  /** The plugin id, which names the .ndp file. Default: the package.json name without its scope. */
  readonly id?: string | undefined;
  /** The PATH searched for extism-js. Default: the PATH of this process. */
  readonly searchPath?: string | undefined;
  /** The engine.wasm the built-in engine runs. Default: the one @nd/pdk-engine ships. */
  readonly engineWasmFile?: string | undefined;
}

interface BuildPaths {
  readonly dir: string;
  readonly entry: string;
  readonly outDir: string;
  readonly bundleFile: string;
  readonly interfaceFile: string;
  /** The compiler, or why the engine is unavailable when no compiler was found. */
  readonly compiler: Compiler | { readonly engineProblem: string };
}

/** Resolves the paths and the compiler of a build, rejecting options that name something that does not exist. */
function resolvePaths(options: BuildOptions): BuildPaths {
  const dir = path.resolve(options.dir ?? ".");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${options.dir ?? "."} is not a directory: give the plugin directory, the one with package.json and manifest.json`);
  }

  const entry = path.resolve(dir, options.entry ?? path.join("src", "index.ts"));
  if (options.entry !== undefined && !existsSync(entry)) {
    throw new UsageError(`--entry ${options.entry}: ${displayPath(entry)} does not exist; give the module whose default export is the definePlugin result`);
  }

  const compiler = selectCompiler(options.compiler, options.searchPath ?? process.env["PATH"] ?? "", options.engineWasmFile);

  const outDir = path.resolve(dir, options.outDir ?? "dist");
  return { dir, entry, outDir, bundleFile: path.join(outDir, "plugin.js"), interfaceFile: path.join(outDir, "plugin.d.ts"), compiler };
}

/** The compiler of the build, or undefined when none was found. */
function chosenCompiler(paths: BuildPaths): Compiler | undefined {
  return "engineProblem" in paths.compiler ? undefined : paths.compiler;
}

/**
 * Removes the files an earlier build wrote to the output folder, so that a build that fails or stops
 * early leaves no plugin.wasm or `<id>.ndp` that passes for its output. Without a valid id, a package
 * of an earlier build stays, because its name is unknown.
 */
function removeEarlierOutputs(paths: BuildPaths, id: string | undefined): void {
  const files = [paths.bundleFile, `${paths.bundleFile}.map`, paths.interfaceFile, path.join(paths.outDir, WASM_FILE)];
  if (id !== undefined) files.push(path.join(paths.outDir, `${id}.ndp`));
  for (const file of files) rmSync(file, { force: true });
}

/** The plugin id from `--id` or package.json; problems are recorded as errors. */
function readPluginId(given: string | undefined, dir: string, recorder: BuildRecorder): string | undefined {
  let id = given;
  if (id === undefined) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) {
      recorder.findings.errors.push(`package.json is missing in ${displayPath(dir)}: create it with the plugin's name, or pass --id to name the package`);
      return undefined;
    }
    let name: unknown;
    try {
      name = (JSON.parse(readFileSync(file, "utf8")) as { name?: unknown }).name;
    } catch (error) {
      recorder.findings.errors.push(`package.json in ${displayPath(dir)} is not valid JSON (${(error as Error).message}): correct it`);
      return undefined;
    }
    if (typeof name !== "string" || name === "") {
      recorder.findings.errors.push(`package.json in ${displayPath(dir)} has no "name": add one, or pass --id to name the package`);
      return undefined;
    }
    id = pluginId(name);
  }

  const problem = invalidIdReason(id);
  if (problem !== undefined) {
    recorder.findings.errors.push(`the plugin id ${JSON.stringify(id)} cannot name the package file: ${problem}; pass --id or change the package.json name`);
    return undefined;
  }
  return id;
}

/** Reads and checks manifest.json; undefined when the file is missing. */
function readManifest(dir: string, recorder: BuildRecorder): { text: string; manifest: Manifest | undefined } | undefined {
  const file = path.join(dir, "manifest.json");
  if (!existsSync(file)) {
    recorder.findings.errors.push(`manifest.json is missing in ${displayPath(dir)}: create it with name, author, version and the permissions the plugin needs`);
    recorder.step("manifest", "failed", "manifest.json is missing");
    return undefined;
  }

  const text = readFileSync(file, "utf8");
  const check = checkManifest(text);
  mergeFindings(recorder.findings, { errors: [...check.errors], warnings: [...check.warnings] });
  if (check.manifest === undefined) {
    recorder.step("manifest", "failed", `${check.errors.length} ${check.errors.length === 1 ? "error" : "errors"}`);
  } else {
    recorder.step("manifest", "ok", `${check.manifest.name} ${check.manifest.version}, permissions: ${listOrNone(declaredPermissions(check.manifest))}`);
  }
  return { text, manifest: check.manifest };
}

/** Bundles the entry module and writes plugin.js and its map; undefined when esbuild fails. */
async function bundle(paths: BuildPaths, recorder: BuildRecorder): Promise<BundleOutput | undefined> {
  if (!existsSync(paths.entry)) {
    recorder.findings.errors.push(`the entry module ${displayPath(paths.entry)} does not exist: create it with \`export default definePlugin({ ... })\`, or pass --entry`);
    recorder.step("bundle", "failed", `${displayPath(paths.entry)} is missing`);
    return undefined;
  }

  const output = await bundlePlugin({ projectDir: paths.dir, entry: paths.entry, outFile: paths.bundleFile });
  recorder.findings.warnings.push(...output.warnings);
  if (output.errors.length > 0) {
    recorder.findings.errors.push(...output.errors);
    recorder.step("bundle", "failed", `esbuild could not bundle ${displayPath(paths.entry)}`);
    return undefined;
  }

  recorder.write(paths.bundleFile, output.code);
  recorder.write(`${paths.bundleFile}.map`, output.sourceMap);
  recorder.step("bundle", "ok", `${displayPath(paths.entry)} -> ${displayPath(paths.bundleFile)} (${formatSize(Buffer.byteLength(output.code))}) and its source map`);
  return output;
}

/**
 * Finds the host functions the bundle uses and runs its top-level code to learn its exports. Returns
 * false when the exports stay unknown, because the checks would then report false problems.
 */
async function inspect(output: BundleOutput, paths: BuildPaths, recorder: BuildRecorder): Promise<boolean> {
  recorder.imports = scanHostImports(output.code);
  const evaluation = await evaluateBundle({
    code: output.code,
    sourceMap: output.sourceMap,
    imports: recorder.imports,
    bundleFile: paths.bundleFile,
    projectDir: paths.dir,
    compiler: compilerSubject(chosenCompiler(paths)),
  });
  recorder.exports = evaluation.exports;
  recorder.findings.errors.push(...evaluation.errors);

  if (evaluation.errors.length > 0) {
    recorder.step("exports", "failed", "top-level code failed");
  } else if (evaluation.exports.length === 0) {
    recorder.findings.errors.push(`the plugin exports nothing: ${displayPath(paths.entry)} must \`export default definePlugin({ ... })\` with at least one capability`);
    recorder.step("exports", "failed", "none");
  } else {
    recorder.step("exports", "ok", listOrNone(evaluation.exports));
  }
  recorder.step("imports", "ok", listOrNone(recorder.imports));
  return evaluation.errors.length === 0 && evaluation.exports.length > 0;
}

/**
 * Bundles the plugin again now that its exports are known, so that `definePlugin` carries the glue of
 * those exports only, and writes that bundle over the first. The first bundle stays when the second
 * fails or its top-level code yields other exports or host functions.
 */
async function trimCapabilityGlue(first: BundleOutput, paths: BuildPaths, recorder: BuildRecorder): Promise<BundleOutput> {
  const trimmed = await bundlePlugin({ projectDir: paths.dir, entry: paths.entry, outFile: paths.bundleFile, exports: recorder.exports });
  if (trimmed.errors.length > 0 || trimmed.code === first.code) return first;

  const imports = scanHostImports(trimmed.code);
  const evaluation = await evaluateBundle({
    code: trimmed.code,
    sourceMap: trimmed.sourceMap,
    imports,
    bundleFile: paths.bundleFile,
    projectDir: paths.dir,
    compiler: compilerSubject(chosenCompiler(paths)),
  });
  let difference: string | undefined;
  if (evaluation.errors.length > 0) {
    // Only the first line, without the simulator's preamble: the stack adds nothing here.
    const firstLine = (evaluation.errors[0] as string).split("\n")[0] as string;
    difference = `its top-level code threw (${firstLine.replace(/^.*?Exception: /, "")})`;
  } else if (evaluation.exports.join() !== recorder.exports.join()) {
    difference = `its exports were ${listOrNone(evaluation.exports)}`;
  } else if (imports.join() !== recorder.imports.join()) {
    difference = `it used the host functions ${listOrNone(imports)}`;
  }
  if (difference !== undefined) {
    // A capability key whose value is undefined is the usual cause: definePlugin still looks the key up.
    recorder.findings.warnings.push(
      `${displayPath(paths.bundleFile)} keeps the codecs of every capability, because with only those of its own exports ${difference}. Leave capability keys whose value is undefined out of the definePlugin object to get the smaller bundle.`,
    );
    return first;
  }

  recorder.write(paths.bundleFile, trimmed.code);
  recorder.write(`${paths.bundleFile}.map`, trimmed.sourceMap);
  recorder.step("trim", "ok", `${displayPath(paths.bundleFile)} without the codecs of exports it lacks (${formatSize(Buffer.byteLength(trimmed.code))})`);
  return trimmed;
}

/**
 * Checks exports, imports and permissions against each other and Navidrome's rules, and the files API
 * against the compiler. `compilerOption` is the `--compiler` value, if any.
 */
function check(manifest: Manifest | undefined, code: string, paths: BuildPaths, compilerOption: string | undefined, recorder: BuildRecorder): void {
  const errorsBefore = recorder.findings.errors.length;
  const filesUsed = usesFiles(code);
  mergeFindings(recorder.findings, checkExports(recorder.exports));
  if (manifest !== undefined) {
    mergeFindings(recorder.findings, checkImports(manifest, recorder.imports, { singular: "is used", plural: "are used" }));
    mergeFindings(recorder.findings, checkLoadRules(manifest, recorder.exports));
    const bundleUse = { extismHttp: usesExtismHttp(code) ? "used" : "unused", files: filesUsed ? "used" : "unused" } as const;
    mergeFindings(recorder.findings, checkPermissionUse(manifest, recorder.imports, recorder.exports, bundleUse));
    recorder.minNavidrome = minimumRelease(recorder.imports, declaredPermissions(manifest));
  }
  if (filesUsed && isExtismJs(chosenCompiler(paths))) {
    const how = compilerOption === undefined ? "found on PATH" : `chosen with --compiler ${compilerOption}`;
    recorder.findings.warnings.push(
      `the plugin uses the files API, but extism-js (${how}) compiles it, and extism-js gives plugins no file access, so every files call will throw FileError "unavailable" at run time: build with --compiler engine to compile with the built-in engine, which provides file access`,
    );
  }

  const failed = recorder.findings.errors.length - errorsBefore;
  recorder.step("checks", failed > 0 ? "failed" : "ok", failed > 0 ? `${failed} failed` : "exports, host functions and permissions agree");
}

/**
 * Builds a plugin: bundles the entry module, learns its exports by running the bundle's top-level
 * code in QuickJS, finds the host functions it uses, checks them against manifest.json and
 * Navidrome's rules, writes plugin.js, plugin.js.map and plugin.d.ts, and, when a compiler is
 * available (extism-js or the built-in engine), compiles plugin.wasm and packs `<id>.ndp`. When a
 * check fails, nothing is compiled, but the bundle and the interface file are still written for
 * inspection.
 *
 * @throws {UsageError} when the directory, a given entry module or a given compiler does not exist,
 * or when `--compiler engine` or `--compiler extism-js` is given and that compiler is unavailable.
 */
export async function buildPlugin(options: BuildOptions = {}): Promise<CheckResult> {
  const paths = resolvePaths(options);
  const recorder = new BuildRecorder();
  // The id is needed only to pack, but a bad one is reported before the slow stages.
  const id = readPluginId(options.id, paths.dir, recorder);
  removeEarlierOutputs(paths, id);

  const manifest = readManifest(paths.dir, recorder);
  if (manifest === undefined) return recorder.finish();

  const output = await bundle(paths, recorder);
  if (output === undefined) return recorder.finish();

  if (!(await inspect(output, paths, recorder))) {
    recorder.step("checks", "skipped", "the exports are unknown until top-level code runs");
    return recorder.finish();
  }
  const shipped = await trimCapabilityGlue(output, paths, recorder);
  check(manifest.manifest, shipped.code, paths, options.compiler, recorder);

  recorder.write(paths.interfaceFile, renderInterfaceFile(recorder.exports, recorder.imports));
  recorder.step("interface", "ok", displayPath(paths.interfaceFile));
  if (recorder.findings.errors.length > 0 || id === undefined) return recorder.finish();

  if ("engineProblem" in paths.compiler) {
    recorder.findings.warnings.push(compilerHint(paths.compiler.engineProblem));
    recorder.step("compile", "skipped", "no compiler found");
    return recorder.finish();
  }
  return compileAndPack({ ...paths, recorder, compiler: paths.compiler, manifestText: manifest.text, id });
}
