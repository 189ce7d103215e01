import { log, matcher, type SonicMatch, type SongRef, type Track } from "@nd/pdk";

import type { ScoredRecording } from "./timbrelab.js";

/** Describes a TimbreLab recording with every key Navidrome's matcher can use. */
function songOfRecording(recording: ScoredRecording): SongRef {
  const song: SongRef = { name: recording.title, mbid: recording.mbid, artists: recording.artists };
  if (recording.isrc !== undefined) song.isrc = recording.isrc;
  if (recording.album !== undefined) song.album = recording.album;
  if (recording.albumMbid !== undefined) song.albumMbid = recording.albumMbid;
  if (recording.durationMs !== undefined) song.durationMs = recording.durationMs;
  return song;
}

/** Describes a library track by its Navidrome id, so that Navidrome resolves it to that exact track. */
function songOfTrack(track: Track): SongRef {
  const credited = (track.participants ?? []).filter((participant) => participant.role === "artist");
  const song: SongRef = {
    id: track.id,
    name: track.title,
    artists: credited.length > 0 ? credited.map(({ id, name, mbid }) => ({ id, name, mbid })) : [{ name: track.artist }],
    album: track.album,
    durationMs: Math.round(track.duration * 1000),
  };
  if (track.mbzRecordingId !== undefined && track.mbzRecordingId !== "") song.mbid = track.mbzRecordingId;
  if (track.mbzAlbumId !== undefined && track.mbzAlbumId !== "") song.albumMbid = track.mbzAlbumId;
  return song;
}

/** Turns a distance in sound (0 identical, 1 unrelated) into a similarity score with 3 decimals. */
function similarityOf(distance: number): number {
  return Math.round((1 - distance) * 1000) / 1000;
}

/**
 * Resolves recordings to tracks of the library in one matcher call, keeping their order. Recordings
 * without a track, a track in `excludedIds` (the request's own songs) or a track already suggested
 * are dropped.
 */
export function matchInLibrary(recordings: readonly ScoredRecording[], excludedIds: readonly (string | undefined)[]): SonicMatch[] {
  if (recordings.length === 0) return [];

  const tracks = matcher.matchSongs(recordings.map(songOfRecording));
  const seen = new Set(excludedIds.filter((id): id is string => id !== undefined && id !== ""));
  const matches: SonicMatch[] = [];
  let unmatched = 0;
  recordings.forEach((recording, index) => {
    const track = tracks[index];
    if (track === undefined) {
      unmatched += 1;
      return;
    }
    if (seen.has(track.id)) return;
    seen.add(track.id);
    matches.push({ song: songOfTrack(track), similarity: similarityOf(recording.distance) });
  });

  log.debug("resolved TimbreLab suggestions to library tracks", { suggested: recordings.length, matched: matches.length, unmatched });
  return matches;
}

/**
 * Keeps `count` items spread evenly over a list, first and last included, so a path that is too
 * long keeps its progression from start to end.
 */
export function thinEvenly<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  if (count <= 0) return [];
  if (count === 1) return [items[Math.floor((items.length - 1) / 2)] as T];

  const selected: T[] = [];
  for (let index = 0; index < count; index++) {
    selected.push(items[Math.round((index * (items.length - 1)) / (count - 1))] as T);
  }
  return selected;
}
