import { ConfigValueError, configNumber, configString } from "@nd/pdk";

/** The plugin's settings, with defaults applied. */
export interface Settings {
  cron: string;
  /** Days after the last scan at which a library counts as stale. */
  staleAfterDays: number;
  /** Number of files the report lists per library. 0 turns the file walk off. */
  largestFiles: number;
  /** Folder levels the walk lists, the library's top folder being level 1. */
  maxWalkDepth: number;
  /** Directory entries the walk looks at per library before it stops. */
  maxWalkEntries: number;
}

const DEFAULT_CRON = "@hourly";
const DEFAULT_STALE_AFTER_DAYS = 7;
const DEFAULT_LARGEST_FILES = 5;
/** Maximum of `largestFiles`, because the list is kept in the stored summary, which the kvstore quota limits. */
const MAX_LARGEST_FILES = 100;
const DEFAULT_MAX_WALK_DEPTH = 8;
// NOTE: an estimate that was not measured in Navidrome. Each file costs a list entry and a stat, and
// the whole inspection must end within Navidrome's 30-second limit per call.
const DEFAULT_MAX_WALK_ENTRIES = 20_000;

/**
 * Reads `staleAfterDays`.
 *
 * @throws {ConfigValueError} when `staleAfterDays` is not a number of days, 0 or more.
 */
function readStaleAfterDays(): number {
  const days = configNumber("staleAfterDays") ?? DEFAULT_STALE_AFTER_DAYS;
  if (days < 0) {
    throw new ConfigValueError("staleAfterDays", `plugin configuration "staleAfterDays" is ${days}, which is negative; set 0 or more days in the plugin's settings in Navidrome`);
  }
  return days;
}

/**
 * Reads the integer setting `key`, or returns `fallback` when it is not set.
 *
 * @throws {ConfigValueError} when the value is set but is not an integer from `min` to `max`.
 */
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
    staleAfterDays: readStaleAfterDays(),
    largestFiles: readInteger("largestFiles", DEFAULT_LARGEST_FILES, 0, MAX_LARGEST_FILES),
    maxWalkDepth: readInteger("maxWalkDepth", DEFAULT_MAX_WALK_DEPTH, 1, Number.MAX_SAFE_INTEGER),
    maxWalkEntries: readInteger("maxWalkEntries", DEFAULT_MAX_WALK_ENTRIES, 1, Number.MAX_SAFE_INTEGER),
  };
}
