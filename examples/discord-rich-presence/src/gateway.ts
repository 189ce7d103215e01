/**
 * One Discord gateway connection per user. The connection id is the user name, so every callback
 * finds the user from the id it receives. The session state lives in the cache, because Navidrome
 * runs each call on a fresh plugin instance, and the cache and the connections both end when
 * Navidrome restarts.
 *
 * Once the connection is open, the gateway sends Hello: the plugin then schedules heartbeats and
 * sends Identify with the user's token and status. Dispatch READY marks the session ready for status
 * updates, and each heartbeat acknowledgement renews the session entry.
 */
import { cache, decodeUtf8, http, log, scheduler, ScrobblerError, websocket } from "@nd/pdk";

import { type Activity, clearStoredActivity, presencePayload, storedActivity } from "./presence.js";
import { tokenFor } from "./settings.js";

const GATEWAY_LOOKUP_URL = "https://discord.com/api/v10/gateway";
const GATEWAY_QUERY = "/?v=10&encoding=json";
const GATEWAY_URL_TTL_SECONDS = 60 * 60;
/**
 * Seconds a session entry lives after the last heartbeat acknowledgement. When it expires, the
 * next heartbeat closes the connection, so a connection that stopped responding is replaced.
 */
const SESSION_TTL_SECONDS = 10 * 60;
const DEFAULT_HEARTBEAT_SECONDS = 41;
/** Seconds before the first reconnect attempt. Attempt n waits n times as long. */
const RECONNECT_DELAY_SECONDS = 10;
const MAX_RECONNECT_ATTEMPTS = 5;
const REQUEST_TIMEOUT_MS = 5000;

/** Gateway opcodes this plugin sends or handles. */
const Opcode = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/**
 * Close codes after which the gateway rejects the same Identify again: authentication failed (4004)
 * and the shard, version and intents errors (4010 to 4014). Reconnecting cannot help.
 */
const FATAL_CLOSE_CODES = new Set([4004, 4010, 4011, 4012, 4013, 4014]);

/**
 * Close code of the closes the plugin makes, from the private range 4000 to 4999. Navidrome reports
 * a plugin's close to onClose with the plugin's code, while a 4xxx close from the gateway reaches
 * onError, so onClose receives this code only for the plugin's own closes.
 */
export const PLUGIN_CLOSE_CODE = 4999;

/** A user's gateway session, from the connection's opening until it ends. */
export interface Session {
  readonly state: "connecting" | "ready";
  /** Sequence number of the last dispatch, which heartbeats send back. */
  readonly sequence: number | null;
}

/** The payload of this plugin's schedules. */
interface SchedulePayload {
  readonly action: "heartbeat" | "reconnect";
  readonly username: string;
  readonly attempt?: number;
}

const sessionKey = (username: string): string => `session:${username}`;
const heartbeatScheduleId = (username: string): string => `heartbeat:${username}`;

export function readSession(username: string): Session | undefined {
  const text = cache.getString(sessionKey(username));
  return text === undefined ? undefined : (JSON.parse(text) as Session);
}

