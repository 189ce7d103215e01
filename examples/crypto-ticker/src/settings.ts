import { configJson, configNumber, ConfigValueError, log } from "@nd/pdk";

/** Maximum symbols followed at once, so that one feed does not flood Navidrome's log. */
export const MAX_SYMBOLS = 20;
const DEFAULT_SYMBOLS = ["BTC-USD"];
const DEFAULT_MIN_CHANGE_PERCENT = 0.5;
const DEFAULT_RECONNECT_DELAY_SECONDS = 5;
const MAX_RECONNECT_DELAY_SECONDS = 300;

const SYMBOL = /^[A-Z0-9]{2,10}(-[A-Z0-9]{2,10})?$/;

/**
 * Returns the Coinbase product ids to follow, upper-cased, with `-USD` added to a symbol that has
 * no quote currency.
 *
 * @throws {ConfigValueError} when `symbols` is not a JSON array of symbols or has more than
 * {@link MAX_SYMBOLS}.
 */
export function symbols(): string[] {
  const value = configJson("symbols");
  if (value === undefined) return DEFAULT_SYMBOLS;
  if (!Array.isArray(value)) {
    throw new ConfigValueError("symbols", `plugin configuration "symbols" must be a list of symbols such as ["BTC-USD", "ETH-EUR"]; correct it in the plugin's settings in Navidrome`);
  }
  if (value.length === 0) return DEFAULT_SYMBOLS;
  if (value.length > MAX_SYMBOLS) {
    throw new ConfigValueError("symbols", `plugin configuration "symbols" lists ${value.length} symbols, more than the maximum of ${MAX_SYMBOLS}; remove some in the plugin's settings in Navidrome`);
  }

  const productIds = value.map((entry: unknown) => {
    const symbol = typeof entry === "string" ? entry.trim().toUpperCase() : "";
    if (!SYMBOL.test(symbol)) {
      throw new ConfigValueError("symbols", `plugin configuration "symbols" contains ${JSON.stringify(entry)}, which is not a symbol such as BTC or BTC-USD; correct it in the plugin's settings in Navidrome`);
    }
    return symbol.includes("-") ? symbol : `${symbol}-USD`;
  });
  return [...new Set(productIds)];
}

/**
 * Returns the percent a price must move from the last logged price before it is logged again.
 *
 * @throws {ConfigValueError} when `minChangePercent` is not a number of 0 or more.
 */
export function minChangePercent(): number {
  const percent = configNumber("minChangePercent") ?? DEFAULT_MIN_CHANGE_PERCENT;
  if (percent < 0) {
    throw new ConfigValueError("minChangePercent", `plugin configuration "minChangePercent" is ${percent}, but it must be 0 or more; correct it in the plugin's settings in Navidrome`);
  }
  return percent;
}

/**
 * Returns the wait before a reconnect attempt: the configured delay, doubled for each attempt that
 * failed before, up to 300 seconds. An invalid `reconnectDelaySeconds` falls back to 5 seconds,
 * because a reconnect must not depend on settings that are being edited.
 *
 * @param attempt - 1 for the first attempt after the connection dropped.
 */
export function reconnectDelaySeconds(attempt: number): number {
  let base = DEFAULT_RECONNECT_DELAY_SECONDS;
  try {
    base = configNumber("reconnectDelaySeconds") ?? DEFAULT_RECONNECT_DELAY_SECONDS;
  } catch (error) {
    if (!ConfigValueError.isInstance(error)) throw error;
    log.warn("invalid reconnect delay, using the default", { error, defaultSeconds: DEFAULT_RECONNECT_DELAY_SECONDS });
  }
  if (!Number.isInteger(base) || base < 1) {
    log.warn("invalid reconnect delay, using the default", { reconnectDelaySeconds: base, defaultSeconds: DEFAULT_RECONNECT_DELAY_SECONDS });
    base = DEFAULT_RECONNECT_DELAY_SECONDS;
  }
  return Math.min(base * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_SECONDS);
}
