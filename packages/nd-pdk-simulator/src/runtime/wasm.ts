/**
 * Runs a compiled Extism plugin (`plugin.wasm`) in `@extism/extism` 1.0.3, a real Extism host, with
 * the host functions backed by the simulated Navidrome.
 *
 * The SDK's `plugin.call` is asynchronous, but the simulator calls plugins synchronously (a
 * scheduler callback fires inside `navidrome.advance`). So the plugin runs on a worker thread, and
 * {@link WasmPlugin.call} blocks until the worker reports the outcome (see `wasm-thread.ts`).
 *
 * @module
 */
import type { CallOutcome } from "../host/service.js";
import type { HostBridge } from "./bridge.js";
import { ENGINE_FRAMES, StackMapper } from "./quickjs-stack.js";
import type { CallRequest, WasmMount, WorkerResult } from "./wasm-thread.js";
import { runOnThread, STARTUP_LIMIT_MS } from "./wasm-thread.js";

/** A compiled WebAssembly module (`WebAssembly.Module`), opaque to the simulator. */
type CompiledModule = CallRequest["module"];

interface ModuleEntry {
  readonly module?: string;
  readonly name: string;
  readonly kind: string;
}

// @types/node 20 does not declare the WebAssembly JavaScript API, and the DOM library that does
// would bring browser globals into the whole package.
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<CompiledModule>;
  readonly Module: {
    exports(module: CompiledModule): ModuleEntry[];
    imports(module: CompiledModule): ModuleEntry[];
  };
};

/** A plugin.wasm compiled once, for every call of the plugin. */
export interface CompiledWasmPlugin {
  /** The names of every function the module exports, sorted. */
  readonly exports: readonly string[];
  /** The host functions the module imports from `extism:host/user`, sorted. */
  readonly hostImports: readonly string[];
  /**
   * Instantiates the plugin once in `@extism/extism` to check that it links, as Navidrome does when
   * it loads a plugin, and returns the plugin ready for calls.
   *
   * @throws {Error} when the plugin cannot be instantiated, with the SDK's message (such as an
   * import that neither the simulated Navidrome nor @extism/extism 1.0.3 provides), or when
   * `sourceMap` is not a valid source map.
   */
  load(options: WasmLoadOptions): WasmPlugin;
}

/** Options of {@link CompiledWasmPlugin.load}. */
export interface WasmLoadOptions {
  /** The import names of the host functions provided in `extism:host/user`; the plugin may import fewer. */
  readonly hostFunctions: readonly string[];
  /** Wall time one call may take, in milliseconds (default 30000, Navidrome's limit). */
  readonly timeoutMs?: number;
  /** Bridge whose config and mounts the load check uses. Each call uses the bridge passed to it. */
  readonly bridge: HostBridge;
  /** JSON text of the source map of the bundle compiled into the wasm, for TypeScript lines in error texts. */
  readonly sourceMap?: string;
}

/** A compiled plugin loaded into the wasm runtime. */
export interface WasmPlugin {
  /** The names of every function the module exports, sorted. */
  readonly exports: readonly string[];
  /** Calls one export in a fresh instance, as Navidrome does, and waits for its outcome. */
  call(exportName: string, input: string, bridge: HostBridge): CallOutcome;
}

// Navidrome gives every plugin call 30 seconds; a longer simulated call would fail there too.
const DEFAULT_TIMEOUT_MS = 30_000;

/** Returns the Extism configuration of a call: the bridge's config without empty values. */
function extismConfig(bridge: HostBridge): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of bridge.config) {
    // The guest reads an empty value as absent anyway, and @extism/extism 1.0.3 traps storing one.
    if (value !== "") config[key] = value;
  }
  return config;
}

/**
 * Returns the WASI folders of a call. @extism/extism 1.0.3 passes its `allowedPaths` to node:wasi as
 * `preopens` unchanged, whose keys are guest paths, and the worker rejects changes to a folder that is
 * not `writable`, as Navidrome's read-only mounts do.
 */
