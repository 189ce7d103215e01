import type { Track } from "@nd/pdk-types";
import { trackCodec } from "@nd/pdk-types/internal";

import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readObject, readObjectArray, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import { hasLibraryFilesystem, isLibraryAllowed } from "./library.js";
import { lookUpUser } from "./users.js";

/** One matchSongs call, as the inspection view records it. */
export interface MatchRecord {
  /** The songs the plugin sent, as Navidrome decoded them. */
  readonly songs: readonly SongKeys[];
  /** The user the match ran as, or "" for none. */
  readonly username: string;
  /** The id of the matched track for each song, or undefined for no match. */
  readonly matchedIds: readonly (string | undefined)[];
}

/** The keys of a song that the simulated matcher reads. */
export interface SongKeys {
  /** The Navidrome media file id, or "" when the plugin sent none. */
  readonly id: string;
  /** The song title. */
  readonly name: string;
  /** The MusicBrainz recording id, or "". */
  readonly mbid: string;
  /** The ISRC, or "". */
  readonly isrc: string;
  /** Artist names: those of `artists` when it is not empty, otherwise `artist`. */
  readonly artistNames: readonly string[];
}

/** The simulated Matcher service, with a record of its calls. */
export interface MatcherService extends SimulatedService {
  /** Every matchSongs call that succeeded, in order. */
  calls(): readonly MatchRecord[];
}

/** Track fields that carry one user's annotations, which Navidrome fills only for a named user. */
const USER_ANNOTATIONS = ["starred", "starredAt", "rating", "playCount", "playDate"] as const;

const OMITTABLE_TRACK_FIELDS = new Set(trackCodec.optional ?? []);

function isEmptyValue(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

/**
 * Writes a track as Navidrome does: keys without omitempty always, omitempty keys only when not
 * empty, and pointer keys (bitDepth, bpm, replay gain, starredAt, playDate) whenever they are set,
 * 0 included.
 */
function trackReply(track: Track, withPath: boolean, withAnnotations: boolean): Record<string, unknown> {
  const source = track as unknown as Record<string, unknown>;
  const reply: Record<string, unknown> = {};
  for (const [key, codec] of Object.entries(trackCodec.fields)) {
    const value = source[key];
    if (value === undefined || value === null) continue;
    if (key === "path" && !withPath) continue;
    if (!withAnnotations && (USER_ANNOTATIONS as readonly string[]).includes(key)) continue;

    const isPointer = typeof codec === "object" && "nullable" in codec;
    if (!isPointer && OMITTABLE_TRACK_FIELDS.has(key) && isEmptyValue(value)) continue;
    reply[key] = value;
  }
  return reply;
}

function readSong(song: Readonly<Record<string, unknown>>): SongKeys {
  const artists = readObjectArray(song, "artists", "[]types.ArtistRef")
    .map((artist) => readString(artist, "name"))
    .filter((name) => name !== "");
  const artist = readString(song, "artist");

  let artistNames = artists;
  if (artistNames.length === 0 && artist !== "") artistNames = [artist];

  return {
    id: readString(song, "id"),
    name: readString(song, "name"),
    mbid: readString(song, "mbid"),
    isrc: readString(song, "isrc"),
    artistNames,
  };
}

function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function trackArtistNames(track: Track): string[] {
  const names = [track.artist, track.albumArtist ?? "", ...(track.participants ?? []).map((participant) => participant.name)];
  return names.filter((name) => name !== "");
}

/**
 * Finds the track for one song, trying each key in Navidrome's order of preference: the Navidrome id,
 * then the MusicBrainz recording id, then the ISRC (from the track's `isrc` tag), then the title with
 * one of the artists. Titles, artists and ISRCs compare case-insensitively. The first track of
 * `options.tracks` that matches wins.
 *
 * NOTE: Navidrome's last step is a fuzzy title match that also weighs album and duration. The
 * simulator requires the exact title, ignoring case, and one matching artist when the song names any.
 */
function findTrack(song: SongKeys, candidates: readonly Track[]): Track | undefined {
  if (song.id !== "") {
    const byId = candidates.find((track) => track.id === song.id);
    if (byId !== undefined) return byId;
  }
  if (song.mbid !== "") {
    const byMbid = candidates.find((track) => track.mbzRecordingId === song.mbid);
    if (byMbid !== undefined) return byMbid;
  }
  if (song.isrc !== "") {
    const byIsrc = candidates.find((track) => (track.tags?.["isrc"] ?? []).some((isrc) => sameText(isrc, song.isrc)));
    if (byIsrc !== undefined) return byIsrc;
  }
  if (song.name === "") return undefined;
  return candidates.find(
    (track) =>
      sameText(track.title, song.name) &&
      (song.artistNames.length === 0 || trackArtistNames(track).some((name) => song.artistNames.some((wanted) => sameText(name, wanted)))),
  );
}

/**
 * Creates the Matcher service over `options.tracks`. It searches only tracks of the libraries the
 * plugin may see and skips tracks marked missing. A track's path is returned only with
 * `permissions.library.filesystem`, and its starred, rating, play count and play date values only
 * when `opts.username` names a user. The simulator has no per-user library access, so a username does
 * not narrow the libraries further.
 */
export function createMatcherService(ctx: ServiceContext, options: NavidromeOptions): MatcherService {
  const withPath = hasLibraryFilesystem(ctx.manifest);
  const records: MatchRecord[] = [];

  return {
    calls: () => [...records],

    functions: {
      matcher_matchsongs(request) {
        const songs = readObjectArray(request, "songs", "[]types.SongRef").map(readSong);
        const username = readString(readObject(request, "opts", "host.MatchOptions"), "username");

        if (username !== "") {
          const lookup = lookUpUser(options, username);
          if (lookup.kind === "no-users") throw new ServiceError("matcher: plugin is not authorized to scope by user");
          if (lookup.kind === "not-found") throw new ServiceError(`matcher: user "${username}" not found`);
          if (lookup.kind === "not-allowed") throw new ServiceError(`matcher: plugin is not allowed to act as user "${username}"`);
        }

        const candidates = (options.tracks ?? []).filter((track) => !track.missing && isLibraryAllowed(options, track.libraryId));
        const matched = songs.map((song) => findTrack(song, candidates));
        records.push({ songs, username, matchedIds: matched.map((track) => track?.id) });

        const results = matched.map((track) => (track === undefined ? null : trackReply(track, withPath, username !== "")));
        return omitEmpty({ results });
      },
    },
  };
}
