// @ts-check
/**
 * Compiles a plugin bundle to an Extism plugin: Wizer runs the bundle's top-level code inside
 * dist/engine.wasm and snapshots the result, then binaryen adds one wasm export per declared plugin
 * export and one `extism:host/user` import per declared host function.
 *
 * Usage: node scripts/compile-plugin.mjs <bundle.js> <interface.d.ts> -o <plugin.wasm>
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import wizerPath from "@bytecodealliance/wizer";
import binaryen from "binaryen";

import { ENGINE_WASM, WASM_FEATURES } from "./build-engine.mjs";
import { parsePluginInterface } from "./plugin-interface.mjs";

/** @typedef {import("./plugin-interface.mjs").HostFunction} HostFunction */
/** @typedef {import("./plugin-interface.mjs").PluginInterface} PluginInterface */

/** The engine's placeholder import that the host function dispatcher replaces (see kernel.h). */
const HOST_CALL_IMPORT = { module: "nd:engine", base: "call_host" };
const INVOKE_EXPORT = "__nd_invoke";

/**
 * @typedef {object} CompileOptions
 * @property {string} bundle The plugin bundle: one CommonJS script that assigns module.exports.
 * @property {string} interfaceText The interface file: `declare module "main"` and the host functions.
 */

/**
 * @typedef {object} CompileResult
 * @property {Uint8Array<ArrayBuffer>} wasm
 * @property {PluginInterface} pluginInterface
 * @property {{ snapshotMs: number, finishMs: number }} timings Wall time of the Wizer snapshot and of the binaryen step.
 */

/**
 * Runs Wizer on the engine with the build header and the bundle on stdin; returns the snapshot.
 *
 * @param {string} header
 * @param {string} bundle
 * @returns {Promise<Uint8Array>}
 */
async function snapshot(header, bundle) {
  if (!existsSync(ENGINE_WASM)) throw new Error(`${ENGINE_WASM} does not exist. Build it first with: pnpm --filter @nd/pdk-engine build:engine`);
  const dir = await mkdtemp(join(tmpdir(), "nd-engine-"));
  const output = join(dir, "snapshot.wasm");
  try {
    const stderr = await new Promise((resolvePromise, reject) => {
      const child = spawn(wizerPath, [ENGINE_WASM, "--allow-wasi", "--inherit-stdio", "true", "-o", output], { stdio: ["pipe", "inherit", "pipe"] });
      let text = "";
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk) => (text += chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        if (code === 0) resolvePromise(text);
        else reject(new Error(`the plugin's top-level code failed at build time, so no snapshot was made:\n${text.trim()}`));
      });
      child.stdin.end(`${header}\n${bundle}`);
    });
    if (stderr.trim() !== "") process.stderr.write(stderr);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * @param {binaryen.Module} module
 * @param {string} importModule
 * @param {string} base
 */
function findImport(module, importModule, base) {
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === importModule && info.base === base) return info;
  }
  return undefined;
}

/**
 * Replaces the engine's call_host(id, argument) import with a function that calls host function
 * number id: a br_table over one block per host function, and a trap for other ids.
 *
 * @param {binaryen.Module} module
 * @param {readonly HostFunction[]} hostFunctions
 */
function addHostFunctions(module, hostFunctions) {
  const placeholder = findImport(module, HOST_CALL_IMPORT.module, HOST_CALL_IMPORT.base);
  if (placeholder === undefined) throw new Error(`the engine has no ${HOST_CALL_IMPORT.module}.${HOST_CALL_IMPORT.base} import; rebuild it with build:engine.`);
  module.removeFunction(placeholder.name);

  const labels = hostFunctions.map((_, index) => `host_function_${index}`);
  let body = module.switch(labels, "unknown_host_function", module.local.get(0, binaryen.i32));
  hostFunctions.forEach((fn, index) => {
    const importName = `import_${fn.module}_${fn.name}`;
    module.addFunctionImport(importName, fn.module, fn.name, binaryen.createType([binaryen.i64]), binaryen.i64);
    const call = module.call(importName, [module.local.get(1, binaryen.i64)], binaryen.i64);
    body = module.block(null, [module.block(/** @type {string} */ (labels[index]), [body]), module.return(call)]);
  });
  body = module.block(null, [module.block("unknown_host_function", [body]), module.unreachable()]);
  module.addFunction(placeholder.name, binaryen.createType([binaryen.i32, binaryen.i64]), binaryen.i64, [], body);
}

