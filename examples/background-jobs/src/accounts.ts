import { ConfigValueError, configJson } from "@nd/pdk";

/** Configuration key of the linked accounts: a JSON array of `{ "username": ..., "token": ... }`. */
const ACCOUNTS_KEY = "accounts";

/**
 * Reads the linked accounts from the plugin's settings, as a map from Navidrome user name to
 * ListenLog API token. Entries without a user name or token are skipped.
 *
 * @throws {ConfigValueError} when the setting is not valid JSON or not an array.
 */
export function linkedAccounts(): Map<string, string> {
  const accounts = new Map<string, string>();
  const value = configJson(ACCOUNTS_KEY);
  if (value === undefined) return accounts;
  if (!Array.isArray(value)) {
    throw new ConfigValueError(ACCOUNTS_KEY, `plugin configuration "${ACCOUNTS_KEY}" must be a JSON array of {"username", "token"} objects; correct it in the plugin's settings in Navidrome`);
  }

  for (const entry of value) {
    if (typeof entry !== "object" || entry === null) continue;
    const { username, token } = entry as { username?: unknown; token?: unknown };
    if (typeof username === "string" && username !== "" && typeof token === "string" && token !== "") {
      // User names are compared without regard to case, as Navidrome's matcher compares them.
      accounts.set(username.toLowerCase(), token);
    }
  }
  return accounts;
}

/** Returns the ListenLog API token of a Navidrome user, or undefined when the user has not linked an account. */
export function tokenFor(username: string): string | undefined {
  return linkedAccounts().get(username.toLowerCase());
}
