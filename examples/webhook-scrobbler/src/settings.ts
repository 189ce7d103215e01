import { configJson, configNumber, configString, ConfigValueError } from "@nd/pdk";

/**
 * Maximum webhook URLs per user. With the maximum timeout of 5 seconds each, the requests of one
 * call take at most 25 seconds, inside the 30 seconds Navidrome allows a plugin call.
 */
export const MAX_URLS_PER_USER = 5;

/** Timeout of each webhook request when `timeoutSeconds` is not set. */
export const DEFAULT_TIMEOUT_SECONDS = 5;
const MAX_TIMEOUT_SECONDS = 5;

const HTTP_URL = /^https?:\/\/[^\s/?#]+/i;

function checkUrl(key: string, value: unknown): string {
  if (typeof value !== "string" || !HTTP_URL.test(value)) {
    throw new ConfigValueError(
      key,
      `plugin configuration "${key}" contains ${JSON.stringify(value)}, which is not an http or https URL; correct it in the plugin's settings in Navidrome`,
    );
  }
  return value;
}

/** Reads `userWebhooks`, a JSON object from user name to one URL or a list of URLs. */
function readUserWebhooks(): Record<string, unknown> {
  const value = configJson("userWebhooks");
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigValueError(
      "userWebhooks",
      `plugin configuration "userWebhooks" must be a JSON object from user name to webhook URL, for example {"alice": "https://hooks.example.com/alice"}; correct it in the plugin's settings in Navidrome`,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Returns the webhook URLs that receive a user's events: the user's entry in `userWebhooks`, matched
 * in any case, or else `defaultUrl`. An entry with an empty list turns events off for that user even
 * when `defaultUrl` is set.
 *
 * @throws {ConfigValueError} when a setting is not valid JSON, a URL is invalid, or a user has more
 * than {@link MAX_URLS_PER_USER} URLs.
 */
export function webhookUrlsFor(username: string): string[] {
  const entries = Object.entries(readUserWebhooks());
  const entry = entries.find(([name]) => name.toLowerCase() === username.toLowerCase());

  if (entry === undefined) {
    const defaultUrl = configString("defaultUrl");
    return defaultUrl === undefined ? [] : [checkUrl("defaultUrl", defaultUrl)];
  }

  const urls = Array.isArray(entry[1]) ? (entry[1] as unknown[]) : [entry[1]];
  if (urls.length > MAX_URLS_PER_USER) {
    throw new ConfigValueError(
      "userWebhooks",
      `plugin configuration "userWebhooks" lists ${urls.length} URLs for user "${entry[0]}", more than the maximum of ${MAX_URLS_PER_USER}; remove some in the plugin's settings in Navidrome`,
    );
  }
  return urls.map((url) => checkUrl("userWebhooks", url));
}

/**
 * Returns the timeout of each webhook request in milliseconds.
 *
 * @throws {ConfigValueError} when `timeoutSeconds` is not a whole number from 1 to 5.
 */
export function requestTimeoutMs(): number {
  const seconds = configNumber("timeoutSeconds") ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new ConfigValueError(
      "timeoutSeconds",
      `plugin configuration "timeoutSeconds" is ${seconds}, but it must be a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}; correct it in the plugin's settings in Navidrome`,
    );
  }
  return seconds * 1000;
}
