import type { LogLevel } from "../host/service.js";
import type { MountedFolder } from "./files.js";

/**
 * Facilities of the simulated Navidrome that a plugin runtime (in-process, QuickJS or wasm) uses for one call.
 */
export interface HostBridge {
  /**
   * The host functions the plugin may import, by import name. Each takes the request text and
   * returns the reply text, or `undefined` for a reply offset of 0. A function may throw to abort the
   * call, as a Go panic inside a host function would.
   */
  readonly functions: ReadonlyMap<string, (requestText: string) => string | undefined>;
  /** The Extism configuration behind `Config.get`. */
  readonly config: ReadonlyMap<string, string>;
  /** The lowest level forwarded to `log`, or "off". */
  readonly logLevel: LogLevel | "off";
  /** Receives each log record of the plugin at or above `logLevel`. */
  log(level: LogLevel, message: string): void;
  /** The simulated wall clock, Unix milliseconds. */
  now(): number;
  /**
   * The host folders mounted into the plugin, by guest mount point (`/storage`, `/libraries/1`).
   * Absent when nothing is mounted.
   */
  readonly mounts?: ReadonlyMap<string, MountedFolder>;
}

const LEVELS: readonly LogLevel[] = ["trace", "debug", "info", "warn", "error"];

/** Returns whether a message at `level` passes the bridge's log level. */
export function logEnabled(bridge: HostBridge, level: LogLevel): boolean {
  return bridge.logLevel !== "off" && LEVELS.indexOf(level) >= LEVELS.indexOf(bridge.logLevel);
}
