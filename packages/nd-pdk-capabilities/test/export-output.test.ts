import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { WireFormatError } from "@nd/pdk-types";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import type { MetadataAgent, PluginParts } from "../src/index.js";
import { definePlugin } from "../src/index.js";
import { artistRequest, callExport, errorThrownBy, scrobbleRequest, songRef, track } from "./navidrome-requests.js";

let fake: FakeExtism;

beforeEach(() => {
  fake = installFakeExtism();
});

afterEach(() => {
  fake.uninstall();
});

const noop = (): undefined => undefined;

function scrobblerAuthorizing(answer: unknown) {
  return definePlugin({
    scrobbler: { isAuthorized: () => answer as boolean, nowPlaying: noop, scrobble: noop, playbackReport: noop },
  });
}

/** Builds a plugin from a metadata agent whose return values the types would reject. */
function uncheckedAgent(agent: Record<string, () => unknown>) {
  return definePlugin({ metadataAgent: agent as MetadataAgent } as PluginParts) as Record<string, () => number>;
}

describe("export output encoding", () => {
  test("isAuthorized true and false", () => {
    expect(callExport(fake, scrobblerAuthorizing(true).nd_scrobbler_is_authorized, { username: "alice" })).toBe(0);
    expect(fake.output).toBe("true");

    expect(callExport(fake, scrobblerAuthorizing(false).nd_scrobbler_is_authorized, { username: "bob" })).toBe(0);
    expect(fake.output).toBe("false");
  });

  test("artist biography", () => {
    const plugin = definePlugin({
      metadataAgent: { getArtistBiography: ({ name }) => ({ biography: `${name} was an American trumpeter.` }) },
    });

    callExport(fake, plugin.nd_get_artist_biography, artistRequest);

    expect(fake.output).toBe('{"biography":"Miles Davis was an American trumpeter."}');
  });

  test("artist images", () => {
    const plugin = definePlugin({
      metadataAgent: {
        getArtistImages: () => ({
          images: [
            { url: "https://images.example.org/miles-davis/300.jpg", size: 300 },
            { url: "https://images.example.org/miles-davis/1000.jpg", size: 1000 },
          ],
        }),
      },
    });

    callExport(fake, plugin.nd_get_artist_images, artistRequest);

    expect(JSON.parse(fake.output ?? "")).toEqual({
      images: [
        { url: "https://images.example.org/miles-davis/300.jpg", size: 300 },
        { url: "https://images.example.org/miles-davis/1000.jpg", size: 1000 },
      ],
    });
  });

  test("similar artists leave out undefined optional keys", () => {
    const plugin = definePlugin({
      metadataAgent: {
        getSimilarArtists: () => ({
          artists: [
            { name: "John Coltrane", mbid: "b625448e-bf4a-41c3-a421-72ad46cdb831" },
            { name: "Chet Baker", mbid: undefined },
          ],
        }),
      },
    });

    callExport(fake, plugin.nd_get_similar_artists, { ...artistRequest, limit: 2 });

    expect(fake.output).toBe('{"artists":[{"name":"John Coltrane","mbid":"b625448e-bf4a-41c3-a421-72ad46cdb831"},{"name":"Chet Baker"}]}');
  });

  test("album info", () => {
    const plugin = definePlugin({
      metadataAgent: {
        getAlbumInfo: ({ name, mbid }) => ({
          name,
          mbid: mbid ?? "",
          description: "Modal jazz, recorded in 1959.",
          url: "https://music.example.org/album/kind-of-blue",
        }),
      },
    });

    callExport(fake, plugin.nd_get_album_info, { name: "Kind of Blue", artist: "Miles Davis", mbid: "8e8a594a-1b2c-4d3e-9f40-5a6b7c8d9e0f" });

    expect(JSON.parse(fake.output ?? "")).toEqual({
      name: "Kind of Blue",
      mbid: "8e8a594a-1b2c-4d3e-9f40-5a6b7c8d9e0f",
      description: "Modal jazz, recorded in 1959.",
      url: "https://music.example.org/album/kind-of-blue",
    });
  });

  test("top songs as song references", () => {
    const plugin = definePlugin({ metadataAgent: { getArtistTopSongs: () => ({ songs: [songRef, { name: "So What" }] }) } });

    callExport(fake, plugin.nd_get_artist_top_songs, { ...artistRequest, count: 2 });

    expect(JSON.parse(fake.output ?? "")).toEqual({ songs: [songRef, { name: "So What" }] });
  });

  test("keys the response type lacks are dropped", () => {
    const plugin = uncheckedAgent({ getArtistBiography: () => ({ biography: "Trumpeter.", source: "example" }) });

    callExport(fake, plugin["nd_get_artist_biography"], artistRequest);

    expect(fake.output).toBe('{"biography":"Trumpeter."}');
  });

  test("missing array is sent as empty", () => {
    const plugin = uncheckedAgent({ getAlbumImages: () => ({}) });

    callExport(fake, plugin["nd_get_album_images"], { name: "Kind of Blue", artist: "Miles Davis" });

    expect(fake.output).toBe('{"images":[]}');
  });

  test("lyrics with and without language", () => {
    const synced = "[00:05.20]Blue in green\n[00:09.80]...";
    const plugin = definePlugin({
      lyrics: { getLyrics: () => ({ lyrics: [{ lang: "eng", text: synced }, { text: "Instrumental" }] }) },
    });

    callExport(fake, plugin.nd_lyrics_get_lyrics, { track });

    expect(JSON.parse(fake.output ?? "")).toEqual({ lyrics: [{ lang: "eng", text: synced }, { text: "Instrumental" }] });
  });

  test("empty lyrics list", () => {
    const plugin = definePlugin({ lyrics: { getLyrics: () => ({ lyrics: [] }) } });

    callExport(fake, plugin.nd_lyrics_get_lyrics, { track });

    expect(fake.output).toBe('{"lyrics":[]}');
  });

  test("sonic similarity matches", () => {
    const matches = [
      { song: { name: "Flamenco Sketches", artists: [{ name: "Miles Davis" }], durationMs: 565000 }, similarity: 0.93 },
      { song: { name: "Naima", isrc: "USAT20000137" }, similarity: 0.71 },
    ];
    const plugin = definePlugin({
      sonicSimilarity: { getSonicSimilarTracks: () => ({ matches }), findSonicPath: () => ({ matches: [] }) },
    });

    callExport(fake, plugin.nd_get_sonic_similar_tracks, { song: songRef, count: 2 });

    expect(JSON.parse(fake.output ?? "")).toEqual({ matches });
  });

  test("task worker result is a JSON string", () => {
    const plugin = definePlugin({ taskWorker: { onTaskExecute: ({ payload }) => `imported ${payload.length} bytes` } });

    callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-90", payload: "aGVsbG8=", attempt: 1 });

    expect(fake.output).toBe('"imported 5 bytes"');
  });

  test("task worker result with quotes and newlines", () => {
    const message = 'line 1\nsaid "done"';
    const plugin = definePlugin({ taskWorker: { onTaskExecute: () => message } });

    callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-91", payload: "", attempt: 1 });

    expect(fake.output).toBe(JSON.stringify(message));
  });

  test("empty task worker result is an empty JSON string", () => {
    const plugin = definePlugin({ taskWorker: { onTaskExecute: () => "" } });

    callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-92", payload: "", attempt: 1 });

    expect(fake.output).toBe('""');
  });
});

