import { decodeUtf8, encodeUtf8, type ScrobbleRequest, type TrackInfo } from "@nd/pdk";

/** ListenLog rejects listens that started more than 14 days ago. */
export const MAX_LISTEN_AGE_SECONDS = 14 * 24 * 60 * 60;

/** Track of a listen, in the fields the ListenLog API accepts. */
export interface ListenTrack {
  title: string;
  artist: string;
  album: string;
  durationMs: number;
  trackNumber: number;
  recordingMbid?: string;
  releaseMbid?: string;
}

/** Completed play of one track, as the plugin stores it in a task payload. */
export interface Listen {
  /** Navidrome user name of the listener. */
  username: string;
  /** Time the user started playing the track, in Unix seconds. */
  listenedAt: number;
  track: ListenTrack;
}

function listenTrack(track: TrackInfo): ListenTrack {
  const result: ListenTrack = {
    title: track.title,
    artist: track.artist,
    album: track.album,
    durationMs: Math.round(track.duration * 1000),
    trackNumber: track.trackNumber,
  };
  if (track.mbzRecordingId !== undefined && track.mbzRecordingId !== "") result.recordingMbid = track.mbzRecordingId;
  if (track.mbzAlbumId !== undefined && track.mbzAlbumId !== "") result.releaseMbid = track.mbzAlbumId;
  return result;
}

/** Builds the listen that a scrobble describes. */
export function listenFromScrobble(request: ScrobbleRequest): Listen {
  return { username: request.username, listenedAt: request.timestamp, track: listenTrack(request.track) };
}

/** Builds the track part of a now-playing update. */
export function nowPlayingTrack(track: TrackInfo): ListenTrack {
  return listenTrack(track);
}

/** Encodes a listen as a task payload (UTF-8 JSON). */
export function encodeListen(listen: Listen): Uint8Array {
  return encodeUtf8(JSON.stringify(listen));
}

/**
 * Decodes a task payload written by {@link encodeListen}.
 *
 * @throws {Error} when the payload is empty, not JSON, or lacks a field.
 */
export function decodeListen(payload: Uint8Array): Listen {
  if (payload.length === 0) throw new Error("the task payload is empty");
  const value = JSON.parse(decodeUtf8(payload)) as Partial<Listen> | null;
  if (
    typeof value?.username !== "string" ||
    typeof value.listenedAt !== "number" ||
    typeof value.track?.title !== "string" ||
    typeof value.track.artist !== "string"
  ) {
    throw new Error("the task payload is not a listen: username, listenedAt, track.title or track.artist is missing");
  }
  return value as Listen;
}

/** Tells whether ListenLog would reject a listen because it started more than 14 days before `nowMs`. */
export function isTooOld(listenedAt: number, nowMs: number): boolean {
  return nowMs / 1000 - listenedAt > MAX_LISTEN_AGE_SECONDS;
}

/** Describes a track for log lines and error messages, cut to a readable length. */
export function describeTrack(track: { title: string; artist: string }): string {
  const text = `"${track.title}" by ${track.artist}`;
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