/**
 * Adds one `() -> i32` export per plugin export, each calling __nd_invoke with its index.
 *
 * @param {binaryen.Module} module
 * @param {PluginInterface} pluginInterface
 */
function addExports(module, pluginInterface) {
  const invoke = binaryen.getExportInfo(module.getExport(INVOKE_EXPORT)).value;
  module.removeExport(INVOKE_EXPORT);
  pluginInterface.exports.forEach((fn, index) => {
    if (module.getExport(fn.name) !== 0) throw new Error(`the export name ${fn.name} is taken by the engine; rename the export.`);
    const internal = `plugin_export_${index}`;
    module.addFunction(internal, binaryen.none, binaryen.i32, [], module.call(invoke, [module.i32.const(index)], binaryen.i32));
    module.addFunctionExport(internal, fn.name);
  });
}

// TODO: support other signatures: exports with parameters or I64/F32/F64/void results, and host
// functions with several or non-PTR parameters. Navidrome's ABI needs only these two.
/** @param {PluginInterface} pluginInterface */
function checkSupported(pluginInterface) {
  for (const fn of pluginInterface.exports) {
    if (fn.params.length !== 0 || fn.result !== "i32") throw new Error(`export ${fn.name} must be declared as ${fn.name}(): I32; the engine supports no other export signature yet.`);
  }
  for (const fn of pluginInterface.hostFunctions) {
    if (fn.params.length !== 1 || fn.params[0] !== "i64" || fn.result !== "i64") {
      throw new Error(`host function ${fn.name} must be declared as ${fn.name}(ptr: PTR): PTR; the engine supports no other host function signature yet.`);
    }
  }
}

/**
 * Compiles a bundle and its interface to plugin wasm.
 *
 * @param {CompileOptions} options
 * @returns {Promise<CompileResult>}
 * @throws {Error} when the interface uses an unsupported signature, the bundle's top-level code
 * throws or uses the host, or the engine has not been built.
 */
export async function compilePlugin(options) {
  const pluginInterface = parsePluginInterface(options.interfaceText);
  checkSupported(pluginInterface);

  const header = JSON.stringify({ exports: pluginInterface.exports.map((fn) => fn.name), hostFunctions: pluginInterface.hostFunctions.map((fn) => fn.name) });
  const snapshotStarted = performance.now();
  const snapshotWasm = await snapshot(header, options.bundle);
  const finishStarted = performance.now();

  const module = binaryen.readBinary(snapshotWasm);
  try {
    module.setFeatures(WASM_FEATURES);
    addHostFunctions(module, pluginInterface.hostFunctions);
    addExports(module, pluginInterface);
    if (!module.validate()) throw new Error("the generated plugin module does not validate; this is a bug in the engine's compiler.");
    // The engine was optimised when it was built. The snapshot only adds data and the few functions
    // above, so whole-module optimisation here would cost half a minute for nothing. Removing
    // unused elements drops the build-time code (stdin reading, the wizer.initialize body), whose
    // export Wizer removed.
    module.runPasses(["remove-unused-module-elements", "memory-packing", "strip-debug", "strip-producers"]);
    const wasm = new Uint8Array(module.emitBinary());
    return { wasm, pluginInterface, timings: { snapshotMs: finishStarted - snapshotStarted, finishMs: performance.now() - finishStarted } };
  } finally {
    module.dispose();
  }
}

/** @returns {never} */
function usage() {
  console.error("usage: node scripts/compile-plugin.mjs <bundle.js> <interface.d.ts> -o <plugin.wasm>");
  process.exit(2);
}

/** @param {readonly string[]} args */
async function main(args) {
  const outputIndex = args.indexOf("-o");
  const output = outputIndex >= 0 ? args[outputIndex + 1] : undefined;
  const positional = args.filter((_, index) => outputIndex < 0 || (index !== outputIndex && index !== outputIndex + 1));
  const [bundlePath, interfacePath] = positional;
  if (bundlePath === undefined || interfacePath === undefined || output === undefined || positional.length !== 2) usage();

  const result = await compilePlugin({ bundle: await readFile(bundlePath, "utf8"), interfaceText: await readFile(interfacePath, "utf8") });
  await mkdir(dirname(resolve(output)), { recursive: true });
  await writeFile(output, result.wasm);
  const { snapshotMs, finishMs } = result.timings;
  console.log(`wrote ${output}: ${result.wasm.length} bytes (snapshot ${Math.round(snapshotMs)} ms, binaryen ${Math.round(finishMs)} ms)`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
