/**
 * Compiles a plugin bundle to an Extism plugin: Wizer runs the bundle's top-level code inside
 * engine.wasm and snapshots the result, then binaryen adds one wasm export per declared plugin
 * export and one `extism:host/user` import per declared host function.
 *
 * binaryen (a 10 MB module) and Wizer are imported on the first compile, so that importing this
 * package to ask whether the engine is available stays cheap.
 *
 * @module
 */
/// <reference path="./wizer.d.ts" />
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type binaryen from "binaryen";

import { wasmFeatures } from "../scripts/wasm-features.mjs";
import type { HostFunction, PluginInterface } from "./plugin-interface.js";
import { parsePluginInterface } from "./plugin-interface.js";

type Binaryen = typeof binaryen;

/** The engine's placeholder import that the host function dispatcher replaces (see kernel.h). */
const HOST_CALL_IMPORT = { module: "nd:engine", base: "call_host" };
const INVOKE_EXPORT = "__nd_invoke";

/** A snapshot module and the text Wizer printed while making it. */
interface Snapshot {
  readonly wasm: Uint8Array;
  readonly messages: string;
}

async function loadWizer(): Promise<string> {
  try {
    const loaded = (await import("@bytecodealliance/wizer")) as { default: string };
    return loaded.default;
  } catch (error) {
    throw new Error(`Wizer could not be loaded (${(error as Error).message}). @bytecodealliance/wizer ships binaries for Linux, macOS and Windows on x64, Linux and macOS on arm64, and Linux on s390x; reinstall the package with optional dependencies enabled.`);
  }
}

/** Runs Wizer on the engine with the build header and the bundle on stdin, and returns the snapshot. */
async function snapshot(engineFile: string, header: string, bundle: string): Promise<Snapshot> {
  const wizer = await loadWizer();
  const dir = await mkdtemp(join(tmpdir(), "nd-engine-"));
  const output = join(dir, "snapshot.wasm");
  try {
    const messages = await new Promise<string>((resolve, reject) => {
      // Standard output is captured too, so that a caller printing JSON on its own stays clean.
      const child = spawn(wizer, [engineFile, "--allow-wasi", "--inherit-stdio", "true", "-o", output], { stdio: ["pipe", "pipe", "pipe"] });
      let text = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      child.on("error", (error) => reject(new Error(`Wizer (${wizer}) could not be started: ${error.message}`)));
      child.on("close", (code) => {
        if (code === 0) resolve(text.trim());
        else reject(new Error(`the plugin's top-level code failed at build time, so no snapshot was made:\n${text.trim()}`));
      });
      // Writing fails with EPIPE when Wizer exits without reading all of stdin, for example on an
      // invalid engine file. The close handler reports that exit, so the write error is ignored.
      child.stdin.on("error", () => undefined);
      child.stdin.end(`${header}\n${bundle}`);
    });
    return { wasm: await readFile(output), messages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function findImport(binaryen: Binaryen, module: binaryen.Module, importModule: string, base: string): binaryen.FunctionInfo | undefined {
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === importModule && info.base === base) return info;
  }
  return undefined;
}

/**
 * Replaces the engine's call_host(id, argument) import with a function that calls host function
 * number id: a br_table over one block per host function, and a trap for other ids.
 */
function addHostFunctions(binaryen: Binaryen, module: binaryen.Module, hostFunctions: readonly HostFunction[]): void {
  const placeholder = findImport(binaryen, module, HOST_CALL_IMPORT.module, HOST_CALL_IMPORT.base);
  if (placeholder === undefined) throw new Error(`the engine has no ${HOST_CALL_IMPORT.module}.${HOST_CALL_IMPORT.base} import; rebuild it with pnpm build.`);
  module.removeFunction(placeholder.name);

  const labels = hostFunctions.map((_, index) => `host_function_${index}`);
  let body = module.switch(labels, "unknown_host_function", module.local.get(0, binaryen.i32));
  hostFunctions.forEach((fn, index) => {
    const importName = `import_${fn.module}_${fn.name}`;
    module.addFunctionImport(importName, fn.module, fn.name, binaryen.createType([binaryen.i64]), binaryen.i64);
    const call = module.call(importName, [module.local.get(1, binaryen.i64)], binaryen.i64);
    body = module.block(null, [module.block(labels[index] as string, [body]), module.return(call)]);
  });
  body = module.block(null, [module.block("unknown_host_function", [body]), module.unreachable()]);
  module.addFunction(placeholder.name, binaryen.createType([binaryen.i32, binaryen.i64]), binaryen.i64, [], body);
}

/** Adds one `() -> i32` export per plugin export, each calling __nd_invoke with its index. */
function addExports(binaryen: Binaryen, module: binaryen.Module, pluginInterface: PluginInterface): void {
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
function checkSupported(pluginInterface: PluginInterface): void {
  for (const fn of pluginInterface.exports) {
    if (fn.params.length !== 0 || fn.result !== "i32") throw new Error(`export ${fn.name} must be declared as ${fn.name}(): I32; the engine supports no other export signature yet.`);
  }
  for (const fn of pluginInterface.hostFunctions) {
    if (fn.params.length !== 1 || fn.params[0] !== "i64" || fn.result !== "i64") {
      throw new Error(`host function ${fn.name} must be declared as ${fn.name}(ptr: PTR): PTR; the engine supports no other host function signature yet.`);
    }
  }
}

/** The result of {@link compileWithEngine}. */
export interface CompiledPlugin {
  readonly wasm: Uint8Array<ArrayBuffer>;
  readonly pluginInterface: PluginInterface;
  readonly timings: { readonly snapshotMs: number; readonly finishMs: number };
  readonly messages: string;
}

/** Compiles with the engine at `engineFile`. See compilePlugin in index.ts for the contract. */
export async function compileWithEngine(engineFile: string, bundle: string, interfaceText: string): Promise<CompiledPlugin> {
  const pluginInterface = parsePluginInterface(interfaceText);
  checkSupported(pluginInterface);

  const header = JSON.stringify({ exports: pluginInterface.exports.map((fn) => fn.name), hostFunctions: pluginInterface.hostFunctions.map((fn) => fn.name) });
  const snapshotStarted = performance.now();
  const snapshotted = await snapshot(engineFile, header, bundle);
  const finishStarted = performance.now();

  const { default: binaryen } = await import("binaryen");
  const module = binaryen.readBinary(snapshotted.wasm);
  try {
    module.setFeatures(wasmFeatures(binaryen));
    addHostFunctions(binaryen, module, pluginInterface.hostFunctions);
    addExports(binaryen, module, pluginInterface);
    if (!module.validate()) throw new Error("the generated plugin module does not validate; this is a bug in the engine's compiler.");
    // The engine was optimised when it was built. The snapshot only adds data and the few functions
    // above, so whole-module optimisation here would cost half a minute for nothing. Removing
    // unused elements drops the build-time code (stdin reading, the wizer.initialize body), whose
    // export Wizer removed.
    module.runPasses(["remove-unused-module-elements", "memory-packing", "strip-debug", "strip-producers"]);
    const wasm = new Uint8Array(module.emitBinary());
    return { wasm, pluginInterface, timings: { snapshotMs: finishStarted - snapshotStarted, finishMs: performance.now() - finishStarted }, messages: snapshotted.messages };
  } finally {
    module.dispose();
  }
}
