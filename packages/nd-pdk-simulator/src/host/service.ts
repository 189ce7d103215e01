import type { FakeClock } from "../clock.js";
import type { Manifest } from "../manifest/types.js";

/** Log levels, as Extism and Navidrome name them. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

/** One log line, from the plugin (`source: "plugin"`) or from the simulated Navidrome itself. */
export interface LogRecord {
  /** The level the record was written at. */
  readonly level: LogLevel;
  /** The text of the record, with any fields the plugin added. */
  readonly message: string;
  /** The writer of the record: the plugin, or the simulated Navidrome about the plugin. */
  readonly source: "plugin" | "navidrome";
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
}

/** Outcome of a plugin export call, in the kinds Navidrome distinguishes. */
export type CallOutcome =
  /** The export wrote output (the raw text). */
  | {
      /** Marks a call that wrote output. */
      readonly kind: "output";
      /** The output text, JSON for every capability export. */
      readonly output: string;
    }
  /** The export succeeded and wrote nothing, which Navidrome reads as "no data". */
  | {
      /** Marks a call that succeeded without output. */
      readonly kind: "no-data";
    }
  /**
   * The export failed. `message` is the thrown error's message; `text` is the whole error text
   * Navidrome receives, which extism-js builds as `Exception: <message>` followed by the stack.
   */
  | {
      /** Marks a failed call. */
      readonly kind: "error";
      /** The message of the error the plugin threw. */
      readonly message: string;
      /** The whole error text Navidrome receives. */
      readonly text: string;
    }
  /** The plugin does not export the function. */
  | {
      /** Marks a call of a function the plugin does not export. */
      readonly kind: "not-exported";
    };

/** Part of the simulated Navidrome that a simulated host service uses. */
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
 * `error` key (the caller leaves out empty values as Navidrome does), or throws a `ServiceError`.
 */
export type HostFunctionImpl = (request: Readonly<Record<string, unknown>>) => Record<string, unknown> | undefined;

/** A simulated host service: its host functions by wasm import name. */
export interface SimulatedService {
  /** The implementation of each host function of the service, by wasm import name (`kvstore_get`). */
  readonly functions: Readonly<Record<string, HostFunctionImpl>>;
}
