import { createNavidrome } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json";
import plugin from "../src/index.js";

/** Loads the plugin into a fresh simulated Navidrome, which checks manifest.json as Navidrome does. */
function loadPlugin() {
  return createNavidrome({ manifest }).load(plugin);
}

// nd-pdk:begin scrobbler lyrics
const track = {
  id: "track-1",
  title: "Blue in Green",
  album: "Kind of Blue",
  artist: "Miles Davis",
  albumArtist: "Miles Davis",
  artists: [{ name: "Miles Davis" }],
  albumArtists: [{ name: "Miles Davis" }],
  duration: 337,
  trackNumber: 3,
  discNumber: 1,
};

// nd-pdk:end scrobbler lyrics
// nd-pdk:begin metadataAgent
describe("metadataAgent", () => {
  test("getArtistBiography has no data", () => {
    const result = loadPlugin().metadataAgent.getArtistBiography({ id: "artist-1", name: "Miles Davis" });

    expect(result).toEqual({ kind: "no-data" });
  });

  test("getSimilarArtists has no data", () => {
    const result = loadPlugin().metadataAgent.getSimilarArtists({ id: "artist-1", name: "Miles Davis", limit: 10 });

    expect(result).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end metadataAgent
// nd-pdk:begin scrobbler
describe("scrobbler", () => {
  test("isAuthorized returns false", () => {
    const result = loadPlugin().scrobbler.isAuthorized({ username: "alice" });

    expect(result).toMatchObject({ kind: "output", value: false });
  });

  test("nowPlaying succeeds", () => {
    const result = loadPlugin().scrobbler.nowPlaying({ username: "alice", track, position: 0 });

    expect(result).toEqual({ kind: "no-data" });
  });

  test("scrobble succeeds", () => {
    const result = loadPlugin().scrobbler.scrobble({ username: "alice", track, timestamp: 1_700_000_000 });

    expect(result).toEqual({ kind: "no-data" });
  });

  test("playbackReport succeeds", () => {
    const result = loadPlugin().scrobbler.playbackReport({
      username: "alice",
      track,
      state: "playing",
      positionMs: 0,
      playbackRate: 1,
      playerId: "player-1",
      playerName: "Web player",
      timestamp: 1_700_000_000,
    });

    expect(result).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end scrobbler
// nd-pdk:begin lyrics
describe("lyrics", () => {
  test("getLyrics returns no lyrics", () => {
    const result = loadPlugin().lyrics.getLyrics({ track });

    expect(result).toMatchObject({ kind: "output", value: { lyrics: [] } });
  });
});

// nd-pdk:end lyrics
// nd-pdk:begin sonicSimilarity
describe("sonicSimilarity", () => {
  test("getSonicSimilarTracks returns no matches", () => {
    const result = loadPlugin().sonicSimilarity.getSonicSimilarTracks({ song: { name: "Blue in Green" }, count: 10 });

    expect(result).toMatchObject({ kind: "output", value: { matches: [] } });
  });

  test("findSonicPath returns no matches", () => {
    const result = loadPlugin().sonicSimilarity.findSonicPath({ startSong: { name: "So What" }, endSong: { name: "Blue in Green" }, count: 10 });

    expect(result).toMatchObject({ kind: "output", value: { matches: [] } });
  });
});

// nd-pdk:end sonicSimilarity
// nd-pdk:begin lifecycle
describe("lifecycle", () => {
  test("onInit succeeds", () => {
    const result = loadPlugin().lifecycle.onInit();

    expect(result).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end lifecycle
// nd-pdk:begin scheduler
describe("scheduler", () => {
  test("onCallback succeeds", () => {
    const result = loadPlugin().scheduler.onCallback({ scheduleId: "daily-sync", payload: "", isRecurring: true });

    expect(result).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end scheduler
// nd-pdk:begin taskWorker
describe("taskWorker", () => {
  test("onTaskExecute succeeds without a message", () => {
    const result = loadPlugin().taskWorker.onTaskExecute({ queueName: "sync", taskId: "task-1", payload: new Uint8Array(), attempt: 1 });

    expect(result).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end taskWorker
// nd-pdk:begin websocket
describe("websocket", () => {
  test("every event succeeds", () => {
    const loaded = loadPlugin();

    expect(loaded.websocket.onTextMessage({ connectionId: "conn-1", message: "hello" })).toEqual({ kind: "no-data" });
    expect(loaded.websocket.onBinaryMessage({ connectionId: "conn-1", data: new Uint8Array([1, 2]) })).toEqual({ kind: "no-data" });
    expect(loaded.websocket.onError({ connectionId: "conn-1", error: "connection reset" })).toEqual({ kind: "no-data" });
    expect(loaded.websocket.onClose({ connectionId: "conn-1", code: 1000, reason: "" })).toEqual({ kind: "no-data" });
  });
});

// nd-pdk:end websocket
