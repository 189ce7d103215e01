import { decodeUtf8, encodeUtf8, http, log, ScrobblerError } from "@nd/pdk";

/** The JSON document posted to each webhook. */
export interface WebhookEvent {
  readonly event: "now_playing" | "scrobble" | "playback_report";
  readonly username: string;
  readonly [field: string]: unknown;
}

/** One webhook that did not accept an event, and whether sending it again later may succeed. */
interface DeliveryFailure {
  readonly host: string;
  readonly temporary: boolean;
  readonly reason: string;
}

const USER_AGENT = "navidrome-webhook-scrobbler/1.0";
const MAX_BODY_IN_MESSAGE = 200;

/**
 * Returns the host of a URL for logs and error messages. Webhook URLs often carry a secret token
 * in their path or query, so the full URL is never logged.
 */
function hostOf(url: string): string {
  return /^[a-z]+:\/\/([^/?#]+)/i.exec(url)?.[1] ?? "invalid URL";
}

function bodyExcerpt(body: Uint8Array | undefined): string {
  if (body === undefined || body.length === 0) return "";
  const text = decodeUtf8(body).trim();
  return text.length > MAX_BODY_IN_MESSAGE ? `${text.slice(0, MAX_BODY_IN_MESSAGE)}...` : text;
}

/**
 * Returns the failure a response status means, or undefined for 2xx. 408 (request timeout), 429
 * (rate limit) and 5xx are temporary. Any other status, such as 400 for a payload the receiver
 * rejects, would fail again.
 */
function failureOf(host: string, response: http.HttpResponse): DeliveryFailure | undefined {
  const status = response.statusCode;
  if (status >= 200 && status < 300) return undefined;

  const temporary = status === 408 || status === 429 || status >= 500;
  const retryAfter = response.headers?.["Retry-After"];
  const excerpt = bodyExcerpt(response.body);
  let reason = `HTTP ${status}`;
  if (retryAfter !== undefined) reason += `, Retry-After ${retryAfter}`;
  if (excerpt !== "") reason += `: ${excerpt}`;
  return { host, temporary, reason };
}

function send(url: string, body: Uint8Array, headers: Record<string, string>, timeoutMs: number): DeliveryFailure | undefined {
  const host = hostOf(url);
  let response: http.HttpResponse;
  try {
    response = http.send({ method: "POST", url, headers, body, timeoutMs });
  } catch (error) {
    // The http service throws for network errors and timeouts, which may pass.
    return { host, temporary: true, reason: error instanceof Error ? error.message : String(error) };
  }
  return failureOf(host, response);
}

/**
 * Posts an event to every URL, then fails the call when any webhook did not accept it.
 *
 * The error carries {@link ScrobblerError.RetryLater} when at least one failure is temporary, and
 * {@link ScrobblerError.Unrecoverable} otherwise. Navidrome sends a scrobble that failed with
 * RetryLater again to every URL, so receivers that accepted it the first time get it twice: the
 * `Idempotency-Key` header lets them drop the copy.
 *
 * @param idempotencyKey - Stable id of the event, sent as the `Idempotency-Key` header when given.
 */
export function deliver(urls: readonly string[], event: WebhookEvent, timeoutMs: number, idempotencyKey?: string): void {
  const body = encodeUtf8(JSON.stringify(event));
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "User-Agent": USER_AGENT,
    "X-Webhook-Event": event.event,
  };
  if (idempotencyKey !== undefined) headers["Idempotency-Key"] = idempotencyKey;

  const failures: DeliveryFailure[] = [];
  for (const url of urls) {
    const failure = send(url, body, headers, timeoutMs);
    if (failure === undefined) {
      log.debug("webhook accepted event", { event: event.event, username: event.username, host: hostOf(url) });
      continue;
    }
    log.warn("webhook did not accept event", { event: event.event, username: event.username, host: failure.host, reason: failure.reason });
    failures.push(failure);
  }
  if (failures.length === 0) return;

  const marker = failures.some((failure) => failure.temporary) ? ScrobblerError.RetryLater : ScrobblerError.Unrecoverable;
  const details = failures.map((failure) => `${failure.host} (${failure.reason})`).join("; ");
  throw new Error(`${marker}: ${failures.length} of ${urls.length} webhooks did not accept the ${event.event} event for user "${event.username}": ${details}`);
}
