/**
 * Runs a plugin's export functions directly in Node, with the extism-js globals (`Host`, `Memory`,
 * `Config`, `Var`, `console`) and the file natives of `@nd/pdk` (left out when the plugin is loaded
 * as compiled by extism-js) installed on `globalThis` for the duration of each call and backed by the
 * simulated Navidrome. Fast, and errors carry Node stacks, but the QuickJS runtime is the faithful one.
 *
 * NOTE: Navidrome starts every call on a fresh instance, but module-level state of an in-process
 * plugin lives as long as the Node module does. Run the bundle in QuickJS to test per-call isolation.
 */
import { FILE_NATIVES_KEY } from "@nd/pdk-types/internal";

import type { CallOutcome, LogLevel } from "../host/service.js";
import type { HostBridge } from "./bridge.js";
import { logEnabled } from "./bridge.js";
import { createFileNatives } from "./files.js";

/** A plugin as `definePlugin` returns it: export functions by name. */
export type PluginExportsObject = Readonly<Record<string, unknown>>;

class MemoryHandle {
  readonly offset: bigint;
  readonly len: bigint;
  readonly #blocks: Map<bigint, Uint8Array>;

  constructor(blocks: Map<bigint, Uint8Array>, offset: bigint, len: bigint) {
    this.#blocks = blocks;
    this.offset = offset;
    this.len = len;
  }

  readBytes(): ArrayBuffer {
    const block = this.#blocks.get(this.offset);
    // extism-js throws a bare string here, not an Error.
    if (block === undefined) throw `Offset did not represent a valid block of memory (offset=${this.offset.toString(16)})`;
    return block.slice().buffer as ArrayBuffer;
  }

  readString(): string {
    return new TextDecoder("utf-8", { ignoreBOM: false }).decode(this.readBytes());
  }

  readJsonObject(): unknown {
    return JSON.parse(this.readString());
  }

  free(): void {
    this.#blocks.delete(this.offset);
  }
}

interface CallState {
  readonly input: string;
  output: string | undefined;
}

