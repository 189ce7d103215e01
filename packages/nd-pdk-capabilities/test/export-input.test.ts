import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { NdPdkError, WireFormatError } from "@nd/pdk-types";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import { definePlugin } from "../src/index.js";
import {
  artistRequest,
  callExport,
  errorThrownBy,
  milesDavis,
  nowPlayingRequest,
  playbackReportRequest,
  scrobbleRequest,
  songRef,
  track,
} from "./navidrome-requests.js";

let fake: FakeExtism;

beforeEach(() => {
  fake = installFakeExtism();
});

afterEach(() => {
  fake.uninstall();
});

function scrobblerWith(overrides: Record<string, (request: never) => unknown>) {
  return definePlugin({
    scrobbler: {
      isAuthorized: vi.fn(() => true),
      nowPlaying: vi.fn(),
      scrobble: vi.fn(),
      playbackReport: vi.fn(),
      ...overrides,
    },
  });
}

describe("export input decoding", () => {
  test("scrobble request with artists and MusicBrainz IDs", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });

    const code = callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest);

    expect(code).toBe(0);
    expect(scrobble).toHaveBeenCalledTimes(1);
    expect(scrobble).toHaveBeenCalledWith(scrobbleRequest);
  });

  test("track without optional keys", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const { mbzRecordingId: _1, mbzAlbumId: _2, mbzReleaseGroupId: _3, mbzReleaseTrackId: _4, libraryId: _5, path: _6, ...minimal } = track;

    callExport(fake, plugin.nd_scrobbler_scrobble, { ...scrobbleRequest, track: minimal });

    const request = scrobble.mock.calls[0]?.[0] as Record<string, Record<string, unknown>>;
    expect(request["track"]).toEqual(minimal);
    expect(Object.keys(request["track"] ?? {})).not.toContain("mbzRecordingId");
  });

  test("null artist lists become empty arrays", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });

    callExport(fake, plugin.nd_scrobbler_scrobble, { ...scrobbleRequest, track: { ...track, artists: null, albumArtists: null } });

    const request = scrobble.mock.calls[0]?.[0] as { track: { artists: unknown; albumArtists: unknown } };
    expect(request.track.artists).toEqual([]);
    expect(request.track.albumArtists).toEqual([]);
  });

  test("unknown extra keys are dropped", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const input = {
      ...scrobbleRequest,
      clientName: "Feishin",
      track: { ...track, bpm: 120, artists: [{ ...milesDavis, instrument: "trumpet" }] },
    };

    callExport(fake, plugin.nd_scrobbler_scrobble, input);

    expect(scrobble).toHaveBeenCalledWith(scrobbleRequest);
  });

  test("isAuthorized, nowPlaying and playbackReport requests", () => {
    const isAuthorized = vi.fn(() => true);
    const nowPlaying = vi.fn();
    const playbackReport = vi.fn();
    const plugin = scrobblerWith({ isAuthorized, nowPlaying, playbackReport });

    callExport(fake, plugin.nd_scrobbler_is_authorized, { username: "alice" });
    callExport(fake, plugin.nd_scrobbler_now_playing, nowPlayingRequest);
    callExport(fake, plugin.nd_scrobbler_playback_report, playbackReportRequest);

    expect(isAuthorized).toHaveBeenCalledWith({ username: "alice" });
    expect(nowPlaying).toHaveBeenCalledWith(nowPlayingRequest);
    expect(playbackReport).toHaveBeenCalledWith(playbackReportRequest);
  });

  test("metadata agent artist and album requests", () => {
    const getArtistBiography = vi.fn(() => undefined);
    const getSimilarArtists = vi.fn(() => undefined);
    const getAlbumInfo = vi.fn(() => undefined);
    const plugin = definePlugin({ metadataAgent: { getArtistBiography, getSimilarArtists, getAlbumInfo } });
    const albumRequest = { name: "Kind of Blue", artist: "Miles Davis", mbid: "8e8a594a-1b2c-4d3e-9f40-5a6b7c8d9e0f" };

    callExport(fake, plugin.nd_get_artist_biography, artistRequest);
    callExport(fake, plugin.nd_get_similar_artists, { ...artistRequest, limit: 20 });
    callExport(fake, plugin.nd_get_album_info, albumRequest);

    expect(getArtistBiography).toHaveBeenCalledWith(artistRequest);
    expect(getSimilarArtists).toHaveBeenCalledWith({ ...artistRequest, limit: 20 });
    expect(getAlbumInfo).toHaveBeenCalledWith(albumRequest);
  });

  test("metadata agent request without mbid", () => {
    const getArtistUrl = vi.fn(() => undefined);
    const plugin = definePlugin({ metadataAgent: { getArtistUrl } });

    callExport(fake, plugin.nd_get_artist_url, { id: artistRequest.id, name: artistRequest.name });

    expect(getArtistUrl).toHaveBeenCalledWith({ id: artistRequest.id, name: artistRequest.name });
  });

  test("lyrics request", () => {
    const getLyrics = vi.fn(() => undefined);
    const plugin = definePlugin({ lyrics: { getLyrics } });

    callExport(fake, plugin.nd_lyrics_get_lyrics, { track });

    expect(getLyrics).toHaveBeenCalledWith({ track });
  });

  test("sonic similarity requests", () => {
    const getSonicSimilarTracks = vi.fn(() => undefined);
    const findSonicPath = vi.fn(() => undefined);
    const plugin = definePlugin({ sonicSimilarity: { getSonicSimilarTracks, findSonicPath } });
    const endSong = { name: "So What", artists: [{ name: "Miles Davis" }], durationMs: 562000 };

    callExport(fake, plugin.nd_get_sonic_similar_tracks, { song: songRef, count: 10 });
    callExport(fake, plugin.nd_find_sonic_path, { startSong: songRef, endSong, count: 25 });

    expect(getSonicSimilarTracks).toHaveBeenCalledWith({ song: songRef, count: 10 });
    expect(findSonicPath).toHaveBeenCalledWith({ startSong: songRef, endSong, count: 25 });
  });

  test("scheduler callback request", () => {
    const onCallback = vi.fn();
    const plugin = definePlugin({ scheduler: { onCallback } });
    const request = { scheduleId: "daily-sync", payload: '{"full":true}', isRecurring: true };

    callExport(fake, plugin.nd_scheduler_callback, request);

    expect(onCallback).toHaveBeenCalledWith(request);
  });

  test("task payload base64 becomes bytes", () => {
    const onTaskExecute = vi.fn(() => undefined);
    const plugin = definePlugin({ taskWorker: { onTaskExecute } });

    callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-81", payload: "aGVsbG8=", attempt: 2 });

    const request = onTaskExecute.mock.calls[0] as unknown as [{ payload: unknown; attempt: number }];
    expect(request[0].payload).toBeInstanceOf(Uint8Array);
    expect(Array.from(request[0].payload as Uint8Array)).toEqual([104, 101, 108, 108, 111]);
    expect(request[0]).toEqual({ queueName: "imports", taskId: "t-81", payload: Uint8Array.of(104, 101, 108, 108, 111), attempt: 2 });
  });

  test("null task payload becomes empty bytes", () => {
    const onTaskExecute = vi.fn(() => undefined);
    const plugin = definePlugin({ taskWorker: { onTaskExecute } });

    callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-82", payload: null, attempt: 1 });

    const request = onTaskExecute.mock.calls[0] as unknown as [{ payload: unknown }];
    expect(request[0].payload).toEqual(new Uint8Array(0));
  });

  test("websocket binary message becomes bytes", () => {
    const onBinaryMessage = vi.fn();
    const plugin = definePlugin({ websocket: { onBinaryMessage } });

    callExport(fake, plugin.nd_websocket_on_binary_message, { connectionId: "ws-1", data: "AAEC/w==" });

    expect(onBinaryMessage).toHaveBeenCalledWith({ connectionId: "ws-1", data: Uint8Array.of(0, 1, 2, 255) });
  });

  test("websocket text, error and close requests", () => {
    const onTextMessage = vi.fn();
    const onError = vi.fn();
    const onClose = vi.fn();
    const plugin = definePlugin({ websocket: { onTextMessage, onError, onClose } });

    callExport(fake, plugin.nd_websocket_on_text_message, { connectionId: "ws-1", message: '{"op":"ping"}' });
    callExport(fake, plugin.nd_websocket_on_error, { connectionId: "ws-1", error: "unexpected EOF" });
    callExport(fake, plugin.nd_websocket_on_close, { connectionId: "ws-1", code: 1000, reason: "" });

    expect(onTextMessage).toHaveBeenCalledWith({ connectionId: "ws-1", message: '{"op":"ping"}' });
    expect(onError).toHaveBeenCalledWith({ connectionId: "ws-1", error: "unexpected EOF" });
    expect(onClose).toHaveBeenCalledWith({ connectionId: "ws-1", code: 1000, reason: "" });
  });

  test("nd_on_init without input", () => {
    const onInit = vi.fn();
    const plugin = definePlugin({ lifecycle: { onInit } });

    const code = callExport(fake, plugin.nd_on_init, "");

    expect(code).toBe(0);
    expect(onInit).toHaveBeenCalledTimes(1);
    expect(onInit.mock.calls[0]?.[0]).toBeUndefined();
    expect(fake.output).toBeUndefined();
  });

  test("nd_on_init ignores whatever input is set", () => {
    const onInit = vi.fn();
    const plugin = definePlugin({ lifecycle: { onInit } });

    expect(callExport(fake, plugin.nd_on_init, "not json")).toBe(0);
    expect(onInit).toHaveBeenCalledTimes(1);
  });

  test("method is called with its capability object as this", () => {
    const plugin = definePlugin({
      metadataAgent: {
        prefix: "Biography of ",
        getArtistBiography(request) {
          return { biography: this.prefix + request.name };
        },
      } as { prefix: string; getArtistBiography(request: { name: string }): { biography: string } },
    });

    callExport(fake, plugin.nd_get_artist_biography, artistRequest);

    expect(fake.output).toBe('{"biography":"Biography of Miles Davis"}');
  });
});