describe("export without data", () => {
  test("undefined from a metadata method", () => {
    const plugin = definePlugin({ metadataAgent: { getArtistBiography: () => undefined } });

    expect(callExport(fake, plugin.nd_get_artist_biography, artistRequest)).toBe(0);
    expect(fake.output).toBeUndefined();
  });

  test("null from a metadata method", () => {
    const plugin = uncheckedAgent({ getArtistBiography: () => null });

    expect(callExport(fake, plugin["nd_get_artist_biography"], artistRequest)).toBe(0);
    expect(fake.output).toBeUndefined();
  });

  test("undefined and null from isAuthorized", () => {
    for (const answer of [undefined, null]) {
      expect(callExport(fake, scrobblerAuthorizing(answer).nd_scrobbler_is_authorized, { username: "alice" })).toBe(0);
      expect(fake.output).toBeUndefined();
    }
  });

  test("undefined from the task worker", () => {
    const plugin = definePlugin({ taskWorker: { onTaskExecute: () => undefined } });

    expect(callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-93", payload: "", attempt: 1 })).toBe(0);
    expect(fake.output).toBeUndefined();
  });

  test("value from a method without output is ignored", () => {
    const plugin = definePlugin({
      scrobbler: { isAuthorized: () => true, nowPlaying: noop, scrobble: (() => "sent") as unknown as () => undefined, playbackReport: noop },
    });

    expect(callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest)).toBe(0);
    expect(fake.output).toBeUndefined();
  });

  test("output of the previous call does not carry over", () => {
    let answer: ReturnType<NonNullable<MetadataAgent["getArtistBiography"]>> = { biography: "Trumpeter." };
    const plugin = definePlugin({ metadataAgent: { getArtistBiography: () => answer } });

    callExport(fake, plugin.nd_get_artist_biography, artistRequest);
    expect(fake.output).toBe('{"biography":"Trumpeter."}');

    answer = undefined;
    callExport(fake, plugin.nd_get_artist_biography, artistRequest);
    expect(fake.output).toBeUndefined();
  });
});