function wasmMounts(bridge: HostBridge): WasmMount[] {
  return [...(bridge.mounts ?? [])].map(([guestPath, folder]) => ({ guestPath, dir: folder.dir, writable: folder.writable }));
}

function createRequest(module: CompiledModule, exportName: string | null, input: string, hostFunctions: readonly string[], bridge: HostBridge): CallRequest {
  return {
    module,
    exportName,
    input,
    config: extismConfig(bridge),
    logLevel: bridge.logLevel,
    hostFunctions,
    mounts: wasmMounts(bridge),
    now: bridge.now(),
  };
}

/**
 * Compiles plugin.wasm bytes once, for every call of the plugin.
 *
 * @throws {Error} when the bytes are not a valid WebAssembly module.
 */
export async function compileWasmPlugin(bytes: Uint8Array): Promise<CompiledWasmPlugin> {
  let module: CompiledModule;
  try {
    module = await WebAssembly.compile(bytes);
  } catch (error) {
    throw new Error(`the plugin's wasm is not a valid WebAssembly module (${(error as Error).message}); rebuild it with \`nd-pdk build\``);
  }
  const exports = WebAssembly.Module.exports(module)
    .filter((entry) => entry.kind === "function")
    .map((entry) => entry.name)
    .sort();
  const hostImports = WebAssembly.Module.imports(module)
    .filter((entry) => entry.module === "extism:host/user")
    .map((entry) => entry.name)
    .sort();
  return { exports, hostImports, load: (options) => loadWasmPlugin(module, exports, options) };
}

function loadWasmPlugin(module: CompiledModule, exports: readonly string[], options: WasmLoadOptions): WasmPlugin {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number of milliseconds, received ${timeoutMs}`);
  }
  const { hostFunctions } = options;
  // NOTE: only frames in the built-in engine's format are mapped. A plugin.wasm compiled by extism-js
  // writes `eval_script:LINE:COLUMN` frames, which stay as they are.
  const mapper = new StackMapper(options.sourceMap, undefined, ENGINE_FRAMES);

  const loaded = runOnThread(createRequest(module, null, "", hostFunctions, options.bridge), options.bridge, timeoutMs);
  if (loaded.status === "instantiate-failed") {
    throw new Error(`@extism/extism could not instantiate the plugin's wasm, so Navidrome would not load it either: ${loaded.message}`);
  }
  if (loaded.status !== "loaded") {
    const outcome = toOutcome(loaded, timeoutMs, mapper);
    throw new Error(`loading the plugin's wasm failed: ${outcome.kind === "error" ? outcome.message : outcome.kind}`);
  }

  return {
    exports,
    call(exportName, input, bridge) {
      if (!exports.includes(exportName)) return { kind: "not-exported" };
      const result = runOnThread(createRequest(module, exportName, input, hostFunctions, bridge), bridge, timeoutMs);
      return toOutcome(result, timeoutMs, mapper);
    },
  };
}

/** Maps a worker result to the outcome Navidrome would see, with the texts of the QuickJS runtime. */
function toOutcome(result: WorkerResult, timeoutMs: number, mapper: StackMapper): CallOutcome {
  switch (result.status) {
    case "returned":
      // go-sdk fails a call whose error text is set even when the export returns 0.
      if (result.errorText !== undefined) return { kind: "error", message: messageOfErrorText(result.errorText), text: mapErrorTextFrames(result.errorText, mapper) };
      if (result.returnCode !== 0) return errorOutcome(`plugin call exited with code ${result.returnCode}`);
      return result.output === undefined || result.output === "" ? { kind: "no-data" } : { kind: "output", output: result.output };
    case "trapped": {
      // The engine sets the error text before it traps on purpose, so that text is the better message.
      const message = result.errorText ?? result.message;
      return errorOutcome(message, `trap: ${message}`);
    }
    case "host-failed": {
      const message = `host function ${result.name} failed, which aborts the call: ${result.message}`;
      return errorOutcome(message, `trap: ${message}`);
    }
    case "timed-out":
      return errorOutcome(
        `the export ran longer than ${timeoutMs} ms of wall time and was stopped; look for an endless loop, or raise the limit with loadWasm(source, { timeoutMs }) if the work is legitimately long.`,
      );
    case "start-timed-out":
      return errorOutcome(`the wasm worker thread did not start the call within ${STARTUP_LIMIT_MS} ms, so it was stopped; the next call starts a new one.`);
    case "instantiate-failed":
      return errorOutcome(`@extism/extism could not instantiate the plugin's wasm: ${result.message}`);
    case "loaded":
      return errorOutcome("the wasm worker only instantiated the plugin and called no export; this is a bug in @nd/pdk-simulator");
  }
}

