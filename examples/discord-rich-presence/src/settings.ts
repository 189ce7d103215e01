import { configJson, ConfigValueError, requireConfig } from "@nd/pdk";

/** Discord ids are snowflakes: 64-bit integers written as 17 to 20 decimal digits. */
const SNOWFLAKE = /^\d{17,20}$/;

/**
 * Returns the Discord application id.
 *
 * @throws {ConfigValueError} when `clientId` is missing or not a Discord id.
 */
export function clientId(): string {
  const id = requireConfig("clientId").trim();
  if (!SNOWFLAKE.test(id)) {
    throw new ConfigValueError("clientId", `plugin configuration "clientId" is ${JSON.stringify(id)}, which is not a Discord application id (17 to 20 digits); copy it from the Discord Developer Portal`);
  }
  return id;
}

/**
 * Returns a user's Discord token, matching the user name in any case, or undefined when the user
 * has none.
 *
 * @throws {ConfigValueError} when `userTokens` is not a JSON object of strings.
 */
export function tokenFor(username: string): string | undefined {
  const tokens = configJson("userTokens");
  if (tokens === undefined) return undefined;
  if (typeof tokens !== "object" || tokens === null || Array.isArray(tokens)) {
    throw new ConfigValueError("userTokens", `plugin configuration "userTokens" must be a JSON object from user name to Discord token; correct it in the plugin's settings in Navidrome`);
  }

  const entry = Object.entries(tokens).find(([name]) => name.toLowerCase() === username.toLowerCase());
  if (entry === undefined) return undefined;
  if (typeof entry[1] !== "string") {
    // The message leaves the value out, because it may be a token.
    throw new ConfigValueError("userTokens", `plugin configuration "userTokens" has a value for user "${entry[0]}" that is not a string; correct it in the plugin's settings in Navidrome`);
  }
  return entry[1].trim() === "" ? undefined : entry[1].trim();
}