describe("export bad input", () => {
  test("malformed JSON", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, "{username: alice}"));

    expect(NdPdkError.isInstance(error)).toBe(true);
    expect(error.message).toContain("nd_scrobbler_scrobble");
    expect(error.message).toContain("not valid JSON");
    expect(error.message).toContain("{username: alice}");
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("truncated JSON", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const truncated = JSON.stringify(scrobbleRequest).slice(0, 120);

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, truncated));

    expect(error.message).toContain("nd_scrobbler_scrobble: the input from Navidrome is not valid JSON");
    expect(error.message).toContain(`${truncated.slice(0, 80)}...`);
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("empty input where a request is expected", () => {
    const isAuthorized = vi.fn(() => true);
    const plugin = scrobblerWith({ isAuthorized });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_is_authorized, ""));

    expect(error.message).toContain("nd_scrobbler_is_authorized: the input from Navidrome is not valid JSON");
    expect(isAuthorized).not.toHaveBeenCalled();
    expect(fake.output).toBeUndefined();
  });

  test("missing track in scrobble request", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const { track: _track, ...withoutTrack } = scrobbleRequest;

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, withoutTrack));

    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).path).toBe("track");
    expect(error.message).toContain("nd_scrobbler_scrobble input for scrobbler.scrobble");
    expect(error.message).toContain('at track: expected the key "track" of ScrobbleRequest');
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("missing key inside the track", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const { title: _title, ...withoutTitle } = track;

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, { ...scrobbleRequest, track: withoutTitle }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).path).toBe("track.title");
    expect(error.message).toContain('at track.title: expected the key "title" of TrackInfo');
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("wrong type at a nested path", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const input = { ...scrobbleRequest, track: { ...track, artists: [milesDavis, { name: 42 }] } };

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, input));

    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).path).toBe("track.artists[1].name");
    expect(error.message).toContain("nd_scrobbler_scrobble");
    expect(error.message).toContain("at track.artists[1].name: expected a string, received the number 42");
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("number sent as a string", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, { ...scrobbleRequest, timestamp: "1700000000" }));

    expect(error.message).toContain("at timestamp: expected a number");
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("null for a required string", () => {
    const isAuthorized = vi.fn(() => true);
    const plugin = scrobblerWith({ isAuthorized });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_is_authorized, { username: null }));

    expect(error.message).toContain("at username: expected a string, received null");
    expect(isAuthorized).not.toHaveBeenCalled();
  });

  test("JSON that is not an object", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });

    for (const input of ["[]", '"alice"', "null", "42"]) {
      const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, input));

      expect(error).toBeInstanceOf(WireFormatError);
      expect(error.message).toContain("expected an object (ScrobbleRequest)");
    }
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("invalid base64 in a task payload", () => {
    const onTaskExecute = vi.fn(() => undefined);
    const plugin = definePlugin({ taskWorker: { onTaskExecute } });

    for (const payload of ["aGVsbG8", "aGVs*G8=", "aGVsbG8-_w=="]) {
      const input = { queueName: "imports", taskId: "t-83", payload, attempt: 1 };
      const error = errorThrownBy(() => callExport(fake, plugin.nd_task_execute, input));

      expect(error).toBeInstanceOf(WireFormatError);
      expect(error.message).toContain("nd_task_execute input for taskWorker.onTaskExecute");
      expect(error.message).toContain("at payload: expected standard base64 with padding");
    }
    expect(onTaskExecute).not.toHaveBeenCalled();
  });

  test("int64 beyond 2^53", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    // Written as text because a JavaScript number cannot hold 2^53 + 1.
    const input = JSON.stringify(scrobbleRequest).replace('"timestamp":1700000000', '"timestamp":9007199254740993');

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, input));

    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).path).toBe("timestamp");
    expect(error.message).toContain("nd_scrobbler_scrobble");
    expect(error.message).toContain("at timestamp: expected an integer within ±(2^53 - 1)");
    expect(scrobble).not.toHaveBeenCalled();
  });

  test("int64 at 2^53 - 1 is accepted", () => {
    const scrobble = vi.fn();
    const plugin = scrobblerWith({ scrobble });
    const input = JSON.stringify(scrobbleRequest).replace('"timestamp":1700000000', '"timestamp":9007199254740991');

    callExport(fake, plugin.nd_scrobbler_scrobble, input);

    expect(scrobble).toHaveBeenCalledWith({ ...scrobbleRequest, timestamp: 9007199254740991 });
  });

  test("int32 out of range or fractional", () => {
    const nowPlaying = vi.fn();
    const plugin = scrobblerWith({ nowPlaying });

    for (const position of [2147483648, 1.5]) {
      const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_now_playing, { ...nowPlayingRequest, position }));

      expect(error.message).toContain("at position: expected a 32-bit integer");
    }
    expect(nowPlaying).not.toHaveBeenCalled();
  });

  test("wrong type in a websocket binary message", () => {
    const onBinaryMessage = vi.fn();
    const plugin = definePlugin({ websocket: { onBinaryMessage } });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_websocket_on_binary_message, { connectionId: "ws-1", data: [0, 1, 2] }));

    expect(error.message).toContain("nd_websocket_on_binary_message input for websocket.onBinaryMessage");
    expect(error.message).toContain("at data: expected a base64 string, received an array");
    expect(onBinaryMessage).not.toHaveBeenCalled();
  });

  test("no output after bad input", () => {
    const getArtistBiography = vi.fn(() => ({ biography: "Trumpeter." }));
    const plugin = definePlugin({ metadataAgent: { getArtistBiography } });

    errorThrownBy(() => callExport(fake, plugin.nd_get_artist_biography, { name: "Miles Davis" }));

    expect(getArtistBiography).not.toHaveBeenCalled();
    expect(fake.output).toBeUndefined();
  });
});
