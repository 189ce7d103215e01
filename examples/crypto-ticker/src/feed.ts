import { cache, log, websocket } from "@nd/pdk";

import { minChangePercent, symbols } from "./settings.js";

/** Coinbase Exchange's public market data feed, which needs no account. */
export const FEED_URL = "wss://ws-feed.exchange.coinbase.com";

/**
 * The id of the feed's connection. A fixed id lets every callback tell the feed apart without
 * stored state, since Navidrome runs each call on a fresh plugin instance.
 */
export const CONNECTION_ID = "crypto-ticker-feed";

/** A message of the feed's `ticker` channel, whose prices are decimal strings. */
interface Tick {
  readonly product_id?: unknown;
  readonly price?: unknown;
  readonly open_24h?: unknown;
}

/**
 * Opens the feed's connection and subscribes to the ticker of every configured symbol.
 *
 * @throws {ConfigValueError} when a setting is invalid, before connecting.
 * @throws {HostCallError} when the connection cannot be opened.
 */
export function connectAndSubscribe(): void {
  const productIds = symbols();
  // Checked here so that an invalid threshold fails the connection once, not every tick.
  minChangePercent();

  websocket.connect(FEED_URL, undefined, CONNECTION_ID);
  try {
    websocket.sendText(CONNECTION_ID, JSON.stringify({ type: "subscribe", product_ids: productIds, channels: ["ticker"] }));
  } catch (error) {
    // A connection without a subscription receives nothing. Closing it makes Navidrome call
    // onClose, which schedules the next attempt.
    log.error("subscribing to the ticker feed failed, closing the connection", { error });
    websocket.closeConnection(CONNECTION_ID, 1011, "subscribe failed");
    return;
  }
  log.info("subscribed to the ticker feed", { symbols: productIds });
}

function formatPercent(percent: number): string {
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(2)}%`;
}

/** Returns the change since the 24-hour opening price, or "unknown" without a valid opening price. */
function change24h(tick: Tick, price: number): string {
  const open = Number(tick.open_24h);
  return Number.isFinite(open) && open > 0 ? formatPercent(((price - open) / open) * 100) : "unknown";
}

/**
 * Logs a tick when its price has moved at least `minChangePercent` from the last price logged for
 * the symbol, which the cache keeps between calls. The first tick of a symbol is always logged.
 */
function handleTick(tick: Tick): void {
  const symbol = tick.product_id;
  const price = Number(tick.price);
  if (typeof symbol !== "string" || typeof tick.price !== "string" || !Number.isFinite(price) || price <= 0) {
    log.warn("ignored a ticker message without a valid product and price", { symbol, price: tick.price });
    return;
  }

  const key = `last-logged-price:${symbol}`;
  const previous = cache.getFloat(key);
  if (previous === undefined) {
    log.info("price", { symbol, price: tick.price, change24h: change24h(tick, price) });
  } else {
    const change = ((price - previous) / previous) * 100;
    if (change === 0 || Math.abs(change) < minChangePercent()) return;
    log.info("price changed", { symbol, price: tick.price, change: formatPercent(change), change24h: change24h(tick, price) });
  }
  cache.setFloat(key, price);
}

/** Handles one text message of the feed: ticks, subscription confirmations and errors. */
export function handleFeedMessage(text: string): void {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    log.warn("ignored a feed message that is not JSON", { excerpt: text.slice(0, 80) });
    return;
  }
  if (typeof message !== "object" || message === null) {
    log.warn("ignored a feed message that is not a JSON object", { excerpt: text.slice(0, 80) });
    return;
  }

  const fields = message as Record<string, unknown>;
  switch (fields.type) {
    case "ticker":
      handleTick(fields);
      break;
    case "subscriptions":
      log.info("feed confirmed the subscription", { channels: fields.channels });
      break;
    case "error":
      // Coinbase reports a rejected subscription, such as an unknown product, this way.
      log.error("feed reported an error", { message: fields.message, reason: fields.reason });
      break;
    default:
      log.debug("ignored a feed message", { type: fields.type });
  }
}
