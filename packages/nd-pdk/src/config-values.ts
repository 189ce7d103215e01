import { config } from "@nd/pdk-host";
import { NdPdkError } from "@nd/pdk-types";
import { hasErrorMarker, setErrorMarker } from "@nd/pdk-types/internal";

const MARKER = "nd-pdk.error.config-value";

/** A plugin configuration value that is missing or cannot be read as the requested type. */
export class ConfigValueError extends NdPdkError {
  /** The configuration key. */
  readonly key: string;

  /** Creates the error for the configuration key `key`, with the full message. */
  constructor(key: string, message: string) {
    super(message);
    this.name = "ConfigValueError";
    setErrorMarker(this, MARKER);
    this.key = key;
  }

  /** Returns true when `error` is a {@link ConfigValueError} from any copy of the PDK. */
  static override isInstance(error: unknown): error is ConfigValueError {
    return hasErrorMarker(error, MARKER);
  }
}

function invalid(key: string, value: string, expected: string): ConfigValueError {
  return new ConfigValueError(
    key,
    `plugin configuration "${key}" is ${JSON.stringify(value)}, which is not ${expected}; correct it in the plugin's settings in Navidrome`,
  );
}

/**
 * Returns a configuration value as text, or `undefined` when it is not set or empty.
 *
 * Navidrome hands every value of the plugin's configuration to the plugin as a string.
 */
export function configString(key: string): string | undefined {
  const value = config.get(key);
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Returns a configuration value as text.
 *
 * @throws {ConfigValueError} when the value is not set or empty.
 *
 * @example
 * ```ts
 * try {
 *   return requireConfig("apiKey");
 * } catch (error) {
 *   if (ConfigValueError.isInstance(error)) log.warn("no API key set", { key: error.key });
 *   throw error;
 * }
 * ```
 */
export function requireConfig(key: string): string {
  const value = configString(key);
  if (value === undefined) {
    throw new ConfigValueError(key, `plugin configuration "${key}" is not set; set it in the plugin's settings in Navidrome`);
  }
  return value;
}

/**
 * Returns a configuration value as a number, or `undefined` when it is not set.
 *
 * @throws {ConfigValueError} when the value is set but is not a finite decimal number.
 */
export function configNumber(key: string): number | undefined {
  const value = configString(key);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  const number = Number(trimmed);
  if (trimmed === "" || !Number.isFinite(number) || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) {
    throw invalid(key, value, "a number");
  }
  return number;
}

/**
 * Returns a configuration value as a boolean, or `undefined` when it is not set.
 *
 * @throws {ConfigValueError} when the value is set but is not `true` or `false`.
 */
export function configBoolean(key: string): boolean | undefined {
  const value = configString(key);
  if (value === undefined) return undefined;
  const normalized = value.trim().toLowerCase();
  if (normalized === "true") return true;
  if (normalized === "false") return false;
  throw invalid(key, value, "true or false");
}

/**
 * Returns a configuration value parsed as JSON, or `undefined` when it is not set.
 *
 * Navidrome sends arrays and objects of the configuration as JSON text. The result is `unknown`:
 * check its shape before use, or generate a typed reader with `nd-pdk config-types`.
 *
 * @throws {ConfigValueError} when the value is set but is not valid JSON.
 *
 * @example
 * ```ts
 * const hosts = configJson("mirrors");
 * const mirrors = Array.isArray(hosts) ? hosts.filter((host): host is string => typeof host === "string") : [];
 * ```
 */
export function configJson(key: string): unknown {
  const value = configString(key);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid(key, value, "valid JSON");
  }
}
