import type { FakeClock } from "../clock.js";
import type { Manifest } from "../manifest/types.js";

/** Log levels, as Extism and Navidrome name them. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** One log line, from the plugin (`source: "plugin"`) or from the simulated Navidrome itself. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly source: "plugin" | "navidrome";
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
}

/** What a plugin export call came to, as Navidrome tells it apart. */
export type CallOutcome =
  /** The export wrote output (the raw text). */
  | { readonly kind: "output"; readonly output: string }
  /** The export succeeded and wrote nothing, which Navidrome reads as "no data". */
  | { readonly kind: "no-data" }
  /**
   * The export failed. `message` is the thrown error's message; `text` is the whole error text
   * Navidrome receives, which extism-js builds as `Exception: <message>` followed by the stack.
   */
  | { readonly kind: "error"; readonly message: string; readonly text: string }
  /** The plugin does not export the function. */
  | { readonly kind: "not-exported" };

/** What a simulated host service sees of the simulated Navidrome. */
export interface ServiceContext {
  readonly manifest: Manifest;
  readonly clock: FakeClock;
  /**
   * Calls an export of the plugin as Navidrome does for callbacks (scheduler, task queue, websocket),
   * with `input` serialised as JSON. Throws when no plugin is loaded.
   */
  callPlugin(exportName: string, input: unknown): CallOutcome;
  /** Records a log line of Navidrome itself, such as a callback that failed. */
  log(level: LogLevel, message: string): void;
}

/**
 * A failure a host function reports to the plugin in the reply's `error` key, as Navidrome does for a
 * Go error. Anything else thrown by a host function aborts the plugin call, as a Go panic would.
 */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServiceError";
  }
}

/**
 * One host function: receives the parsed request object and returns the reply object without its
 * `error` key (the caller leaves out empty values as Navidrome does), or throws a {@link ServiceError}.
 */
export type HostFunctionImpl = (request: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined;

/** A simulated host service: its host functions by wasm import name. */
export interface SimulatedService {
  readonly functions: Readonly<Record<string, HostFunctionImpl>>;
}
