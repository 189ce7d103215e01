/**
 * Request documents shaped like the JSON Navidrome sends to plugin exports: camelCase keys, Go's
 * `null` for empty slices, optional keys left out, and keys the PDK does not know about.
 */

import type { FakeExtism } from "@nd/testing";

import type { ExportFunction } from "../src/index.js";

export const milesDavis = {
  id: "3c2b1e0f9a8d7c6b5a4f3e2d1c0b9a8f",
  name: "Miles Davis",
  mbid: "561d854a-6a28-4aa7-8c99-323e6ce46c2a",
  sortName: "Davis, Miles",
  role: "artist",
};

export const track = {
  id: "9f1e2d3c4b5a69788796a5b4c3d2e1f0",
  title: "Blue in Green",
  album: "Kind of Blue",
  artist: "Miles Davis",
  albumArtist: "Miles Davis",
  artists: [milesDavis],
  albumArtists: [milesDavis],
  duration: 337.5,
  trackNumber: 3,
  discNumber: 1,
  mbzRecordingId: "f2a7a0d4-6a6c-4b73-9d3e-0e2f7d2c1b6a",
  mbzAlbumId: "8e8a594a-1b2c-4d3e-9f40-5a6b7c8d9e0f",
  mbzReleaseGroupId: "1b2c3d4e-5f60-4718-92a3-b4c5d6e7f809",
  mbzReleaseTrackId: "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d",
  libraryId: 1,
  path: "Miles Davis/Kind of Blue/03 - Blue in Green.flac",
};

export const scrobbleRequest = {
  username: "alice",
  track,
  timestamp: 1700000000,
};

export const nowPlayingRequest = {
  username: "alice",
  track,
  position: 12,
};

export const playbackReportRequest = {
  username: "alice",
  track,
  state: "playing",
  positionMs: 61250,
  playbackRate: 1,
  playerId: "c0ffee00-1234-4abc-9def-000000000001",
  playerName: "Feishin",
  timestamp: 1700000061,
};

export const artistRequest = {
  id: "3c2b1e0f9a8d7c6b5a4f3e2d1c0b9a8f",
  name: "Miles Davis",
  mbid: "561d854a-6a28-4aa7-8c99-323e6ce46c2a",
};

export const songRef = {
  id: "9f1e2d3c4b5a69788796a5b4c3d2e1f0",
  name: "Blue in Green",
  mbid: "f2a7a0d4-6a6c-4b73-9d3e-0e2f7d2c1b6a",
  isrc: "USSM15900113",
  artists: [{ name: "Miles Davis", mbid: "561d854a-6a28-4aa7-8c99-323e6ce46c2a" }],
  album: "Kind of Blue",
  albumMbid: "8e8a594a-1b2c-4d3e-9f40-5a6b7c8d9e0f",
  duration: 337.5,
  durationMs: 337500,
};

/**
 * Sets `input` as the call input and calls the export, as Navidrome does. A string is sent as it
 * is, and anything else as its JSON text.
 */
export function callExport(fake: FakeExtism, exportFunction: ExportFunction | undefined, input: unknown = ""): number {
  if (exportFunction === undefined) throw new Error("the plugin has no such export");
  fake.startCall(typeof input === "string" ? input : JSON.stringify(input));
  return exportFunction();
}

/** Calls `action` and returns the Error it threw. Fails when it returns normally or throws a non-Error. */
export function errorThrownBy(action: () => unknown): Error {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  if (thrown === undefined) throw new Error("expected the call to throw, but it returned normally");
  if (!(thrown instanceof Error)) throw new Error(`expected an Error to be thrown, but received ${String(thrown)}`);
  return thrown;
}
