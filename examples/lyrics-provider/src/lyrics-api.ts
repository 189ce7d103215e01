import { decodeUtf8, type HttpResponse, HostCallError, http, type LyricsText, type TrackInfo } from "@nd/pdk";

import type { Settings } from "./settings.js";

const USER_AGENT = "NavidromeLyricsProvider/1.0 (nd-pdk example plugin)";

/** Builds the query string that identifies a track to the lyrics API. */
export function trackQuery(track: TrackInfo): string {
  // The first track artist matches lyrics databases better than a display string such as "A • B".
  const artist = track.artists[0]?.name || track.artist;
  const params: [string, string][] = [
    ["artist", artist],
    ["title", track.title],
  ];
  if (track.album !== "") params.push(["album", track.album]);
  if (track.duration > 0) params.push(["duration", String(Math.round(track.duration))]);
  if (track.mbzRecordingId !== undefined && track.mbzRecordingId !== "") params.push(["recording_mbid", track.mbzRecordingId]);
  return params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("&");
}

/**
 * Requests the lyrics of a track and returns every version the API has: for each language the synced
 * (LRC) text first, then the plain text. Returns an empty array when the API has no lyrics for the
 * track (HTTP 404) or marks it as instrumental.
 *
 * @param query - Query string from {@link trackQuery}.
 * @throws {Error} when the API is unreachable, rejects the API key, responds with another error status,
 * or sends a response this plugin cannot read. The message names the fix where there is one.
 */
export function fetchLyrics(settings: Settings, query: string): LyricsText[] {
  const url = `${settings.baseUrl}/lyrics?${query}`;
  let response: HttpResponse;
  try {
    response = http.send({
      url,
      headers: { Accept: "application/json", Authorization: `Bearer ${settings.apiKey}`, "User-Agent": USER_AGENT },
    });
  } catch (error) {
    if (HostCallError.isInstance(error)) throw new Error(`lyrics API request to ${settings.baseUrl} failed: ${error.hostMessage}`);
    throw error;
  }

  const status = response.statusCode;
  if (status === 404) return [];
  if (status === 401 || status === 403) {
    throw new Error(`the lyrics API at ${settings.baseUrl} rejected the API key (HTTP ${status}); check "apiKey" in the plugin's settings in Navidrome`);
  }
  if (status === 429) {
    const retryAfter = response.headers?.["Retry-After"];
    // Retry-After contains either a number of seconds or an HTTP date.
    const hint = retryAfter === undefined ? "" : `; retry after ${retryAfter}${/^\d+$/.test(retryAfter) ? " seconds" : ""}`;
    throw new Error(`the lyrics API at ${settings.baseUrl} rejected the request with HTTP 429 (rate limit reached)${hint}`);
  }
  if (status !== 200) throw new Error(`the lyrics API at ${settings.baseUrl} returned HTTP ${status}`);

  return parseLyrics(response.body ?? new Uint8Array(0), settings.baseUrl);
}

function parseLyrics(body: Uint8Array, baseUrl: string): LyricsText[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeUtf8(body));
  } catch {
    // Navidrome cuts response bodies at this size without an error, which breaks the JSON.
    if (body.length >= http.limits.maxResponseBodyBytes) {
      throw new Error(`the lyrics API at ${baseUrl} sent a response larger than Navidrome's limit of ${http.limits.maxResponseBodyBytes} bytes, which was truncated`);
    }
    throw new Error(`the lyrics API at ${baseUrl} returned a response that is not valid JSON`);
  }

  const response = typeof parsed === "object" && parsed !== null ? (parsed as { instrumental?: unknown; lyrics?: unknown }) : {};
  if (response.instrumental === true) return [];
  if (!Array.isArray(response.lyrics)) throw new Error(`the lyrics API at ${baseUrl} returned a response without a lyrics array`);

  const versions: LyricsText[] = [];
  for (const entry of response.lyrics as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { language, synced, plain } = entry as { language?: unknown; synced?: unknown; plain?: unknown };
    // Navidrome tags lyrics without a language as "xxx".
    const lang = typeof language === "string" && language.trim() !== "" ? language.trim().toLowerCase() : undefined;
    for (const text of [synced, plain]) {
      if (typeof text === "string" && text.trim() !== "") versions.push(lang === undefined ? { text } : { lang, text });
    }
  }
  return versions;
}
