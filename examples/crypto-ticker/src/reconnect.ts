import { ConfigValueError, log, scheduler } from "@nd/pdk";

import { connectAndSubscribe } from "./feed.js";
import { reconnectDelaySeconds } from "./settings.js";

/** The payload of a reconnect schedule. It carries the attempt number, so no state is stored. */
interface ReconnectPayload {
  readonly attempt: number;
}

/**
 * Schedules a reconnect attempt. Each attempt gets its own schedule id, because Navidrome removes a
 * one-time schedule only after its callback returns, so a failed attempt cannot reuse its own id
 * for the next one.
 *
 * @param attempt - 1 for the first attempt after the connection dropped.
 */
export function scheduleReconnect(attempt: number): void {
  const delaySeconds = reconnectDelaySeconds(attempt);
  const payload: ReconnectPayload = { attempt };
  try {
    scheduler.scheduleOneTime(delaySeconds, JSON.stringify(payload), `reconnect-${attempt}`);
  } catch (error) {
    log.error("scheduling a reconnect failed, so the feed stays disconnected until the plugin is reloaded", { attempt, error });
    return;
  }
  log.info("reconnect scheduled", { attempt, delaySeconds });
}

/** Reads the attempt number of a reconnect schedule, or returns undefined for another payload. */
export function reconnectAttempt(payload: string): number | undefined {
  try {
    const attempt = (JSON.parse(payload) as Partial<ReconnectPayload> | null)?.attempt;
    return typeof attempt === "number" && Number.isInteger(attempt) && attempt >= 1 ? attempt : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Connects again, and schedules the next attempt with a longer wait when that fails. Invalid
 * settings stop the retries: the error reaches Navidrome's log, and saving corrected settings
 * reloads the plugin, which connects again.
 */
export function reconnect(attempt: number): void {
  try {
    connectAndSubscribe();
  } catch (error) {
    if (ConfigValueError.isInstance(error)) throw error;
    log.warn("reconnect failed", { attempt, error });
    scheduleReconnect(attempt + 1);
    return;
  }
  log.info("reconnected to the ticker feed", { attempt });
}
