/**
 * One plugin instance inside QuickJS-ng: a runtime and context with the extism-js globals, the
 * Extism kernel state behind them (memory blocks, input, output, vars), and the two phases of
 * extism-js (top-level code at build time, then exports).
 *
 * @module
 */
import type { FileNatives } from "@nd/pdk-types/internal";
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from "quickjs-emscripten-core";

import type { LogLevel } from "../host/service.js";
import type { HostBridge } from "./bridge.js";
import { logEnabled } from "./bridge.js";
import { createFileNatives } from "./files.js";
import type { PreludeNatives } from "./quickjs-prelude.js";
import { PRELUDE_FILE_NAME, PRELUDE_SOURCE } from "./quickjs-prelude.js";
import { BUNDLE_FILE_NAME } from "./quickjs-stack.js";

/** Resource limits of one instance. */
export interface InstanceLimits {
  /** Wall time for top-level code, the export and its promise jobs together, in milliseconds. */
  readonly timeoutMs: number;
  readonly memoryLimitBytes: number;
  readonly maxStackBytes: number;
}

/** A host facility that top-level code used. */
export interface FacilityUse {
  readonly facility: string;
  readonly message: string;
  readonly stack: string;
}

/** A value thrown inside QuickJS, as extism-js renders it. */
export type ThrownValue =
  | { readonly error: true; readonly message: string; readonly stack: string }
  | { readonly error: false; readonly text: string; readonly message: string | null };

/** One entry of `module.exports`, in key order. */
export interface ExportEntry {
  readonly key: string;
  readonly isFunction: boolean;
}

/** The result of the export call itself. Traps and timeouts are read from the instance. */
export type ExportResult = { readonly threw: ThrownValue } | { readonly returnCode: number };

export interface InstanceOptions {
  readonly limits: InstanceLimits;
  /** Declared host functions, sorted; a function's id is its index. */
  readonly hostFunctions: readonly string[];
  /** The Unix time in milliseconds that `new Date()` returns in top-level code. */
  readonly buildTime: number;
  /** The host of the call phase; absent when only top-level code runs. */
  readonly bridge?: HostBridge;
  readonly input?: Uint8Array;
  /** Whether the plugin gets the file natives, as under the built-in engine, or none, as under extism-js. */
  readonly fileAccess: boolean;
}

const LEVEL_NAMES: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * A model of the Extism kernel memory: blocks addressed by opaque non-zero offsets. An empty
 * allocation gets offset 0 and no block, as in the kernel.
 */
class KernelMemory {
  readonly #blocks = new Map<number, Uint8Array>();
  // Offsets start above 0 and stay 8-byte aligned like the kernel's; their values carry no meaning.
  #next = 64;

  alloc(bytes: Uint8Array): number {
    if (bytes.length === 0) return 0;
    const offset = this.#next;
    this.#next += Math.ceil(bytes.length / 8) * 8 + 8;
    this.#blocks.set(offset, bytes);
    return offset;
  }

  length(offset: number): number {
    return this.#blocks.get(offset)?.length ?? 0;
  }

  read(offset: number): Uint8Array | undefined {
    return this.#blocks.get(offset);
  }

  free(offset: number): void {
    this.#blocks.delete(offset);
  }
}

/** Thrown by natives after a trap or timeout, so a plugin that catches the first failure gets nowhere. */
class AbortedCallError extends Error {
  constructor() {
    super("the call was aborted by a trap or a timeout");
    this.name = "AbortedCallError";
  }
}

/**
 * One evaluation of a plugin bundle. Create it, {@link PluginInstance.evaluate} the bundle (build
 * phase), switch to the call phase, call one export, drain its promise jobs, then dispose it.
 */
export class PluginInstance {
  readonly #runtime: QuickJSRuntime;
  readonly #context: QuickJSContext;
  readonly #control: QuickJSHandle;
  readonly #options: InstanceOptions;
  readonly #memory = new KernelMemory();
  readonly #vars = new Map<string, Uint8Array>();
  #files: FileNatives | undefined;
  #deadline = Number.POSITIVE_INFINITY;
  #callPhase = false;

  /** Host facilities that top-level code used, in order. */
  readonly facilityUses: FacilityUse[] = [];
  /** The output bytes, when the plugin set any. */
  output: Uint8Array | undefined;
  /** The message of the first trap, when one happened. */
  trap: string | undefined;
  /** Whether the wall-time limit stopped the plugin. */
  timedOut = false;

