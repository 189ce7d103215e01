/**
 * A plugin bundle evaluated once in QuickJS-ng and then called many times, the way extism-js runs a
 * plugin: top-level code once (at build time there), then each export call on that state.
 *
 * It drives the simulator's own `PluginInstance`, so the prelude (`Host`, `Memory`, UTF-8, ...) and the
 * host natives are exactly those of `loadQuickJsPlugin`. `loadQuickJsPlugin` itself evaluates the
 * prelude and the whole bundle again on every call, which costs far more than the export call and
 * would hide the part of a call that the PDK adds.
 *
 * @module
 */
import variant from "@jitl/quickjs-ng-wasmfile-release-sync";
import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";

// NOTE: a private module of the simulator, imported by path because the package does not export it.
// This file relies on its constructor and methods, so a change there breaks the benchmark alone.
import { PluginInstance } from "../../../packages/nd-pdk-simulator/src/runtime/quickjs-instance.js";
import type { HostBridge } from "../../../packages/nd-pdk-simulator/src/runtime/bridge.js";

/** A host function of the benchmark: request text in, reply text out (`undefined` for offset 0). */
export type HostFunctionImplementation = (requestText: string) => string | undefined;

export interface WarmPluginOptions {
  /** The plugin bundle, as nd-pdk build writes it. */
  readonly bundle: string;
  /** The input every call of this instance receives. */
  readonly input: string;
  /** The host functions the plugin may import, by import name. */
  readonly hostFunctions?: ReadonlyMap<string, HostFunctionImplementation>;
  /** A script evaluated before the bundle, to set the globals the benchmark fixtures read. */
  readonly setup?: string;
}

/** One QuickJS instance holding an evaluated plugin bundle. */
export interface WarmPlugin {
  /** Calls `module.exports[key]` and returns the output it set, if any. */
  call(key: string): string | undefined;
  dispose(): void;
}

let modulePromise: Promise<QuickJSWASMModule> | undefined;

function loadModule(): Promise<QuickJSWASMModule> {
  modulePromise ??= newQuickJSWASMModuleFromVariant(variant);
  return modulePromise;
}

const utf8Decoder = new TextDecoder();

// Long enough for thousands of calls on one instance: the limit is a deadline for the instance's
// whole life, not per call.
const INSTANCE_TIMEOUT_MS = 60 * 60 * 1000;
const MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;
const MAX_STACK_BYTES = 256 * 1024;

/**
 * Evaluates `options.bundle` in a new QuickJS instance and switches it to the call phase.
 *
 * @throws {Error} when the setup script or the bundle throws.
 */
export async function loadWarmPlugin(options: WarmPluginOptions): Promise<WarmPlugin> {
  const module = await loadModule();
  const functions = options.hostFunctions ?? new Map<string, HostFunctionImplementation>();
  const hostFunctionNames = [...functions.keys()].sort();
  const bridge: HostBridge = {
    functions,
    config: new Map(),
    logLevel: "off",
    log: () => undefined,
    now: () => Date.now(),
  };

  const instance = new PluginInstance(module, {
    limits: { timeoutMs: INSTANCE_TIMEOUT_MS, memoryLimitBytes: MEMORY_LIMIT_BYTES, maxStackBytes: MAX_STACK_BYTES },
    hostFunctions: hostFunctionNames,
    buildTime: Date.now(),
    bridge,
    input: new TextEncoder().encode(options.input),
    // extism-js offers no file access, and no benchmark bundle uses files.
    fileAccess: false,
  });

  try {
    if (options.setup !== undefined) failOnThrow("the setup script", instance.evaluate(options.setup));
    // extism-js puts this generated line before the bundle.
    const declared = hostFunctionNames.map((name) => ({ name, results: 1 }));
    failOnThrow("the bundle", instance.evaluate(`Host.__hostFunctions = ${JSON.stringify(declared)};\n${options.bundle}`));
    instance.enterCallPhase();
  } catch (error) {
    instance.dispose();
    throw error;
  }

  return {
    call(key: string): string | undefined {
      instance.output = undefined;
      const result = instance.callExport(key, 0);
      if (instance.trap !== undefined) throw new Error(`${key} trapped: ${instance.trap}`);
      if (result === undefined) throw new Error(`${key} was stopped by the instance's time limit`);
      if ("threw" in result) {
        const thrown = result.threw;
        throw new Error(`${key} threw: ${thrown.error ? `${thrown.message}\n${thrown.stack}` : thrown.text}`);
      }
      if (result.returnCode !== 0) throw new Error(`${key} returned ${result.returnCode}`);
      return instance.output === undefined ? undefined : utf8Decoder.decode(instance.output);
    },
    dispose(): void {
      instance.dispose();
    },
  };
}

function failOnThrow(scriptName: string, thrown: ReturnType<PluginInstance["evaluate"]>): void {
  if (thrown === undefined) return;
  throw new Error(`${scriptName} threw in QuickJS: ${thrown.error ? `${thrown.message}\n${thrown.stack}` : thrown.text}`);
}
