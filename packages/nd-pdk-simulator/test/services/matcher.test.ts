import type { Track } from "@nd/pdk-types";
import { describe, expect, test } from "vitest";

import type { NavidromeOptions } from "../../src/options.js";
import { createMatcherService } from "../../src/services/matcher.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

/** Builds a track with every required field at its zero value, then applies `fields`. */
function track(fields: Partial<Track> & Pick<Track, "id" | "title" | "artist">): Track {
  return {
    libraryId: 1,
    missing: false,
    album: "",
    trackNumber: 0,
    discNumber: 0,
    year: 0,
    originalYear: 0,
    releaseYear: 0,
    size: 0,
    duration: 0,
    bitRate: 0,
    sampleRate: 0,
    channels: 0,
    compilation: false,
    hasCoverArt: false,
    birthTime: 0,
    createdAt: 0,
    updatedAt: 0,
    averageRating: 0,
    ...fields,
  };
}

const hurt = track({
  id: "mf-1",
  title: "Hurt",
  artist: "Johnny Cash",
  album: "American IV",
  path: "/srv/music/cash/hurt.flac",
  mbzRecordingId: "mbid-hurt",
  tags: { isrc: ["USUM70300001"] },
  starred: true,
  starredAt: 1_700_000_000,
  rating: 5,
  playCount: 12,
  playDate: 0,
  bpm: 0,
  comment: "",
});
const hurtOriginal = track({ id: "mf-2", title: "Hurt", artist: "Nine Inch Nails", participants: [{ name: "Trent Reznor", role: "composer" }] });
const missingTrack = track({ id: "mf-3", title: "Lost Song", artist: "Nobody", missing: true });
const otherLibrary = track({ id: "mf-4", title: "Elsewhere", artist: "Someone", libraryId: 2 });
const tracks = [hurt, hurtOriginal, missingTrack, otherLibrary];

function matcher(options: Partial<NavidromeOptions> = {}, filesystem = false) {
  const ctx = createTestContext({ library: filesystem ? { filesystem: true } : {}, matcher: {} });
  return createMatcherService(ctx, { manifest: {}, tracks, users: [{ userName: "alice" }, { userName: "bob" }], ...options });
}

function resultIds(reply: Record<string, unknown>): Array<string | null> {
  return (reply["results"] as Array<Record<string, unknown> | null>).map((result) => (result === null ? null : (result["id"] as string)));
}