describe("export output that JSON cannot encode", () => {
  test("bigint in an int32 field", () => {
    const plugin = uncheckedAgent({ getArtistImages: () => ({ images: [{ url: "https://images.example.org/a.jpg", size: 300n }] }) });

    const error = errorThrownBy(() => callExport(fake, plugin["nd_get_artist_images"], artistRequest));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("the value returned by metadataAgent.getArtistImages");
    expect(error.message).toContain("at images[0].size: expected a number, received the bigint 300n");
    expect(fake.output).toBeUndefined();
  });

  test("NaN in a float field", () => {
    const plugin = definePlugin({
      sonicSimilarity: {
        getSonicSimilarTracks: () => ({ matches: [{ song: { name: "Naima" }, similarity: Number.NaN }] }),
        findSonicPath: () => undefined,
      },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_get_sonic_similar_tracks, { song: songRef, count: 1 }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("the value returned by sonicSimilarity.getSonicSimilarTracks");
    expect(error.message).toContain("at matches[0].similarity: expected a finite number, received the number NaN");
    expect(fake.output).toBeUndefined();
  });

  test("Infinity in a float field", () => {
    const plugin = definePlugin({
      sonicSimilarity: {
        getSonicSimilarTracks: () => undefined,
        findSonicPath: () => ({ matches: [{ song: { name: "Naima" }, similarity: Number.POSITIVE_INFINITY }] }),
      },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_find_sonic_path, { startSong: songRef, endSong: songRef, count: 1 }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("sonicSimilarity.findSonicPath");
    expect(fake.output).toBeUndefined();
  });

  test("fraction in an int32 field", () => {
    const plugin = definePlugin({ metadataAgent: { getArtistImages: () => ({ images: [{ url: "https://images.example.org/a.jpg", size: 300.5 }] }) } });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_get_artist_images, artistRequest));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("metadataAgent.getArtistImages");
    expect(error.message).toContain("at images[0].size: expected a 32-bit integer, received the number 300.5");
    expect(fake.output).toBeUndefined();
  });

  test("string where a number is required", () => {
    const plugin = uncheckedAgent({ getArtistImages: () => ({ images: [{ url: "https://images.example.org/a.jpg", size: "300" }] }) });

    const error = errorThrownBy(() => callExport(fake, plugin["nd_get_artist_images"], artistRequest));

    expect(error).toBeInstanceOf(WireFormatError);
    expect((error as WireFormatError).path).toBe("images[0].size");
    expect(error.message).toContain('expected a number, received a string "300"');
    expect(fake.output).toBeUndefined();
  });

  test("missing required key", () => {
    const plugin = uncheckedAgent({ getAlbumInfo: () => ({ name: "Kind of Blue", description: "", url: "" }) });

    const error = errorThrownBy(() => callExport(fake, plugin["nd_get_album_info"], { name: "Kind of Blue", artist: "Miles Davis" }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("metadataAgent.getAlbumInfo");
    expect((error as WireFormatError).path).toBe("mbid");
    expect(error.message).toContain('the key "mbid" of AlbumInfoResponse');
    expect(fake.output).toBeUndefined();
  });

  test("non-boolean from isAuthorized", () => {
    const error = errorThrownBy(() => callExport(fake, scrobblerAuthorizing("yes").nd_scrobbler_is_authorized, { username: "alice" }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("the value returned by scrobbler.isAuthorized");
    expect(error.message).toContain('expected a boolean, received a string "yes"');
    expect(fake.output).toBeUndefined();
  });

  test("non-string from the task worker", () => {
    const plugin = definePlugin({ taskWorker: { onTaskExecute: (() => 42) as unknown as () => string } });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_task_execute, { queueName: "imports", taskId: "t-94", payload: "", attempt: 1 }));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("the value returned by taskWorker.onTaskExecute");
    expect(fake.output).toBeUndefined();
  });

  test("response that is not an object", () => {
    const plugin = uncheckedAgent({ getArtistBiography: () => "Trumpeter." });

    const error = errorThrownBy(() => callExport(fake, plugin["nd_get_artist_biography"], artistRequest));

    expect(error).toBeInstanceOf(WireFormatError);
    expect(error.message).toContain("expected an object (ArtistBiographyResponse)");
    expect(fake.output).toBeUndefined();
  });
});