function writeSession(username: string, session: Session): void {
  cache.setString(sessionKey(username), JSON.stringify(session), SESSION_TTL_SECONDS);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function send(username: string, op: number, data: unknown): void {
  websocket.sendText(username, JSON.stringify({ op, d: data }));
}

/**
 * Returns the gateway URL from Discord's API, cached for an hour.
 *
 * @throws {Error} with {@link ScrobblerError.RetryLater} when the API cannot be reached or returns
 * an error status.
 */
function gatewayUrl(): string {
  const cached = cache.getString("gateway-url");
  if (cached !== undefined) return cached;

  let response: http.HttpResponse;
  try {
    response = http.send({ url: GATEWAY_LOOKUP_URL, timeoutMs: REQUEST_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`${ScrobblerError.RetryLater}: looking up the Discord gateway failed: ${messageOf(error)}`);
  }
  if (response.statusCode !== 200) {
    throw new Error(`${ScrobblerError.RetryLater}: looking up the Discord gateway failed: HTTP ${response.statusCode}`);
  }

  let url: unknown;
  try {
    url = (JSON.parse(decodeUtf8(response.body ?? new Uint8Array(0))) as { url?: unknown }).url;
  } catch {
    url = undefined;
  }
  if (typeof url !== "string" || !url.startsWith("wss://")) {
    throw new Error(`${ScrobblerError.RetryLater}: the Discord gateway lookup returned no wss:// URL`);
  }
  cache.setString("gateway-url", url, GATEWAY_URL_TTL_SECONDS);
  return url;
}

/**
 * Opens a user's gateway connection. The session continues when the gateway sends Hello.
 *
 * @throws {Error} with {@link ScrobblerError.RetryLater} when the gateway cannot be reached.
 */
export function openSession(username: string): void {
  const url = gatewayUrl();
  try {
    websocket.connect(`${url}${GATEWAY_QUERY}`, undefined, username);
  } catch (error) {
    throw new Error(`${ScrobblerError.RetryLater}: connecting to the Discord gateway failed: ${messageOf(error)}`);
  }
  writeSession(username, { state: "connecting", sequence: null });
  log.info("connecting to the Discord gateway", { username });
}

/** Forgets a user's session and stops its heartbeats. */
function endSession(username: string): void {
  cache.remove(sessionKey(username));
  try {
    scheduler.cancelSchedule(heartbeatScheduleId(username));
  } catch {
    // The session ended before Hello, so no heartbeat was scheduled.
  }
}

/**
 * Ends a user's session from the plugin's side and closes its connection, then reconnects when the
 * user still has something to show. onClose ignores the close that follows, so that it cannot end
 * a session opened in the meantime.
 */
export function dropSession(username: string, reason: string): void {
  endSession(username);
  try {
    websocket.closeConnection(username, PLUGIN_CLOSE_CODE, reason);
  } catch (error) {
    log.debug("no open Discord connection to close", { username, error });
  }
  if (storedActivity(username) !== undefined) scheduleReconnect(username, 1);
}

/**
 * Sends a status update on a ready session, or clears the status when `activity` is undefined.
 *
 * @throws {Error} with {@link ScrobblerError.RetryLater} when the connection is gone. The session
 * is ended first, so the next play opens a new one.
 */
export function sendPresence(username: string, activity: Activity | undefined): void {
  try {
    send(username, Opcode.PresenceUpdate, presencePayload(activity));
  } catch (error) {
    endSession(username);
    throw new Error(`${ScrobblerError.RetryLater}: updating the Discord status failed: ${messageOf(error)}`);
  }
}

/** Sends Identify with the user's token and status, or returns false when the user has no token any more. */
function identify(username: string): boolean {
  const token = tokenFor(username);
  if (token === undefined) {
    log.warn("user has no Discord token any more, closing the connection", { username });
    clearStoredActivity(username);
    dropSession(username, "no token");
    return false;
  }
  send(username, Opcode.Identify, {
    token,
    intents: 0,
    properties: { os: "linux", browser: "Navidrome", device: "Navidrome" },
    presence: presencePayload(storedActivity(username)),
  });
  return true;
}

function scheduleHeartbeat(username: string, intervalMs: unknown): void {
  const seconds = typeof intervalMs === "number" && intervalMs >= 1000 ? Math.floor(intervalMs / 1000) : DEFAULT_HEARTBEAT_SECONDS;
  const payload: SchedulePayload = { action: "heartbeat", username };
  try {
    scheduler.cancelSchedule(heartbeatScheduleId(username));
  } catch {
    // No heartbeat was running for this user.
  }
  scheduler.scheduleRecurring(`@every ${seconds}s`, JSON.stringify(payload), heartbeatScheduleId(username));
}

/** Handles one gateway message on a user's connection. */
export function handleGatewayMessage(username: string, text: string): void {
  let frame: { op?: unknown; d?: unknown; s?: unknown; t?: unknown };
  try {
    frame = JSON.parse(text) as typeof frame;
  } catch {
    log.warn("ignored a gateway message that is not JSON", { username, excerpt: text.slice(0, 80) });
    return;
  }

  const session = readSession(username);
  if (session === undefined) {
    log.warn("gateway message for a connection without a session, closing it", { username, op: frame.op });
    dropSession(username, "session expired");
    return;
  }
  const sequence = typeof frame.s === "number" ? frame.s : session.sequence;

  switch (frame.op) {
    case Opcode.Hello:
      if (!identify(username)) break;
      scheduleHeartbeat(username, (frame.d as { heartbeat_interval?: unknown } | null)?.heartbeat_interval);
      writeSession(username, { state: "connecting", sequence });
      break;
    case Opcode.Dispatch:
      writeSession(username, { state: frame.t === "READY" ? "ready" : session.state, sequence });
      if (frame.t === "READY") log.info("Discord session ready", { username });
      break;
    case Opcode.HeartbeatAck:
      writeSession(username, { ...session, sequence });
      break;
    case Opcode.Heartbeat:
      // The gateway requests a heartbeat right away.
      send(username, Opcode.Heartbeat, sequence);
      writeSession(username, { ...session, sequence });
      break;
    case Opcode.Reconnect:
    case Opcode.InvalidSession:
      log.info("Discord requested a new session", { username, op: frame.op });
      dropSession(username, "new session requested");
      break;
    default:
      log.debug("ignored a gateway message", { username, op: frame.op, type: frame.t });
  }
}

/**
 * Schedules a reconnect attempt, up to {@link MAX_RECONNECT_ATTEMPTS}. Each attempt gets its own
 * schedule id, because Navidrome removes a one-time schedule only after its callback returns.
 */
function scheduleReconnect(username: string, attempt: number): void {
  if (attempt > MAX_RECONNECT_ATTEMPTS) {
    log.error("gave up reconnecting to Discord; the next play tries again", { username, attempts: MAX_RECONNECT_ATTEMPTS });
    return;
  }
  const payload: SchedulePayload = { action: "reconnect", username, attempt };
  const delaySeconds = RECONNECT_DELAY_SECONDS * attempt;
  try {
    scheduler.scheduleOneTime(delaySeconds, JSON.stringify(payload), `reconnect:${username}:${attempt}`);
  } catch (error) {
    log.warn("scheduling a reconnect failed", { username, attempt, error });
    return;
  }
  log.info("reconnect scheduled", { username, attempt, delaySeconds });
}

/**
 * Ends the session of a connection that closed or failed, and reconnects while the user still has
 * something to show.
 *
 * @param code - The close code, when the connection ended with a close frame.
 */
export function handleDisconnect(username: string, code: number | undefined, description: string): void {
  endSession(username);
  if (code !== undefined && FATAL_CLOSE_CODES.has(code)) {
    log.error("Discord rejected the session; check the user's token in the plugin's settings", { username, code, description });
    clearStoredActivity(username);
    return;
  }
  if (storedActivity(username) === undefined) {
    log.info("Discord connection closed", { username, code, description });
    return;
  }
  log.warn("Discord connection lost", { username, code, description });
  scheduleReconnect(username, 1);
}

/** Sends the periodic heartbeat, or closes the connection when its session has expired. */
function heartbeat(username: string): void {
  const session = readSession(username);
  if (session === undefined) {
    log.warn("no heartbeat acknowledgement for too long, closing the Discord connection", { username });
    dropSession(username, "session expired");
    return;
  }
  try {
    send(username, Opcode.Heartbeat, session.sequence);
  } catch (error) {
    // The connection is gone without a close event, so this is the only place left to reconnect.
    log.warn("heartbeat failed", { username, error });
    handleDisconnect(username, undefined, messageOf(error));
  }
}

function reconnect(username: string, attempt: number): void {
  if (readSession(username) !== undefined) return;
  if (storedActivity(username) === undefined) {
    log.debug("nothing to show, so no reconnect", { username });
    return;
  }
  try {
    openSession(username);
  } catch (error) {
    log.warn("reconnect failed", { username, attempt, error });
    scheduleReconnect(username, attempt + 1);
  }
}

/** Runs a schedule of this plugin: a heartbeat or a reconnect attempt. */
export function runSchedule(scheduleId: string, payloadText: string): void {
  let payload: Partial<SchedulePayload>;
  try {
    payload = JSON.parse(payloadText) as Partial<SchedulePayload>;
  } catch {
    payload = {};
  }
  if (typeof payload.username !== "string") {
    log.warn("ignored a schedule this plugin did not create", { scheduleId });
    return;
  }
  if (payload.action === "heartbeat") heartbeat(payload.username);
  else if (payload.action === "reconnect") reconnect(payload.username, payload.attempt ?? 1);
  else log.warn("ignored a schedule this plugin did not create", { scheduleId });
}

/** Reads the close code from the error text of a close that reached onError, such as `websocket: close 4004: ...`. */
export function closeCodeOf(error: string): number | undefined {
  const match = /^websocket: close (\d+)/.exec(error);
  return match === null ? undefined : Number(match[1]);
}
