// The packages compile without DOM or Node typings, because plugins run in neither. extism-js provides
// this global and maps each method to an Extism log level.
declare const console: {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
};

/** Extra values of a log record, written after the message as `key=value` pairs. */
export type LogFields = Readonly<Record<string, unknown>>;

/** Logging through the extism-js console, which forwards each level to Navidrome's log. */
export interface Logger {
  /** Writes a record at trace level, the most detailed one. */
  trace(message: string, fields?: LogFields): void;
  /** Writes a record at debug level. */
  debug(message: string, fields?: LogFields): void;
  /** Writes a record at info level. */
  info(message: string, fields?: LogFields): void;
  /** Writes a record at warn level. */
  warn(message: string, fields?: LogFields): void;
  /** Writes a record at error level. */
  error(message: string, fields?: LogFields): void;
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined || typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function format(message: string, fields: LogFields | undefined): string {
  if (fields === undefined) return message;
  let text = message;
  for (const key of Object.keys(fields)) text += ` ${key}=${formatValue(fields[key])}`;
  return text;
}

/**
 * Writes log records to Navidrome's log at the matching level, with optional fields.
 *
 * Do not log at module top level: extism-js evaluates that code while it builds the plugin, when no
 * host is there to receive the record, and the build fails.
 *
 * @example
 * ```ts
 * log.info("scrobble sent", { user: request.username, track: request.track.title });
 * // scrobble sent user="alice" track="Blue in Green"
 * ```
 */
export const log: Logger = {
  trace: (message, fields) => console.trace(format(message, fields)),
  debug: (message, fields) => console.debug(format(message, fields)),
  info: (message, fields) => console.info(format(message, fields)),
  warn: (message, fields) => console.warn(format(message, fields)),
  error: (message, fields) => console.error(format(message, fields)),
};
