import { decodeUtf8, encodeUtf8, HostCallError, http, type HttpResponse } from "@nd/pdk";

import type { Listen, ListenTrack } from "./listens.js";

/** Base URL of the ListenLog API. manifest.json allows its host in permissions.http.requiredHosts. */
export const LISTENLOG_API = "https://api.listenlog.example/v1";

/** Name the plugin reports to ListenLog as the submitting client. */
const CLIENT_NAME = "navidrome-background-jobs/1.0.0";

/**
 * Outcome of a ListenLog request. `unavailable` covers failures that may pass (network errors,
 * timeouts, rate limits, 5xx), `unauthorized` a token ListenLog does not accept, and `rejected` every
 * other rejection, which sending again cannot fix.
 */
export type Delivery =
  | { readonly kind: "accepted"; readonly listenId: string }
  | { readonly kind: "unauthorized"; readonly reason: string }
  | { readonly kind: "rejected"; readonly reason: string }
  | { readonly kind: "unavailable"; readonly reason: string };

function wireTrack(track: ListenTrack): Record<string, unknown> {
  return {
    title: track.title,
    artist: track.artist,
    album: track.album,
    duration_ms: track.durationMs,
    track_number: track.trackNumber,
    ...(track.recordingMbid === undefined ? {} : { recording_mbid: track.recordingMbid }),
    ...(track.releaseMbid === undefined ? {} : { release_mbid: track.releaseMbid }),
  };
}

function parseJson(response: HttpResponse): unknown {
  if (response.body === undefined || response.body.length === 0) return undefined;
  try {
    return JSON.parse(decodeUtf8(response.body)) as unknown;
  } catch {
    // Proxies in front of the API return HTML pages during outages.
    return undefined;
  }
}

/** Describes a failed response by its status and ListenLog's `{"error": {"code", "message"}}` body when there is one. */
function failureReason(response: HttpResponse): string {
  const error = (parseJson(response) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const detail = typeof error?.code === "string" ? ` ${error.code}${typeof error.message === "string" ? `: ${error.message}` : ""}` : "";
  return `ListenLog returned HTTP ${response.statusCode}${detail}`;
}

function post(path: string, token: string, body: unknown, timeoutMs: number): HttpResponse | Delivery {
  try {
    return http.send({
      method: "POST",
      url: `${LISTENLOG_API}${path}`,
      headers: { Authorization: `Token ${token}`, "Content-Type": "application/json", Accept: "application/json" },
      body: encodeUtf8(JSON.stringify(body)),
      timeoutMs,
    });
  } catch (error) {
    // The http service throws for network errors and timeouts, and returns every HTTP status as a response.
    if (HostCallError.isInstance(error)) return { kind: "unavailable", reason: `ListenLog is unreachable: ${error.hostMessage}` };
    throw error;
  }
}

function classify(response: HttpResponse): Delivery | undefined {
  const status = response.statusCode;
  if (status >= 200 && status < 300) return undefined;
  if (status === 401 || status === 403) return { kind: "unauthorized", reason: failureReason(response) };
  if (status === 408 || status === 429 || status >= 500) return { kind: "unavailable", reason: failureReason(response) };
  return { kind: "rejected", reason: failureReason(response) };
}

/** Sends one listen. ListenLog returns 201 with `{"listen": {"id": ...}}`. */
export function submitListen(token: string, listen: Listen): Delivery {
  const response = post("/listens", token, { listened_at: listen.listenedAt, track: wireTrack(listen.track), client: CLIENT_NAME }, 10_000);
  if ("kind" in response) return response;

  const failure = classify(response);
  if (failure !== undefined) return failure;
  const listenId = (parseJson(response) as { listen?: { id?: unknown } } | undefined)?.listen?.id;
  return { kind: "accepted", listenId: typeof listenId === "string" ? listenId : "" };
}

/**
 * Tells ListenLog what a user is playing now. It uses a short timeout because Navidrome waits for
 * the call, and a late update is worthless.
 */
export function sendNowPlaying(token: string, track: ListenTrack): Delivery {
  const response = post("/now-playing", token, { track: wireTrack(track), client: CLIENT_NAME }, 3_000);
  if ("kind" in response) return response;
  return classify(response) ?? { kind: "accepted", listenId: "" };
}
