import { ConfigValueError, configNumber, configString } from "@nd/pdk";

/** The plugin's settings, with defaults applied. */
export interface Settings {
  cron: string;
  /** Scrobbles per getScrobbles request. */
  pageSize: number;
  /** Scrobbles after which a run stops, across all users. */
  maxScrobblesPerRun: number;
}

const DEFAULT_CRON = "@hourly";
const DEFAULT_PAGE_SIZE = 1000;
/** Navidrome replaces a page size above 5000 with 5000. */
const MAX_PAGE_SIZE = 5000;
const DEFAULT_MAX_SCROBBLES_PER_RUN = 20_000;

/** @throws {ConfigValueError} when the value is set but is not an integer from `min` to `max`. */
function readInteger(key: string, fallback: number, min: number, max: number): number {
  const value = configNumber(key) ?? fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of ${min} or more` : `from ${min} to ${max}`;
    throw new ConfigValueError(key, `plugin configuration "${key}" is ${value}, which is not an integer ${range}; correct it in the plugin's settings in Navidrome`);
  }
  return value;
}

/**
 * Reads the settings.
 *
 * @throws {ConfigValueError} naming the first invalid setting.
 */
export function readSettings(): Settings {
  return {
    cron: configString("cron") ?? DEFAULT_CRON,
    pageSize: readInteger("pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    maxScrobblesPerRun: readInteger("maxScrobblesPerRun", DEFAULT_MAX_SCROBBLES_PER_RUN, 1, Number.MAX_SAFE_INTEGER),
  };
}
