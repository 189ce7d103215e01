import { decodeUtf8, type HttpResponse, HostCallError, http } from "@nd/pdk";

// Wikimedia's API policy requires a User-Agent that names the client, and may block requests without
// one with HTTP 403.
const USER_AGENT = "NavidromeWikidataAgent/1.0 (nd-pdk example plugin)";

/**
 * Sends a GET request through Navidrome and parses the JSON response.
 *
 * Returns undefined for HTTP 404, which Wikipedia's REST API sends for a missing page. Every other
 * failure throws an error that names the service, so Navidrome counts the call as failed and retries
 * it later with backoff.
 *
 * @param service - Name of the remote service, used in error messages.
 * @param accept - Value of the Accept header.
 */
export function getJson(service: string, url: string, accept = "application/json"): unknown {
  let response: HttpResponse;
  try {
    response = http.send({ url, headers: { Accept: accept, "User-Agent": USER_AGENT } });
  } catch (error) {
    if (HostCallError.isInstance(error)) throw new Error(`${service} request failed: ${error.hostMessage}`);
    throw error;
  }

  const status = response.statusCode;
  if (status === 404) return undefined;
  if (status === 429) {
    const retryAfter = response.headers?.["Retry-After"];
    // Retry-After contains either a number of seconds or an HTTP date.
    const hint = retryAfter === undefined ? "" : `; retry after ${retryAfter}${/^\d+$/.test(retryAfter) ? " seconds" : ""}`;
    throw new Error(`${service} rejected the request with HTTP 429 (rate limit reached)${hint}`);
  }
  if (status < 200 || status > 299) throw new Error(`${service} returned HTTP ${status} for ${url}`);

  const text = decodeUtf8(response.body ?? new Uint8Array(0));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${service} returned a response that is not valid JSON for ${url}`);
  }
}

/** Returns `value` when it is a plain object, else undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
