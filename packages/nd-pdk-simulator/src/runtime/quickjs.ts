/**
 * Runs a plugin bundle inside QuickJS-ng the way extism-js runs it in Navidrome. The bundle is one
 * strict global script named `eval_script`, preceded by the generated `Host.__hostFunctions` line,
 * and runs against a reimplementation of the extism-js globals. Top-level code runs in build mode, where
 * every host facility fails. Exports are dispatched by sorted position, and errors carry the texts
 * extism-js builds.
 *
 * Navidrome creates a fresh plugin instance for every call, so each {@link QuickJsPlugin.call}
 * evaluates the bundle again in a new QuickJS context. Top-level code therefore runs once per call
 * in the simulator (always in build mode), where extism-js runs it once at build time and starts every
 * instance from that snapshot. Module-level state never survives from one call to the next in either.
 *
 * @module
 */
import variant from "@jitl/quickjs-ng-wasmfile-release-sync";
import type { QuickJSWASMModule } from "quickjs-emscripten-core";
import { errors, newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";

import { services } from "../generated/api.js";
import type { CallOutcome } from "../host/service.js";
import type { HostBridge } from "./bridge.js";
import type { PluginCompiler } from "./files.js";
import { hasFileAccess } from "./files.js";
import type { ExportEntry, ExportResult, FacilityUse, InstanceLimits, ThrownValue } from "./quickjs-instance.js";
import { PluginInstance } from "./quickjs-instance.js";
import { StackMapper } from "./quickjs-stack.js";

export type { HostBridge } from "./bridge.js";

/** Options of {@link loadQuickJsPlugin}. Only `bundle` is required. */
export interface QuickJsPluginOptions {
  /** The plugin bundle: one CommonJS file as esbuild writes it for extism-js. */
  readonly bundle: string;
  /** JSON text of the bundle's source map; stack frames are then reported in the TypeScript sources. */
  readonly sourceMap?: string;
  /** The bundle's file name, for frames the source map does not cover (default: keep `eval_script`). */
  readonly fileName?: string;
  /**
   * The host functions the plugin declares, as the interface file given to extism-js lists them.
   * Default: every import name that occurs as a string literal in the bundle and that the bridge or
   * the Navidrome API offers.
   */
  readonly declaredImports?: readonly string[];
  /**
   * The exports the plugin declares (its `declare module "main"` functions). Default: the keys of
   * `module.exports` whose values are functions after top-level code ran, because the interface file
   * declares functions only and any other key is an extra key that shifts the dispatch.
   */
  readonly declaredExports?: readonly string[];
  /**
   * When true (the default), a call fails with an error naming the keys of `module.exports` that are
   * not declared exports, or the declared exports it lacks. When false, calls are dispatched by sorted
   * position as extism-js does, so an extra key silently sends a call to another function.
   */
  readonly strictExports?: boolean;
  /** Wall time one call may take, top-level code and promise jobs included (default 30000 ms, Navidrome's limit). */
  readonly timeoutMs?: number;
  /** Heap limit of the QuickJS runtime of one call (default 256 MiB). */
  readonly memoryLimitBytes?: number;
  /**
   * Stack limit of QuickJS (default 256 KiB, about 1,500 nested plain calls). QuickJS throws a
   * catchable RangeError past it. Much larger values let deep recursion exhaust Node's own stack
   * first, which breaks the engine (see {@link QuickJsPlugin.call}).
   */
  readonly maxStackBytes?: number;
  /**
   * The compiler the plugin is built with, which decides whether it gets file access. `engine` (the
   * default) provides the `files` API of `@nd/pdk` over the bridge's mounts, as the built-in engine
   * does. `extism-js` gives plugin code no file API, so every `files` call throws a `FileError` with
   * code `unavailable`, as in Navidrome.
   */
  readonly compiler?: PluginCompiler;
}

/** Something top-level code does that extism-js would refuse at build time, or an export mismatch. */
export interface TopLevelProblem {
  /**
   * `host-facility`: top-level code used the host (console, Config, Var, Memory, Host input or output,
   * a host function). `exception`: top-level code threw, trapped or timed out. `exports`:
   * `module.exports` does not match the declared exports (reported only with `strictExports`).
   */
  readonly kind: "host-facility" | "exception" | "exports";
  /** The facility used, such as `console.log`, `Config.get` or `host function kvstore_get`. */
  readonly facility?: string;
  /** The position in the plugin's sources (`src/plugin.ts:3:9`), when the stack shows it. */
  readonly location?: string;
  /** A description of the problem and of the fix. */
  readonly message: string;
}

/** A plugin bundle loaded into the simulated extism-js runtime. */
export interface QuickJsPlugin {
  /** The declared exports, sorted as extism-js sorts them (by UTF-8 bytes). */
  readonly exports: readonly string[];
  /**
   * The declared host functions, sorted: `declaredImports`, or else the Navidrome API import names
   * that occur as string literals in the bundle. Calls may add names the bridge offers.
   */
  readonly imports: readonly string[];
  /**
   * Calls one export in a fresh instance, as Navidrome does: the input is set, the export is called
   * with no arguments and `this` undefined, and queued promise jobs run before the outcome is read.
   * Only return code 0 counts as success; another code without an error message is an error outcome
   * `plugin call exited with code N`. A promise returned by the export is ignored and its rejection
   * dropped, so an async export that fails reads as success, exactly as in extism-js.
   *
   * If deep recursion exhausts Node's own stack before the QuickJS limit, the engine is left in an
   * unknown state: the call returns an error outcome, and every later call of every plugin loaded on
   * that engine does too. Plugins loaded afterwards get a new engine.
   */
  call(exportName: string, input: string, bridge: HostBridge): CallOutcome;
  /** The problems found while loading: host use at top level, a top-level failure, an export mismatch. */
  checkTopLevel(): TopLevelProblem[];
  /** Releases the plugin; later calls throw. */
  dispose(): void;
}

// Navidrome gives every plugin call 30 seconds; a longer simulated call would fail there too.
const DEFAULT_TIMEOUT_MS = 30_000;
// Generous for a plugin: the limit exists to stop runaway allocation, not to model Navidrome.
const DEFAULT_MEMORY_LIMIT_BYTES = 256 * 1024 * 1024;
// QuickJS frames cost roughly two to three times their size on Node's native stack (measured with
// Node 20 and its default 984 KiB stack); 256 KiB leaves room for the callers of the simulator.
const DEFAULT_MAX_STACK_BYTES = 256 * 1024;

const API_IMPORT_NAMES: readonly string[] = services.flatMap((service) => service.functions.map((fn) => fn.importName));
const utf8Encoder = new TextEncoder();
// Go hands the output bytes over unchanged, so a byte order mark is kept.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** The loaded QuickJS wasm module, and why it must not be used any more once something broke it. */
interface Engine {
  readonly module: QuickJSWASMModule;
  failure: string | undefined;
}

let enginePromise: Promise<Engine> | undefined;
let currentEngine: Engine | undefined;

function loadEngine(): Promise<Engine> {
  enginePromise ??= newQuickJSWASMModuleFromVariant(variant).then(
    (module) => {
      currentEngine = { module, failure: undefined };
      return currentEngine;
    },
    (error: unknown) => {
      enginePromise = undefined;
      throw error;
    },
  );
  return enginePromise;
}

function retireEngine(engine: Engine, failure: string): void {
  engine.failure = failure;
  if (currentEngine === engine) {
    currentEngine = undefined;
    enginePromise = undefined;
  }
}

/** Orders names by their UTF-8 bytes, as extism-js (Rust) sorts export and import names. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function sortedUnique(names: Iterable<string>): string[] {
  return [...new Set(names)].sort(compareUtf8);
}

function isNativeStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** Builds an error outcome: `text` is the whole error text, `message` its core (the same without a stack). */
function errorOutcome(message: string, text = message): CallOutcome {
  return { kind: "error", message, text };
}

/**
 * Loads a plugin bundle and evaluates its top-level code once, in build mode, to find its exports
 * and any top-level problem. It does not throw for top-level problems: read them with
 * {@link QuickJsPlugin.checkTopLevel}; every call of such a plugin fails with the first of them.
 *
 * @throws {Error} when `sourceMap` is not a valid source map.
 * @throws {TypeError} when `compiler` is neither `engine` nor `extism-js`.
 */
export async function loadQuickJsPlugin(options: QuickJsPluginOptions): Promise<QuickJsPlugin> {
  const engine = await loadEngine();
  return new LoadedPlugin(engine, options);
}

class LoadedPlugin implements QuickJsPlugin {
  readonly exports: readonly string[];
  readonly imports: readonly string[];
  readonly #engine: Engine;
  readonly #options: QuickJsPluginOptions;
  readonly #limits: InstanceLimits;
  readonly #mapper: StackMapper;
  readonly #strict: boolean;
  readonly #fileAccess: boolean;
  // Top-level code reads the load time as "now", because extism-js runs that code at build time.
  readonly #buildTime = Date.now();
  readonly #problems: TopLevelProblem[] = [];
  #disposed = false;

  constructor(engine: Engine, options: QuickJsPluginOptions) {
    this.#engine = engine;
    this.#options = options;
    this.#strict = options.strictExports ?? true;
    this.#fileAccess = hasFileAccess(options.compiler, "loadQuickJsPlugin options.compiler");
    this.#limits = {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      memoryLimitBytes: options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
      maxStackBytes: options.maxStackBytes ?? DEFAULT_MAX_STACK_BYTES,
    };
    this.#mapper = new StackMapper(options.sourceMap, options.fileName);

    this.imports = this.#declaredImports(undefined);
    const entries = this.#inspectTopLevel();
    this.exports = sortedUnique(options.declaredExports ?? entries.filter((entry) => entry.isFunction).map((entry) => entry.key));
    if (this.#strict) {
      const mismatch = this.#describeMismatch(entries.map((entry) => entry.key));
      if (mismatch !== undefined) this.#problems.push({ kind: "exports", message: mismatch });
    }
  }

  checkTopLevel(): TopLevelProblem[] {
    return [...this.#problems];
  }

  dispose(): void {
    this.#disposed = true;
  }

  call(exportName: string, input: string, bridge: HostBridge): CallOutcome {
    if (this.#disposed) throw new Error(`QuickJsPlugin.call("${exportName}"): the plugin was disposed; load it again to call it.`);
    if (this.#engine.failure !== undefined) {
      return errorOutcome(`the QuickJS engine of this plugin broke in an earlier call (${this.#engine.failure}); load the plugin again.`);
    }

    const buildFailure = this.#problems.find((problem) => problem.kind !== "exports");
    if (buildFailure !== undefined) return errorOutcome(buildFailure.message);
    if (!this.exports.includes(exportName)) return { kind: "not-exported" };

    const instance = new PluginInstance(this.#engine.module, {
      limits: this.#limits,
      hostFunctions: this.#declaredImports(bridge),
      buildTime: this.#buildTime,
      bridge,
      input: utf8Encoder.encode(input),
      fileAccess: this.#fileAccess,
    });
    let usable = true;
    try {
      return this.#run(instance, exportName);
    } catch (error) {
      // A control call of the simulator threw inside QuickJS, such as a module.exports getter.
      if (error instanceof errors.QuickJSUnwrapError) {
        if (instance.aborted) return this.#outcome(instance, undefined);
        return errorOutcome(error.message, `Exception: ${error.message}`);
      }
      // The engine was interrupted between two of its own steps, so its state cannot be trusted, and
      // disposing the instance could abort the whole wasm module.
      usable = false;
      const failure = isNativeStackOverflow(error) ? "deep recursion exhausted the native stack of Node" : `unexpected engine error: ${(error as Error).message}`;
      retireEngine(this.#engine, failure);
      if (isNativeStackOverflow(error)) {
        return errorOutcome(`${exportName}: ${failure} before QuickJS reached its own stack limit (maxStackBytes ${this.#limits.maxStackBytes}). Lower maxStackBytes or the recursion depth of the plugin.`);
      }
      throw error;
    } finally {
      if (usable) instance.dispose();
    }
  }

  #run(instance: PluginInstance, exportName: string): CallOutcome {
    const thrown = instance.evaluate(this.#script(instance.hostFunctions));
    const buildProblem = this.#buildProblem(instance, thrown);
    if (buildProblem !== undefined) return errorOutcome(buildProblem.message);

    instance.enterCallPhase();
    const entries = instance.exportEntries();
    const keys = entries === null ? null : sortedUnique(entries.map((entry) => entry.key));
    if (this.#strict) {
      const mismatch = this.#describeMismatch(keys);
      if (mismatch !== undefined) return errorOutcome(mismatch);
    }
    // extism-js returns -1 without an error message when module.exports is missing.
    if (keys === null) return errorOutcome("plugin call exited with code -1");

    // extism-js calls the key at the export's position in the sorted declared list.
    const position = this.exports.indexOf(exportName);
    const key = keys[position];
    let result: ExportResult | undefined;
    if (key === undefined) {
      instance.trap ??= `module.exports has ${keys.length} keys, so there is no function at sorted position ${position} for ${exportName}; extism-js aborts the call here.`;
    } else {
      result = instance.callExport(key, position);
    }
    instance.drainJobs();
    return this.#outcome(instance, result);
  }

  #outcome(instance: PluginInstance, result: ExportResult | undefined): CallOutcome {
    if (instance.trap !== undefined) return errorOutcome(instance.trap, `trap: ${instance.trap}`);
    if (instance.timedOut || result === undefined) return errorOutcome(this.#timeoutMessage("the export"));
    if ("threw" in result) {
      const threw = result.threw;
      return errorOutcome(threw.error ? threw.message : (threw.message ?? threw.text), this.#renderThrown(threw));
    }
    if (result.returnCode !== 0) return errorOutcome(`plugin call exited with code ${result.returnCode}`);
    // An empty output reaches the host as no output at all.
    if (instance.output === undefined || instance.output.length === 0) return { kind: "no-data" };
    return { kind: "output", output: utf8Decoder.decode(instance.output) };
  }

  /** Evaluates top-level code once in build mode and records its problems; returns the export entries. */
  #inspectTopLevel(): ExportEntry[] {
    const instance = new PluginInstance(this.#engine.module, {
      limits: this.#limits,
      hostFunctions: this.imports,
      buildTime: this.#buildTime,
      fileAccess: this.#fileAccess,
    });
    let usable = true;
    try {
      const thrown = instance.evaluate(this.#script(instance.hostFunctions));
      const problem = this.#buildProblem(instance, thrown);
      for (const use of instance.facilityUses) this.#problems.push(this.#facilityProblem(use));
      if (problem !== undefined && problem.kind === "exception") this.#problems.push(problem);
      if (instance.aborted) return [];
      return instance.exportEntries() ?? [];
    } catch (error) {
      if (error instanceof errors.QuickJSUnwrapError) {
        this.#problems.push({ kind: "exception", message: `reading module.exports threw, so extism-js cannot call the plugin: Exception: ${error.message}` });
        return [];
      }
      usable = false;
      retireEngine(this.#engine, `unexpected engine error: ${(error as Error).message}`);
      throw error;
    } finally {
      if (usable) instance.dispose();
    }
  }

  /** The first reason extism-js could not build the plugin, from one top-level evaluation. */
  #buildProblem(instance: PluginInstance, thrown: ThrownValue | undefined): TopLevelProblem | undefined {
    const use = instance.facilityUses[0];
    if (use !== undefined) return this.#facilityProblem(use);
    if (instance.timedOut) return { kind: "exception", message: this.#timeoutMessage("top-level code") };
    if (instance.trap !== undefined) return { kind: "exception", message: `top-level code trapped, so extism-js cannot build the plugin: ${instance.trap}` };
    if (thrown !== undefined) {
      const location = thrown.error ? this.#mapper.innermostLocation(thrown.stack) : undefined;
      return {
        kind: "exception",
        ...(location === undefined ? {} : { location }),
        message: `top-level code threw, so extism-js cannot build the plugin: ${this.#renderThrown(thrown)}`,
      };
    }
    return undefined;
  }

  #facilityProblem(use: FacilityUse): TopLevelProblem {
    const location = this.#mapper.outermostLocation(use.stack);
    return {
      kind: "host-facility",
      facility: use.facility,
      ...(location === undefined ? {} : { location }),
      message: location === undefined ? use.message : `${use.message} (at ${location})`,
    };
  }

  /** The error text extism-js sets for a thrown value, with bundle frames mapped to the sources. */
  #renderThrown(thrown: ThrownValue): string {
    if (!thrown.error) return `Exception: ${thrown.text}`;
    const text = `Exception: ${thrown.message}\n${this.#mapper.rewrite(thrown.stack)}`;
    if (thrown.message !== "out of memory") return text;
    return `${text}(the simulator limits the QuickJS heap to ${this.#limits.memoryLimitBytes} bytes; raise it with loadBundle(source, { memoryLimitBytes }) if the plugin needs more)`;
  }

  #timeoutMessage(what: string): string {
    return `${what} ran longer than ${this.#limits.timeoutMs} ms of wall time and was stopped; look for an endless loop, or raise the limit with loadBundle(source, { timeoutMs }) if the work is legitimately long.`;
  }

  /** Names the keys of `module.exports` that are not declared exports and the declared exports it lacks. */
  #describeMismatch(keys: readonly string[] | null): string | undefined {
    if (keys === null) {
      return "module.exports is missing or not an object, so extism-js cannot call any export (the call returns -1). Assign the exports object to module.exports.";
    }
    const extra = keys.filter((key) => !this.exports.includes(key));
    const missing = this.exports.filter((name) => !keys.includes(name));
    if (extra.length === 0 && missing.length === 0) return undefined;

    const parts: string[] = [];
    if (extra.length > 0) parts.push(`module.exports has keys that are not declared exports: ${extra.join(", ")}`);
    if (missing.length > 0) parts.push(`module.exports lacks declared exports: ${missing.join(", ")}`);
    return `${parts.join("; ")}. extism-js calls an export by its position in the sorted keys of module.exports, so such a key sends Navidrome's calls to the wrong function. Export only the declared functions from the entry module (no default export, no constants).`;
  }

  #declaredImports(bridge: HostBridge | undefined): string[] {
    if (this.#options.declaredImports !== undefined) return sortedUnique(this.#options.declaredImports);
    const candidates = bridge === undefined ? API_IMPORT_NAMES : [...API_IMPORT_NAMES, ...bridge.functions.keys()];
    const bundle = this.#options.bundle;
    return sortedUnique(candidates.filter((name) => bundle.includes(`"${name}"`) || bundle.includes(`'${name}'`) || bundle.includes(`\`${name}\``)));
  }

  /** The script extism-js evaluates: one generated line declaring the host functions, then the bundle. */
  #script(hostFunctions: readonly string[]): string {
    const declared = hostFunctions.map((name) => ({ name, results: 1 }));
    return `Host.__hostFunctions = ${JSON.stringify(declared)};\n${this.#options.bundle}`;
  }
}