describe("matcher service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(matcher().functions).sort()).toEqual(importNamesOf("matcher"));
  });

  test("returns one entry per song in order", () => {
    const reply = call(matcher(), "matcher_matchsongs", {
      songs: [{ name: "Unknown", artist: "Nobody" }, { id: "mf-2", name: "" }, { id: "mf-1", name: "" }],
    });
    expect(resultIds(reply)).toEqual([null, "mf-2", "mf-1"]);
  });

  test("matches by id first", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-2", name: "Hurt", mbid: "mbid-hurt" }] });
    expect(resultIds(reply)).toEqual(["mf-2"]);
  });

  test("falls back to mbid for an unknown id", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ id: "gone", name: "x", mbid: "mbid-hurt" }] });
    expect(resultIds(reply)).toEqual(["mf-1"]);
  });

  test("matches by isrc ignoring case", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ name: "x", isrc: "usum70300001" }] });
    expect(resultIds(reply)).toEqual(["mf-1"]);
  });

  test("matches title and artist ignoring case", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ name: "HURT", artist: "nine inch nails" }] });
    expect(resultIds(reply)).toEqual(["mf-2"]);
  });

  test("artists list takes precedence over artist", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ name: "Hurt", artist: "Johnny Cash", artists: [{ name: "Trent Reznor" }] }] });
    expect(resultIds(reply)).toEqual(["mf-2"]);
  });

  test("title without artist takes the first track", () => {
    expect(resultIds(call(matcher(), "matcher_matchsongs", { songs: [{ name: "hurt" }] }))).toEqual(["mf-1"]);
  });

  test("title with another artist does not match", () => {
    expect(resultIds(call(matcher(), "matcher_matchsongs", { songs: [{ name: "Hurt", artist: "Leona Lewis" }] }))).toEqual([null]);
  });

  test("skips missing tracks", () => {
    expect(resultIds(call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-3", name: "Lost Song" }] }))).toEqual([null]);
  });

  test("skips disallowed libraries", () => {
    const songs = [{ id: "mf-4", name: "Elsewhere" }];
    expect(resultIds(call(matcher(), "matcher_matchsongs", { songs }))).toEqual(["mf-4"]);
    expect(resultIds(call(matcher({ allowedLibraries: [1] }), "matcher_matchsongs", { songs }))).toEqual([null]);
  });

  test("empty song list replies {}", () => {
    expect(call(matcher(), "matcher_matchsongs", { songs: [] })).toEqual({});
  });

  test("omits path without filesystem", () => {
    const [result] = call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-1", name: "" }] })["results"] as Array<Record<string, unknown>>;
    expect(result).not.toHaveProperty("path");
  });

  test("keeps path with filesystem", () => {
    const [result] = call(matcher({}, true), "matcher_matchsongs", { songs: [{ id: "mf-1", name: "" }] })["results"] as Array<Record<string, unknown>>;
    expect(result).toHaveProperty("path", "/srv/music/cash/hurt.flac");
  });

  test("omits annotations without username", () => {
    const [result] = call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-1", name: "" }] })["results"] as Array<Record<string, unknown>>;
    for (const key of ["starred", "starredAt", "rating", "playCount", "playDate"]) expect(result).not.toHaveProperty(key);
  });

  test("keeps annotations with username", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-1", name: "" }], opts: { username: "ALICE" } });
    const [result] = reply["results"] as Array<Record<string, unknown>>;
    expect(result).toMatchObject({ starred: true, starredAt: 1_700_000_000, rating: 5, playCount: 12, playDate: 0 });
  });

  test("writes tracks as Navidrome does", () => {
    const [result] = call(matcher(), "matcher_matchsongs", { songs: [{ id: "mf-1", name: "" }] })["results"] as Array<Record<string, unknown>>;

    // Keys without omitempty stay at their zero values.
    expect(result).toMatchObject({ trackNumber: 0, missing: false, averageRating: 0, album: "American IV" });
    // Pointer keys keep a set 0.
    expect(result).toHaveProperty("bpm", 0);
    // omitempty keys drop empty values.
    expect(result).not.toHaveProperty("comment");
  });

  test("unknown username fails", () => {
    const request = { songs: [{ name: "Hurt" }], opts: { username: "mallory" } };
    expect(callError(matcher(), "matcher_matchsongs", request)).toBe('matcher: user "mallory" not found');
  });

  test("disallowed username fails", () => {
    const request = { songs: [{ name: "Hurt" }], opts: { username: "bob" } };
    expect(callError(matcher({ allowedUsers: ["alice"] }), "matcher_matchsongs", request)).toBe('matcher: plugin is not allowed to act as user "bob"');
  });

  test("username without allowed users fails", () => {
    const request = { songs: [{ name: "Hurt" }], opts: { username: "alice" } };
    expect(callError(matcher({ allowedUsers: [] }), "matcher_matchsongs", request)).toBe("matcher: plugin is not authorized to scope by user");
  });

  test("accepts null opts and artists as Go clients send them", () => {
    const reply = call(matcher(), "matcher_matchsongs", { songs: [{ name: "Hurt", artists: null, artist: "Johnny Cash" }], opts: null });
    expect(resultIds(reply)).toEqual(["mf-1"]);
  });

  test("rejects songs of the wrong type", () => {
    expect(callError(matcher(), "matcher_matchsongs", { songs: "Hurt" })).toContain('field "songs"');
  });

  test("records calls", () => {
    const service = matcher();
    call(service, "matcher_matchsongs", { songs: [{ id: "mf-1", name: "Hurt" }, { name: "nothing" }], opts: { username: "alice" } });

    expect(service.calls()).toEqual([
      {
        songs: [
          { id: "mf-1", name: "Hurt", mbid: "", isrc: "", artistNames: [] },
          { id: "", name: "nothing", mbid: "", isrc: "", artistNames: [] },
        ],
        username: "alice",
        matchedIds: ["mf-1", undefined],
      },
    ]);
  });
});
