import { decodeUtf8, HostCallError, http, type HttpResponse, log, requireConfig, type SongRef } from "@nd/pdk";

/** Base URL of the TimbreLab API. manifest.json allows its host in permissions.http.requiredHosts. */
export const TIMBRELAB_API = "https://api.timbrelab.example/v2";

/** Maximum number of neighbours TimbreLab returns for one request. */
export const MAX_NEIGHBOURS = 100;

/** Maximum number of steps TimbreLab computes for one path. */
export const MAX_PATH_STEPS = 50;

/** Minimum confidence of a title lookup. Lower scores are often a live version or another song with a similar title. */
const MIN_LOOKUP_CONFIDENCE = 0.8;

/** Navidrome stops a plugin call after 30 seconds, so each request must finish well before that. */
const REQUEST_TIMEOUT_MS = 8_000;

/** Recording that TimbreLab suggests, with its distance in sound: 0 is identical, 1 is unrelated. */
export interface ScoredRecording {
  mbid: string;
  title: string;
  artists: { name: string; mbid?: string }[];
  album?: string;
  albumMbid?: string;
  isrc?: string;
  durationMs?: number;
  distance: number;
}

function parseBody(response: HttpResponse): unknown {
  const text = response.body === undefined ? "" : decodeUtf8(response.body);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorDetail(response: HttpResponse): string {
  const error = (parseBody(response) as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (typeof error?.code !== "string") return `HTTP ${response.statusCode}`;
  return `HTTP ${response.statusCode} ${error.code}${typeof error.message === "string" ? `: ${error.message}` : ""}`;
}

/**
 * Sends a GET request to TimbreLab and returns the parsed JSON body, or undefined for a 404, which
 * TimbreLab returns for recordings it has not analysed.
 *
 * @throws {Error} when the API key is not set, TimbreLab is unreachable or returns another error.
 */
function getJson(path: string, query: Record<string, string | number>): unknown {
  const apiKey = requireConfig("apiKey");
  const url = `${TIMBRELAB_API}${path}?${Object.entries(query)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join("&")}`;

  let response: HttpResponse;
  try {
    response = http.send({ method: "GET", url, headers: { "X-Api-Key": apiKey, Accept: "application/json" }, timeoutMs: REQUEST_TIMEOUT_MS });
  } catch (error) {
    if (HostCallError.isInstance(error)) throw new Error(`TimbreLab is unreachable: ${error.hostMessage}`);
    throw error;
  }

  const status = response.statusCode;
  if (status === 404) return undefined;
  if (status === 401 || status === 403) {
    throw new Error(`TimbreLab rejected the API key (${errorDetail(response)}); check the apiKey setting of the plugin`);
  }
  if (status === 429) throw new Error(`TimbreLab request quota exceeded (${errorDetail(response)})`);
  if (status < 200 || status >= 300) throw new Error(`TimbreLab request failed (${errorDetail(response)})`);

  const body = parseBody(response);
  if (body === undefined) throw new Error(`TimbreLab returned a body that is not JSON for ${path}`);
  return body;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads one recording of a neighbours or path response, or returns undefined when a required field is missing. */
function readRecording(value: unknown, distanceKey: string): ScoredRecording | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  const mbid = text(entry.mbid);
  const title = text(entry.title);
  const distance = entry[distanceKey];
  if (mbid === undefined || title === undefined || typeof distance !== "number") return undefined;

  const artists = (Array.isArray(entry.artists) ? entry.artists : []).flatMap((artist: unknown) => {
    const { name, mbid: artistMbid } = (artist ?? {}) as { name?: unknown; mbid?: unknown };
    const artistName = text(name);
    if (artistName === undefined) return [];
    const artistId = text(artistMbid);
    return [artistId === undefined ? { name: artistName } : { name: artistName, mbid: artistId }];
  });
  const release = (entry.release ?? {}) as { title?: unknown; mbid?: unknown };

  const recording: ScoredRecording = { mbid, title, artists, distance: Math.min(Math.max(distance, 0), 1) };
  const album = text(release.title);
  const albumMbid = text(release.mbid);
  const isrc = text(entry.isrc);
  if (album !== undefined) recording.album = album;
  if (albumMbid !== undefined) recording.albumMbid = albumMbid;
  if (isrc !== undefined) recording.isrc = isrc;
  if (typeof entry.duration_ms === "number") recording.durationMs = entry.duration_ms;
  return recording;
}

function readRecordings(list: unknown, distanceKey: string): ScoredRecording[] {
  if (!Array.isArray(list)) throw new Error("TimbreLab returned a response without its list of recordings");
  return list.flatMap((entry) => readRecording(entry, distanceKey) ?? []);
}

/**
 * Returns the MusicBrainz recording id that identifies a song at TimbreLab. That is the song's own id
 * when Navidrome sent one, otherwise the best title and artist lookup, when its confidence is high
 * enough.
 */
export function findRecordingMbid(song: SongRef): string | undefined {
  if (song.mbid !== undefined && song.mbid !== "") return song.mbid;

  const artist = song.artists?.[0]?.name ?? song.artist ?? "";
  if (song.name === "" || artist === "") return undefined;
  const body = getJson("/recordings/lookup", { title: song.name, artist }) as { matches?: unknown } | undefined;
  const best = Array.isArray(body?.matches) ? (body.matches[0] as { mbid?: unknown; confidence?: unknown } | undefined) : undefined;
  const mbid = text(best?.mbid);
  if (mbid === undefined || typeof best?.confidence !== "number" || best.confidence < MIN_LOOKUP_CONFIDENCE) {
    log.debug("TimbreLab found no confident match for the song", { title: song.name, artist, confidence: best?.confidence });
    return undefined;
  }
  return mbid;
}

/** Returns up to `limit` recordings that sound like a recording, nearest first, or undefined when TimbreLab has not analysed it. */
export function findNeighbours(mbid: string, limit: number): ScoredRecording[] | undefined {
  const body = getJson(`/recordings/${encodeURIComponent(mbid)}/neighbours`, { limit }) as { neighbours?: unknown } | undefined;
  return body === undefined ? undefined : readRecordings(body.neighbours, "distance");
}

/**
 * Returns the recordings of a path from one recording to another, in playing order and without
 * the two ends. Each recording's distance is its distance from the start. Returns undefined when
 * TimbreLab has not analysed one of the ends.
 */
export function findPath(fromMbid: string, toMbid: string, steps: number): ScoredRecording[] | undefined {
  const body = getJson("/paths", { from: fromMbid, to: toMbid, steps }) as { steps?: unknown } | undefined;
  return body === undefined ? undefined : readRecordings(body.steps, "distance_from_start");
}
