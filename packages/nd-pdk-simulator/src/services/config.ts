import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";

/** The simulated Config service, with a view of the values it serves. */
export interface ConfigService extends SimulatedService {
  /** The plugin's configuration values, by key. */
  values(): Readonly<Record<string, string>>;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Orders strings by their UTF-8 bytes, as Go's sort.Strings and SQLite's default collation do.
 * Comparing code points gives the same order, whereas JavaScript's default sort compares UTF-16 code
 * units and puts characters above U+FFFF before U+E000 to U+FFFF.
 */
export function compareByteOrder(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0) ?? 0);
  const right = Array.from(b, (char) => char.codePointAt(0) ?? 0);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/**
 * Parses a configuration value as Go's strconv.ParseInt(value, 10, 64) does: an optional sign and
 * decimal digits, within the int64 range. Returns undefined for anything else ("1.0", " 1", "0x10").
 */
function parseInt64(value: string): number | undefined {
  if (!/^[+-]?\d+$/.test(value)) return undefined;
  const parsed = BigInt(value);
  if (parsed < INT64_MIN || parsed > INT64_MAX) return undefined;
  // NOTE: values beyond ±2^53 lose precision here, because the reply carries a JavaScript number.
  return Number(parsed);
}

/**
 * Creates the Config service over `options.config`. Navidrome declares no error for its functions, so
 * they fail only when the request does not decode.
 */
export function createConfigService(_ctx: ServiceContext, options: NavidromeOptions): ConfigService {
  const config: Readonly<Record<string, string>> = { ...options.config };

  const lookUp = (key: string): string | undefined => (Object.hasOwn(config, key) ? config[key] : undefined);

  return {
    values: () => ({ ...config }),
    functions: {
      config_get(request) {
        const value = lookUp(readString(request, "key"));
        return omitEmpty({ value, exists: value !== undefined });
      },

      config_getint(request) {
        const text = lookUp(readString(request, "key"));
        const value = text === undefined ? undefined : parseInt64(text);
        return omitEmpty({ value, exists: value !== undefined });
      },

      config_keys(request) {
        const prefix = readString(request, "prefix");
        const keys = Object.keys(config)
          .filter((key) => key.startsWith(prefix))
          .sort(compareByteOrder);
        return omitEmpty({ keys });
      },
    },
  };
}