function formatLogArgument(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? "undefined"}`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return "[object Object]";
    }
  }
  return String(value);
}

/** Builds the extism-js globals for one call. */
function createGlobals(bridge: HostBridge, state: CallState, vars: Map<string, Uint8Array>): Record<string, unknown> {
  const blocks = new Map<bigint, Uint8Array>();
  let nextOffset = 1n << 16n;

  const store = (bytes: Uint8Array): MemoryHandle => {
    // The Extism kernel gives offset 0 to a zero-length block.
    if (bytes.length === 0) return new MemoryHandle(blocks, 0n, 0n);
    const offset = nextOffset;
    nextOffset += BigInt(bytes.length) + 16n;
    blocks.set(offset, bytes.slice());
    return new MemoryHandle(blocks, offset, BigInt(bytes.length));
  };

  const Memory = {
    fromString: (text: string): MemoryHandle => store(new TextEncoder().encode(text)),
    fromBuffer: (buffer: ArrayBuffer): MemoryHandle => {
      if (!(buffer instanceof ArrayBuffer)) throw "Expected data to be an array buffer";
      return store(new Uint8Array(buffer));
    },
    fromJsonObject: (value: unknown): MemoryHandle => store(new TextEncoder().encode(JSON.stringify(value))),
    find: (offset: bigint | number): MemoryHandle | undefined => {
      if (typeof offset !== "bigint" && typeof offset !== "number") throw "Expected offset to be a number";
      const key = BigInt(offset);
      const block = blocks.get(key);
      return block === undefined || block.length === 0 ? undefined : new MemoryHandle(blocks, key, BigInt(block.length));
    },
  };

  const Host = {
    inputString: (): string => state.input,
    inputBytes: (): ArrayBuffer => new TextEncoder().encode(state.input).buffer as ArrayBuffer,
    outputString: (text: string): boolean => {
      if (typeof text !== "string") throw new TypeError("Host.outputString expects a string");
      state.output = text;
      return true;
    },
    outputBytes: (buffer: ArrayBuffer): boolean => {
      if (!(buffer instanceof ArrayBuffer)) throw new TypeError("Host.outputBytes expects an ArrayBuffer (extism-js traps on anything else)");
      state.output = new TextDecoder().decode(buffer);
      return true;
    },
    getFunctions: (): Record<string, (offset: bigint | number) => number> => {
      const functions: Record<string, (offset: bigint | number) => number> = {};
      for (const [name, run] of bridge.functions) {
        functions[name] = (offset) => {
          const request = Memory.find(offset)?.readString() ?? "";
          const reply = run(request);
          // Host-function results of type I64 reach JavaScript as numbers.
          return reply === undefined ? 0 : Number(store(new TextEncoder().encode(reply)).offset);
        };
      }
      return functions;
    },
  };

  const Config = {
    get: (key: string): string | null => {
      if (typeof key !== "string") throw new TypeError("Config.get expects a string key (extism-js traps on anything else)");
      const value = bridge.config.get(key);
      return value === undefined || value === "" ? null : value;
    },
  };

  const Var = {
    set: (name: string, value: string | ArrayBuffer): void => {
      // extism-js ignores values that are neither strings nor ArrayBuffers, and an empty value deletes.
      let bytes: Uint8Array;
      if (typeof value === "string") bytes = new TextEncoder().encode(value);
      else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
      else return;
      if (bytes.length === 0) vars.delete(name);
      else vars.set(name, bytes.slice());
    },
    getString: (name: string): string | null => {
      const value = vars.get(name);
      return value === undefined ? null : new TextDecoder().decode(value);
    },
    getBytes: (name: string): ArrayBuffer | null => {
      const value = vars.get(name);
      return value === undefined ? null : (value.slice().buffer as ArrayBuffer);
    },
  };

  const write = (level: LogLevel) => (...data: unknown[]): void => {
    if (logEnabled(bridge, level)) bridge.log(level, data.map(formatLogArgument).join(" "));
  };
  const console = {
    trace: write("trace"),
    debug: write("debug"),
    log: write("info"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
  };

  // The simulated clock replaces the wall clock, as it does in the QuickJS runtime, so that
  // `new Date()` and `Date.now()` agree with the fake clock the services run on.
  const RealDate = globalThis.Date;
  // A plain function rather than a class, because extism-js's Date may also be called without `new`,
  // and then returns the current time as ISO text.
  function SimulatedDate(this: unknown, ...args: unknown[]): Date | string {
    if (new.target === undefined) return new RealDate(bridge.now()).toISOString();
    return args.length === 0 ? new RealDate(bridge.now()) : new RealDate(...(args as [string]));
  }
  SimulatedDate.prototype = RealDate.prototype;
  SimulatedDate.now = (): number => bridge.now();
  SimulatedDate.parse = RealDate.parse;
  SimulatedDate.UTC = RealDate.UTC;

  return { Host, Memory, Config, Var, console, Date: SimulatedDate };
}

/** Returns the error text extism-js passes to the host for a thrown value. */
export function extismErrorText(error: unknown): { message: string; text: string } {
  if (error instanceof Error) return { message: error.message, text: `Exception: ${error.message}\n${error.stack ?? ""}` };
  const message = typeof error === "string" ? error : String(error);
  return { message, text: `Exception: ${message}` };
}

/** Options of {@link callInProcess}. */
export interface InProcessCallOptions {
  /**
   * Whether the plugin gets the file natives, as under the built-in engine (the default), or none, as
   * under extism-js.
   */
  readonly fileAccess?: boolean;
  /** The plugin's vars; a new empty map by default, as each Navidrome call starts without vars. */
  readonly vars?: Map<string, Uint8Array>;
}

/**
 * Runs one export of an in-process plugin as Navidrome calls it: fresh memory, the given input, and
 * the outcome Navidrome would see.
 */
export function callInProcess(plugin: PluginExportsObject, exportName: string, input: string, bridge: HostBridge, options: InProcessCallOptions = {}): CallOutcome {
  const fn = Object.prototype.hasOwnProperty.call(plugin, exportName) ? plugin[exportName] : undefined;
  if (typeof fn !== "function") return { kind: "not-exported" };

  const state: CallState = { input, output: undefined };
  const globals = createGlobals(bridge, state, options.vars ?? new Map());
  const target = globalThis as Record<string | symbol, unknown>;
  // The file natives live under a symbol, as the engine installs them, so that @nd/pdk finds them.
  // Without file access the symbol is unset for the call, because @nd/pdk reads its absence as a
  // plugin compiled by extism-js.
  const filesKey = Symbol.for(FILE_NATIVES_KEY);
  const previous = new Map<string | symbol, unknown>(Object.keys(globals).map((key) => [key, target[key]]));
  previous.set(filesKey, target[filesKey]);
  Object.assign(target, globals);
  target[filesKey] = options.fileAccess === false ? undefined : createFileNatives(bridge.mounts);

  try {
    const code = (fn as () => unknown).call(undefined);
    // extism-js turns anything but a number into return code 0, and treats promises the same way.
    if (typeof code === "number" && code !== 0 && Number.isFinite(code)) {
      const text = `plugin call exited with code ${Math.trunc(code)}`;
      return { kind: "error", message: text, text };
    }
  } catch (error) {
    return { kind: "error", ...extismErrorText(error) };
  } finally {
    for (const [key, value] of previous) target[key] = value;
  }

  return state.output === undefined || state.output === "" ? { kind: "no-data" } : { kind: "output", output: state.output };
}
