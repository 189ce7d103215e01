import { ConfigValueError, configNumber, requireConfig } from "@nd/pdk";

/** The plugin's settings, checked. */
export interface Settings {
  /** Base URL of the lyrics API, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  /** Lifetime of a cache entry in seconds. 0 turns caching off. */
  cacheSeconds: number;
}

const DEFAULT_CACHE_MINUTES = 24 * 60;

/**
 * Reads and checks the settings on every call, because the administrator can change them at any time.
 *
 * @throws {ConfigValueError} naming the setting when one is missing or invalid.
 */
export function readSettings(): Settings {
  const baseUrl = requireConfig("baseUrl").trim().replace(/\/+$/, "");
  if (!/^https?:\/\/[^/?#]+/i.test(baseUrl)) {
    throw new ConfigValueError(
      "baseUrl",
      `plugin configuration "baseUrl" is ${JSON.stringify(baseUrl)}, which is not an http or https URL; correct it in the plugin's settings in Navidrome`,
    );
  }

  const apiKey = requireConfig("apiKey").trim();

  const cacheMinutes = configNumber("cacheMinutes") ?? DEFAULT_CACHE_MINUTES;
  if (!Number.isInteger(cacheMinutes) || cacheMinutes < 0) {
    throw new ConfigValueError(
      "cacheMinutes",
      `plugin configuration "cacheMinutes" is ${cacheMinutes}, which is not a whole number of minutes of 0 or more; correct it in the plugin's settings in Navidrome`,
    );
  }

  return { baseUrl, apiKey, cacheSeconds: cacheMinutes * 60 };
}