function errorOutcome(message: string, text = message): CallOutcome {
  return { kind: "error", message, text };
}

const STACK_FRAME = /^\s+at /;
const DISPATCHER_FRAME = /^\s+at .*\(nd_dispatch:\d+\)$/;
const NATIVE_CALL_FRAME = /^\s+at call \(native\)$/;

/**
 * Rewrites the frames of an engine error text as the QuickJS runtime writes them. Bundle frames are
 * mapped to source lines where `mapper` has a source map. The engine's dispatcher frames at the end
 * are dropped, with the `call (native)` frame of its `fn.call`, because the QuickJS runtime calls
 * exports from the host and its stacks end at the export.
 */
export function mapErrorTextFrames(text: string, mapper: StackMapper): string {
  const lines = text.split("\n");
  // The engine ends a stack with a line break, so the last element is empty and stays.
  let end = lines.at(-1) === "" ? lines.length - 1 : lines.length;
  const stackEnd = end;
  while (end > 1 && DISPATCHER_FRAME.test(lines[end - 1] ?? "")) end--;
  if (end < stackEnd && end > 1 && NATIVE_CALL_FRAME.test(lines[end - 1] ?? "")) end--;
  const keptLines = [...lines.slice(0, end), ...lines.slice(stackEnd)];
  // Only frames are rewritten, so a message that quotes a bundle position keeps it.
  return keptLines.map((line) => (STACK_FRAME.test(line) ? mapper.rewrite(line) : line)).join("\n");
}

const RUST_DEBUG_STRING = /^String\(Ok\("(.*)"\)\)$/s;

/**
 * Returns the message inside an error text in the extism-js format, as the QuickJS runtime reports it.
 * An error object gives `Exception: <message>\n<stack>`, a thrown string `Exception: String(Ok("..."))`
 * and any other thrown value `Exception: <debug text>`. Text without the prefix is returned unchanged.
 */
export function messageOfErrorText(text: string): string {
  const prefix = "Exception: ";
  if (!text.startsWith(prefix)) return text;
  const body = text.slice(prefix.length);

  const thrownString = RUST_DEBUG_STRING.exec(body);
  if (thrownString !== null) return unescapeRustDebug(thrownString[1] ?? "");
  // The debug text of a value that is not an error never contains a raw line break.
  if (!body.includes("\n")) return body;

  // An error: the message is followed by a line break and the stack, whose lines are frames.
  const lines = body.split("\n");
  let end = lines.length;
  if (lines[end - 1] === "") end--;
  while (end > 1 && STACK_FRAME.test(lines[end - 1] ?? "")) end--;
  return lines.slice(0, end).join("\n");
}

/** Undoes the escapes of Rust's Debug rendering of a string (`\"`, `\\`, `\n`, `\u{7f}` ...). */
function unescapeRustDebug(escaped: string): string {
  return escaped.replace(/\\(u\{([0-9a-fA-F]+)\}|.)/gs, (_match, escape: string, hex: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    switch (escape) {
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "0":
        return "\0";
      default:
        return escape;
    }
  });
}