  constructor(module: QuickJSWASMModule, options: InstanceOptions) {
    this.#options = options;
    this.#runtime = module.newRuntime({
      memoryLimitBytes: options.limits.memoryLimitBytes,
      maxStackSizeBytes: options.limits.maxStackBytes,
      interruptHandler: () => this.#shouldInterrupt(),
    });
    let context: QuickJSContext | undefined;
    try {
      context = this.#runtime.newContext();
      this.#context = context;
      this.#control = this.#installPrelude();
    } catch (error) {
      context?.dispose();
      this.#runtime.dispose();
      throw error;
    }
    // The clock starts with the plugin's code, so that the prelude is never cut short.
    this.#deadline = performance.now() + options.limits.timeoutMs;
  }

  /** The declared host functions, sorted; a function's id is its index. */
  get hostFunctions(): readonly string[] {
    return this.#options.hostFunctions;
  }

  /** Whether a trap or the time limit stopped the plugin; no guest code runs after that. */
  get aborted(): boolean {
    return this.trap !== undefined || this.timedOut;
  }

  /** Evaluates `script` as extism-js does: a strict global script named `eval_script`. */
  evaluate(script: string): ThrownValue | undefined {
    const result = this.#context.evalCode(script, BUNDLE_FILE_NAME, { type: "global", strict: true });
    if (result.error === undefined) {
      result.value.dispose();
      return undefined;
    }
    return this.#describeAndDispose(result.error);
  }

  enterCallPhase(): void {
    this.#callControl("enterCallPhase").dispose();
    this.#callPhase = true;
  }

  /** Returns the entries of `module.exports` in key order, or null when `module.exports` is missing. */
  exportEntries(): ExportEntry[] | null {
    return JSON.parse(this.#readString(this.#callControl("exportState"))) as ExportEntry[] | null;
  }

  /**
   * Calls `module.exports[key]` with `this` undefined and no arguments. A value that is not a
   * function is a trap, as in extism-js.
   */
  callExport(key: string, position: number): ExportResult | undefined {
    const keyHandle = this.#context.newString(key);
    let fn: QuickJSHandle;
    try {
      fn = this.#callControl("exportValue", keyHandle);
    } finally {
      keyHandle.dispose();
    }
    try {
      if (this.#context.typeof(fn) !== "function") {
        this.trap = `module.exports["${key}"], the export at sorted position ${position}, is not a function; extism-js aborts the call here.`;
        return undefined;
      }
      const result = this.#context.callFunction(fn, this.#context.undefined);
      if (result.error !== undefined) {
        if (this.aborted) {
          result.error.dispose();
          return undefined;
        }
        return { threw: this.#describeAndDispose(result.error) };
      }
      if (this.aborted) {
        result.value.dispose();
        return undefined;
      }
      let code: QuickJSHandle;
      try {
        code = this.#callControl("returnCode", result.value);
      } finally {
        result.value.dispose();
      }
      try {
        return { returnCode: this.#context.getNumber(code) };
      } finally {
        code.dispose();
      }
    } finally {
      fn.dispose();
    }
  }

  /** Runs queued promise jobs until none is left; errors inside jobs are dropped, as in extism-js. */
  drainJobs(): void {
    while (!this.aborted && this.#executeJobs() === "failed") {
      // A job threw; extism-js goes on with the next one.
    }
  }

  /**
   * Runs the queued jobs until one throws or none is left, and reports whether one threw.
   *
   * quickjs-emscripten-core 0.32.0 reads the context of the last job through a view of the wasm
   * memory taken before the jobs ran. When the jobs grow that memory, the view is stale, so the
   * library creates a new context that no caller disposes. Freeing the runtime with it alive aborts
   * the wasm module, so such contexts are disposed here, after the error handle that may refer to them.
   */
  #executeJobs(): "done" | "failed" {
    const result = this.#runtime.executePendingJobs();
    const failed = result.error !== undefined;
    if (result.error !== undefined) result.error.dispose();

    const contexts = (this.#runtime as unknown as { contextMap?: unknown }).contextMap;
    if (contexts instanceof Map) {
      for (const context of [...contexts.values()] as QuickJSContext[]) {
        if (context !== this.#context) context.dispose();
      }
    }
    return failed ? "failed" : "done";
  }

  /** Frees the runtime; queued jobs left by a trap or timeout are freed with it. */
  dispose(): void {
    this.#control.dispose();
    this.#context.dispose();
    this.#runtime.dispose();
  }

  #shouldInterrupt(): boolean {
    if (this.trap !== undefined) return true;
    if (performance.now() > this.#deadline) {
      this.timedOut = true;
      return true;
    }
    return false;
  }

  #installPrelude(): QuickJSHandle {
    const context = this.#context;
    const evaluated = context.evalCode(PRELUDE_SOURCE, PRELUDE_FILE_NAME, { type: "global", strict: true });
    const install = context.unwrapResult(evaluated);
    const natives = this.#createNatives();
    try {
      return context.unwrapResult(context.callFunction(install, context.undefined, natives));
    } finally {
      natives.dispose();
      install.dispose();
    }
  }

  #createNatives(): QuickJSHandle {
    const context = this.#context;
    const natives = context.newObject();
    const define = <Name extends keyof PreludeNatives>(name: Name, implementation: (...args: QuickJSHandle[]) => QuickJSHandle | undefined): void => {
      const fn = context.newFunction(name, (...args) => implementation(...args));
      context.setProp(natives, name, fn);
      fn.dispose();
    };

    define("input", () => this.#newBuffer(this.#options.input ?? new Uint8Array(0)));
    define("output", (bytes) => {
      this.#refuseWhenAborted();
      this.output = this.#readBuffer(bytes);
      return undefined;
    });
    define("alloc", (bytes) => context.newNumber(this.#memory.alloc(this.#readBuffer(bytes))));
    define("length", (offset) => context.newNumber(this.#memory.length(this.#readNumber(offset))));
    define("read", (offset) => {
      const block = this.#memory.read(this.#readNumber(offset));
      return block === undefined ? context.undefined : this.#newBuffer(block);
    });
    define("free", (offset) => {
      this.#memory.free(this.#readNumber(offset));
      return undefined;
    });
    define("config", (key) => {
      const value = this.#requireBridge().config.get(context.getString(key));
      return value === undefined ? context.null : context.newString(value);
    });
    define("varGet", (name) => {
      const value = this.#vars.get(context.getString(name));
      return value === undefined ? context.null : this.#newBuffer(value);
    });
    define("varSet", (name, value) => {
      this.#refuseWhenAborted();
      this.#vars.set(context.getString(name), this.#readBuffer(value));
      return undefined;
    });
    define("varDelete", (name) => {
      this.#refuseWhenAborted();
      this.#vars.delete(context.getString(name));
      return undefined;
    });
    define("log", (level, message) => {
      this.#refuseWhenAborted();
      this.#log(this.#readNumber(level), utf8Decoder.decode(this.#readBuffer(message)));
      return undefined;
    });
    define("invoke", (id, offset) => context.newNumber(this.#invokeHostFunction(this.#readNumber(id), this.#readNumber(offset))));
    define("now", () => context.newNumber(this.#callPhase ? this.#requireBridge().now() : this.#options.buildTime));
    define("trap", (message) => {
      this.trap ??= context.getString(message);
      return undefined;
    });
    define("reportTopLevel", (facility, message, stack) => {
      this.facilityUses.push({ facility: context.getString(facility), message: context.getString(message), stack: context.getString(stack) });
      return undefined;
    });
    if (this.#options.fileAccess) {
      const files = this.#createFileNatives();
      context.setProp(natives, "files", files);
      files.dispose();
    }
    return natives;
  }

  /**
   * Creates the `files` natives over the bridge's mounts. A failure with an errno name reaches the
   * plugin as an Error with that `code`, as the engine throws it. Other host errors are bugs, so they
   * stay host errors.
   */
  #createFileNatives(): QuickJSHandle {
    const context = this.#context;
    const files = context.newObject();
    const define = <Name extends keyof FileNatives>(name: Name, implementation: (natives: FileNatives, ...args: QuickJSHandle[]) => QuickJSHandle | undefined): void => {
      const fn = context.newFunction(name, (...args) => {
        try {
          this.#files ??= createFileNatives(this.#requireBridge().mounts);
          return implementation(this.#files, ...args);
        } catch (error) {
          const code = (error as { code?: unknown } | null)?.code;
          if (!(error instanceof Error) || typeof code !== "string") throw error;
          const thrown = context.newError(error.message);
          context.setProp(thrown, "code", context.newString(code));
          return { error: thrown };
        }
      });
      context.setProp(files, name, fn);
      fn.dispose();
    };

    define("mounts", (natives) => this.#newJson(natives.mounts()));
    define("read", (natives, path) => this.#newBuffer(new Uint8Array(natives.read(context.getString(path as QuickJSHandle)))));
    define("write", (natives, path, data, append) => {
      this.#refuseWhenAborted();
      const bytes = this.#readBuffer(data);
      natives.write(context.getString(path as QuickJSHandle), bytes.buffer as ArrayBuffer, append !== undefined && context.dump(append) === true);
      return undefined;
    });
    define("list", (natives, path) => this.#newJson(natives.list(context.getString(path as QuickJSHandle))));
    define("stat", (natives, path) => this.#newJson(natives.stat(context.getString(path as QuickJSHandle))));
    define("remove", (natives, path) => {
      this.#refuseWhenAborted();
      natives.remove(context.getString(path as QuickJSHandle));
      return undefined;
    });
    define("mkdir", (natives, path) => {
      this.#refuseWhenAborted();
      natives.mkdir(context.getString(path as QuickJSHandle));
      return undefined;
    });
    return files;
  }

  /** Returns a copy of a JSON value inside QuickJS. */
  #newJson(value: unknown): QuickJSHandle {
    const text = this.#context.newString(JSON.stringify(value));
    const json = this.#context.getProp(this.#context.global, "JSON");
    const parse = this.#context.getProp(json, "parse");
    try {
      return this.#context.unwrapResult(this.#context.callFunction(parse, json, text));
    } finally {
      parse.dispose();
      json.dispose();
      text.dispose();
    }
  }

  #invokeHostFunction(id: number, requestOffset: number): number {
    this.#refuseWhenAborted();
    const name = this.#options.hostFunctions[id] ?? `#${id}`;
    const fn = this.#requireBridge().functions.get(name);
    if (fn === undefined) {
      // NOTE: a real host that lacks a declared import fails when it instantiates the plugin. The
      // simulator fails only the call that uses it, so a name found in the bundle by mistake costs nothing.
      this.trap ??= `host function ${name} is not provided by the simulated Navidrome (is its permission missing from the manifest?); the call aborts here.`;
      throw new AbortedCallError();
    }

    const request = utf8Decoder.decode(this.#memory.read(requestOffset) ?? new Uint8Array(0));
    let reply: string | undefined;
    try {
      reply = fn(request);
    } catch (error) {
      // A Go panic inside a host function aborts the whole wasm call; the plugin cannot catch it.
      this.trap ??= `host function ${name} failed, which aborts the call: ${error instanceof Error ? error.message : String(error)}`;
      throw new AbortedCallError();
    }
    return reply === undefined ? 0 : this.#memory.alloc(utf8Encoder.encode(reply));
  }

  #log(level: number, message: string): void {
    const bridge = this.#requireBridge();
    const name = LEVEL_NAMES[level];
    if (name !== undefined && logEnabled(bridge, name)) bridge.log(name, message);
  }

  #requireBridge(): HostBridge {
    if (this.#options.bridge === undefined) {
      throw new Error("the simulator reached the host outside an export call; this is a bug in the QuickJS runtime of @nd/pdk-simulator");
    }
    return this.#options.bridge;
  }

  #refuseWhenAborted(): void {
    if (this.aborted) throw new AbortedCallError();
  }

  #callControl(method: string, ...args: QuickJSHandle[]): QuickJSHandle {
    return this.#context.unwrapResult(this.#context.callMethod(this.#control, method, args));
  }

  #describeAndDispose(thrown: QuickJSHandle): ThrownValue {
    try {
      if (this.aborted) return { error: false, text: "the call was aborted", message: null };
      return JSON.parse(this.#readString(this.#callControl("describeThrown", thrown))) as ThrownValue;
    } finally {
      thrown.dispose();
    }
  }

  #readString(handle: QuickJSHandle): string {
    try {
      return this.#context.getString(handle);
    } finally {
      handle.dispose();
    }
  }

  #readNumber(handle: QuickJSHandle | undefined): number {
    return handle === undefined ? 0 : this.#context.getNumber(handle);
  }

  #readBuffer(handle: QuickJSHandle | undefined): Uint8Array {
    if (handle === undefined) return new Uint8Array(0);
    const lifetime = this.#context.getArrayBuffer(handle);
    try {
      return lifetime.value.slice();
    } finally {
      lifetime.dispose();
    }
  }

  #newBuffer(bytes: Uint8Array): QuickJSHandle {
    return this.#context.newArrayBuffer(bytes.slice().buffer);
  }
}
