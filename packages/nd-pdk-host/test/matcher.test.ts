import type { Track } from "@nd/pdk-types";
import { describe, expect, test } from "vitest";

import { matcher } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

// A track with only the keys the schema requires.
const soWhat: Track = {
  id: "mf-1",
  libraryId: 1,
  missing: false,
  title: "So What",
  album: "Kind of Blue",
  artist: "Miles Davis",
  trackNumber: 1,
  discNumber: 1,
  year: 1959,
  originalYear: 1959,
  releaseYear: 1997,
  size: 22817311,
  duration: 562.4,
  bitRate: 320,
  sampleRate: 44100,
  channels: 2,
  compilation: false,
  hasCoverArt: true,
  birthTime: 1600000000,
  createdAt: 1600000001,
  updatedAt: 1600000002,
  averageRating: 0,
};

// A track with optional, nullable, map and array keys, including those set only for a named user.
const blueInGreen: Track = {
  ...soWhat,
  id: "mf-3",
  title: "Blue in Green",
  trackNumber: 3,
  libraryName: "Music",
  genres: ["Jazz", "Modal jazz"],
  bitDepth: 16,
  rgAlbumGain: 0,
  rgTrackGain: -6.5,
  starred: true,
  starredAt: 1700000000,
  rating: 5,
  playCount: 12,
  tags: { genre: ["Jazz", "Modal jazz"], label: ["Columbia"] },
  participants: [
    { id: "ar-1", name: "Miles Davis", role: "artist" },
    { name: "Bill Evans", role: "performer", subRole: "piano" },
  ],
};

describe("matcher.matchSongs", () => {
  test("leaves out opts not given", () => {
    expect(requestOf("matcher_matchsongs", () => matcher.matchSongs([{ name: "So What" }]))).toBe('{"songs":[{"name":"So What"}]}');
  });

  test("sends an empty song list", () => {
    expect(requestOf("matcher_matchsongs", () => matcher.matchSongs([]))).toBe('{"songs":[]}');
  });

  test("sends every SongRef key in schema order", () => {
    const song = {
      durationMs: 562400,
      duration: 562.4,
      albumMbid: "album-mbid",
      album: "Kind of Blue",
      artists: [{ name: "Miles Davis", mbid: "artist-mbid" }],
      isrc: "USSM15900113",
      mbid: "recording-mbid",
      name: "So What",
      id: "mf-1",
    };

    const request = requestOf("matcher_matchsongs", () => matcher.matchSongs([song]));

    expect(request).toBe(
      '{"songs":[{"id":"mf-1","name":"So What","mbid":"recording-mbid","isrc":"USSM15900113",' +
        '"artists":[{"name":"Miles Davis","mbid":"artist-mbid"}],"album":"Kind of Blue",' +
        '"albumMbid":"album-mbid","duration":562.4,"durationMs":562400}]}',
    );
  });

  test.each([
    [{ username: "alice" }, '{"songs":[{"name":"So What"}],"opts":{"username":"alice"}}'],
    [{}, '{"songs":[{"name":"So What"}],"opts":{}}'],
  ])("sends opts %j when given", (opts, expected) => {
    expect(requestOf("matcher_matchsongs", () => matcher.matchSongs([{ name: "So What" }], opts))).toBe(expected);
  });

  test("unmatched songs give undefined entries", () => {
    const reply = JSON.stringify({ results: [soWhat, null, blueInGreen] });

    const results = resultOf("matcher_matchsongs", reply, () =>
      matcher.matchSongs([{ name: "So What" }, { name: "Unknown" }, { name: "Blue in Green" }]),
    );

    expect(results).toHaveLength(3);
    expect(results[0]).toStrictEqual(soWhat);
    expect(results[1]).toBeUndefined();
    expect(results[2]).toStrictEqual(blueInGreen);
  });

  test("null nullable keys of a track are left out", () => {
    const reply = JSON.stringify({ results: [{ ...soWhat, bitDepth: null, bpm: null, rgTrackPeak: null, playDate: null }] });

    const results = resultOf("matcher_matchsongs", reply, () => matcher.matchSongs([{ name: "So What" }]));

    expect(results).toStrictEqual([soWhat]);
  });

  test("null genres, tags and participants give empty values", () => {
    const reply = JSON.stringify({ results: [{ ...soWhat, genres: null, tags: null, participants: null }] });

    const results = resultOf("matcher_matchsongs", reply, () => matcher.matchSongs([{ name: "So What" }]));

    expect(results).toStrictEqual([{ ...soWhat, genres: [], tags: {}, participants: [] }]);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"results":null}'],
  ])("%s results give an empty array", (_label, reply) => {
    expect(resultOf("matcher_matchsongs", reply, () => matcher.matchSongs([]))).toEqual([]);
  });

  testFailedCalls({
    service: "matcher",
    name: "matchSongs",
    importName: "matcher_matchsongs",
    call: () => matcher.matchSongs([{ name: "So What" }]),
  });
});
