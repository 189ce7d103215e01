import { readFileSync } from "node:fs";

import type { TrackInfo } from "@nd/pdk";
import type { HttpHandler, HttpRequestInfo, HttpResponseInfo, LoadedPlugin, Navidrome } from "@nd/pdk-simulator";
import { createNavidrome, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

const BASE_URL = "https://lyrics.example.com/api/v1";
const API_KEY = "lk_live_4f9a2c7e81b3d605";
const SETTINGS = { baseUrl: BASE_URL, apiKey: API_KEY };
const MINUTE_MS = 60 * 1000;

const LANTERNS: TrackInfo = {
  id: "mf-7c41d2",
  title: "Lanterns on the Water",
  album: "Low Tide Letters",
  artist: "The Hollow Pines • Ines Calder",
  albumArtist: "The Hollow Pines",
  artists: [
    { id: "ar-31", name: "The Hollow Pines" },
    { id: "ar-58", name: "Ines Calder" },
  ],
  albumArtists: [{ id: "ar-31", name: "The Hollow Pines" }],
  duration: 227.43,
  trackNumber: 3,
  discNumber: 1,
  mbzRecordingId: "5d8e1f3a-92c4-4b6e-a017-c3f4e2b9d861",
};

const NIGHT_SHIFT: TrackInfo = {
  id: "mf-0a93e5",
  title: "Night Shift Radio",
  album: "Mile Markers",
  artist: "Mara Vey",
  albumArtist: "Mara Vey",
  artists: [],
  albumArtists: [],
  duration: 198.1,
  trackNumber: 7,
  discNumber: 1,
};

const INTERLUDE: TrackInfo = { ...NIGHT_SHIFT, id: "mf-1b22f0", title: "Interlude (Fog)", album: "Low Tide Letters", artist: "Quiet Harbour", duration: 94 };

function fixture(name: string): string {
  return readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");
}

function json(name: string, status = 200, headers: Record<string, string> = {}): HttpResponseInfo {
  return { status, headers: { "content-type": "application/json; charset=utf-8", ...headers }, body: fixture(name) };
}

/**
 * Simulates a lyrics API at BASE_URL. It checks the bearer token, returns the response listed in
 * `songs` for the track title, and returns 404 for other titles.
 */
function lyricsApi(songs: Readonly<Record<string, HttpResponseInfo>>): HttpHandler {
  return (request) => {
    const url = new URL(request.url);
    if (url.origin + url.pathname !== `${BASE_URL}/lyrics`) throw new Error(`dial tcp ${url.host}:443: connect: connection refused`);
    if (request.headers["Authorization"] !== `Bearer ${API_KEY}`) return json("unauthorized.json", 401);
    return songs[url.searchParams.get("title") ?? ""] ?? json("not-found.json", 404);
  };
}

const CATALOG = {
  "Lanterns on the Water": json("lyrics-lanterns.json"),
  "Night Shift Radio": json("lyrics-synced-only.json"),
  "Interlude (Fog)": json("lyrics-instrumental.json"),
};

interface Started {
  navidrome: Navidrome;
  plugin: LoadedPlugin;
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (config: Record<string, string>, http: HttpHandler) => Promise<Started>][] = [
  [
    "in-process",
    async (config, http) => {
      const navidrome = createNavidrome({ manifest, config, http });
      return { navidrome, plugin: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (config, http) => {
      const navidrome = createNavidrome({ manifest, config, http });
      return { navidrome, plugin: await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)) };
    },
  ],
  [
    "Extism wasm",
    async (config, http) => {
      const navidrome = createNavidrome({ manifest, config, http });
      return { navidrome, plugin: await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)) };
    },
  ],
];

function lastRequest(navidrome: Navidrome): HttpRequestInfo {
  const requests = navidrome.services.http.requests();
  expect(requests.length).toBeGreaterThan(0);
  return requests[requests.length - 1] as HttpRequestInfo;
}

function errorMessage(outcome: { kind: string; message?: string }): string {
  expect(outcome.kind).toBe("error");
  return outcome.message ?? "";
}

describe.each(runtimes)("lyrics-provider (%s)", (_runtime, start) => {
  describe("lyrics", () => {
    test("returns synced and plain text per language", async () => {
      const { plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      const outcome = plugin.lyrics.getLyrics({ track: LANTERNS });

      expect(outcome.kind).toBe("output");
      const lyrics = outcome.kind === "output" ? outcome.value.lyrics : [];
      expect(lyrics.map((version) => version.lang)).toEqual(["eng", "eng", "spa"]);
      expect(lyrics[0]?.text).toMatch(/^\[ar:The Hollow Pines\]\n/);
      expect(lyrics[0]?.text).toContain("[00:14.20]We lit the lanterns at the edge of town");
      expect(lyrics[1]?.text).toMatch(/^We lit the lanterns at the edge of town\nAnd let the river/);
      expect(lyrics[2]?.text).toMatch(/^Encendimos los faroles al borde del pueblo/);
    });

    test("describes the track in the request", async () => {
      const { navidrome, plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      plugin.lyrics.getLyrics({ track: LANTERNS });

      const request = lastRequest(navidrome);
      const url = new URL(request.url);
      expect(url.origin + url.pathname).toBe(`${BASE_URL}/lyrics`);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        artist: "The Hollow Pines",
        title: "Lanterns on the Water",
        album: "Low Tide Letters",
        duration: "227",
        recording_mbid: "5d8e1f3a-92c4-4b6e-a017-c3f4e2b9d861",
      });
      expect(request.headers["Authorization"]).toBe(`Bearer ${API_KEY}`);
      expect(request.headers["Accept"]).toBe("application/json");
    });

    test("uses the display artist without artist list", async () => {
      const { navidrome, plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      plugin.lyrics.getLyrics({ track: NIGHT_SHIFT });

      const params = new URL(lastRequest(navidrome).url).searchParams;
      expect(params.get("artist")).toBe("Mara Vey");
      expect(params.has("recording_mbid")).toBe(false);
    });

    test("leaves out an unknown language", async () => {
      const { plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      const outcome = plugin.lyrics.getLyrics({ track: NIGHT_SHIFT });

      expect(outcome.kind === "output" ? outcome.value.lyrics : []).toEqual([
        { text: expect.stringMatching(/^\[00:08\.00\]Static on the radio/) as unknown as string },
      ]);
      expect(outcome.kind === "output" ? outcome.output : "").not.toContain('"lang"');
    });

    test("accepts a base URL with a trailing slash", async () => {
      const { navidrome, plugin } = await start({ ...SETTINGS, baseUrl: `${BASE_URL}/` }, lyricsApi(CATALOG));

      expect(plugin.lyrics.getLyrics({ track: LANTERNS }).kind).toBe("output");
      expect(lastRequest(navidrome).url.startsWith(`${BASE_URL}/lyrics?`)).toBe(true);
    });
  });

  describe("no lyrics", () => {
    test("for a track the API does not know", async () => {
      const { plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      const outcome = plugin.lyrics.getLyrics({ track: { ...NIGHT_SHIFT, title: "Unreleased Demo 4" } });

      expect(outcome).toMatchObject({ kind: "output", value: { lyrics: [] } });
    });

    test("for an instrumental", async () => {
      const { plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      expect(plugin.lyrics.getLyrics({ track: INTERLUDE })).toMatchObject({ kind: "output", value: { lyrics: [] } });
    });
  });

  describe("cache", () => {
    test("serves a replay from the cache", async () => {
      const { navidrome, plugin } = await start(SETTINGS, lyricsApi(CATALOG));

      const first = plugin.lyrics.getLyrics({ track: LANTERNS });
      const second = plugin.lyrics.getLyrics({ track: LANTERNS });

      expect(second).toEqual(first);
      expect(navidrome.services.http.requests()).toHaveLength(1);
      const [entry] = navidrome.services.cache.entries().values();
      expect(entry?.expiresAt).toBe(navidrome.clock.now() + 1440 * MINUTE_MS);
    });

    test("remembers a track without lyrics", async () => {
      const { navidrome, plugin } = await start(SETTINGS, lyricsApi(CATALOG));
      const demo = { ...NIGHT_SHIFT, title: "Unreleased Demo 4" };

      plugin.lyrics.getLyrics({ track: demo });
      plugin.lyrics.getLyrics({ track: demo });

      expect(navidrome.services.http.requests()).toHaveLength(1);
    });

    test("asks again after the configured time", async () => {
      const { navidrome, plugin } = await start({ ...SETTINGS, cacheMinutes: "30" }, lyricsApi(CATALOG));

      plugin.lyrics.getLyrics({ track: LANTERNS });
      navidrome.advance(30 * MINUTE_MS - 1);
      plugin.lyrics.getLyrics({ track: LANTERNS });
      expect(navidrome.services.http.requests()).toHaveLength(1);

      navidrome.advance(1);
      plugin.lyrics.getLyrics({ track: LANTERNS });
      expect(navidrome.services.http.requests()).toHaveLength(2);
    });

    test("stays off with a lifetime of 0", async () => {
      const { navidrome, plugin } = await start({ ...SETTINGS, cacheMinutes: "0" }, lyricsApi(CATALOG));

      plugin.lyrics.getLyrics({ track: LANTERNS });
      plugin.lyrics.getLyrics({ track: LANTERNS });

      expect(navidrome.services.http.requests()).toHaveLength(2);
      expect(navidrome.services.cache.entries().size).toBe(0);
    });

    test("keeps no entry after a failure", async () => {
      let down = true;
      const api = lyricsApi(CATALOG);
      const { navidrome, plugin } = await start(SETTINGS, (request) => (down ? { status: 502, body: "Bad Gateway" } : api(request)));

      expect(plugin.lyrics.getLyrics({ track: LANTERNS }).kind).toBe("error");
      expect(navidrome.services.cache.entries().size).toBe(0);

      down = false;
      expect(plugin.lyrics.getLyrics({ track: LANTERNS })).toMatchObject({ kind: "output", value: { lyrics: { length: 3 } } });
    });
  });

  describe("settings", () => {
    test("fail naming a missing API key", async () => {
      const { navidrome, plugin } = await start({ baseUrl: BASE_URL }, lyricsApi(CATALOG));

      const message = errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }));

      expect(message).toBe(`plugin configuration "apiKey" is not set; set it in the plugin's settings in Navidrome`);
      expect(navidrome.services.http.requests()).toEqual([]);
    });

    test("fail naming a missing base URL", async () => {
      const { plugin } = await start({ apiKey: API_KEY }, lyricsApi(CATALOG));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain('plugin configuration "baseUrl" is not set');
    });

    test("fail naming a base URL without scheme", async () => {
      const { plugin } = await start({ ...SETTINGS, baseUrl: "lyrics.example.com/api/v1" }, lyricsApi(CATALOG));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain('plugin configuration "baseUrl" is "lyrics.example.com/api/v1", which is not an http or https URL');
    });

    test("fail naming an invalid cache lifetime", async () => {
      const { plugin } = await start({ ...SETTINGS, cacheMinutes: "one day" }, lyricsApi(CATALOG));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain('plugin configuration "cacheMinutes" is "one day", which is not a number');
    });

    test("fail naming a negative cache lifetime", async () => {
      const { plugin } = await start({ ...SETTINGS, cacheMinutes: "-5" }, lyricsApi(CATALOG));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain('plugin configuration "cacheMinutes" is -5, which is not a whole number');
    });
  });

  describe("errors", () => {
    test("when the API rejects the key", async () => {
      const { plugin } = await start({ ...SETTINGS, apiKey: "lk_live_revoked" }, lyricsApi(CATALOG));

      const message = errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }));

      expect(message).toBe(`the lyrics API at ${BASE_URL} rejected the API key (HTTP 401); check "apiKey" in the plugin's settings in Navidrome`);
      expect(message).not.toContain("lk_live_revoked");
    });

    test("when the API forbids the key", async () => {
      const { plugin } = await start(SETTINGS, () => json("unauthorized.json", 403));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain('rejected the API key (HTTP 403); check "apiKey"');
    });

    test("when the API is unreachable", async () => {
      const { plugin } = await start(SETTINGS, () => {
        throw new Error("dial tcp: lookup lyrics.example.com: no such host");
      });

      const message = errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }));

      expect(message).toContain(`lyrics API request to ${BASE_URL} failed`);
      expect(message).toContain("no such host");
    });

    test("when the API is down", async () => {
      const { plugin } = await start(SETTINGS, () => ({ status: 503, headers: { "content-type": "text/html" }, body: "<h1>503 Service Unavailable</h1>" }));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toBe(`the lyrics API at ${BASE_URL} returned HTTP 503`);
    });

    test("when the quota is used up", async () => {
      const { plugin } = await start(SETTINGS, () => json("rate-limited.json", 429, { "retry-after": "3600" }));

      const message = errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }));

      expect(message).toContain("HTTP 429 (rate limit reached)");
      expect(message).toContain("retry after 3600 seconds");
    });

    test("when the quota resets at a date", async () => {
      const { plugin } = await start(SETTINGS, () => json("rate-limited.json", 429, { "retry-after": "Wed, 21 Oct 2026 00:00:00 GMT" }));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain("retry after Wed, 21 Oct 2026 00:00:00 GMT");
    });

    test("when the API times out", async () => {
      const { plugin } = await start(SETTINGS, () => ({ ...json("lyrics-lanterns.json"), delayMs: 12_000 }));

      expect(errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }))).toContain("context deadline exceeded");
    });

    test("when the server is on a private address", async () => {
      const { navidrome, plugin } = await start({ ...SETTINGS, baseUrl: "http://192.168.1.20:8080/api" }, lyricsApi(CATALOG));

      const message = errorMessage(plugin.lyrics.getLyrics({ track: LANTERNS }));

      expect(message).toContain("private/loopback addresses require explicit requiredHosts");
      expect(navidrome.services.http.requests()).toEqual([]);
    });
  });

  test("exports only getLyrics", async () => {
    const { plugin } = await start(SETTINGS, lyricsApi(CATALOG));

    expect(plugin.exports).toEqual(["nd_lyrics_get_lyrics"]);
  });
});

// In-process only: decoding a 10 MiB body inside the simulator's QuickJS takes several seconds per
// call, too slow for the rest of the suite.
describe("lyrics-provider (in-process)", () => {
  test("fails when the response exceeds the body limit", () => {
    // Navidrome keeps the first 10 MiB of a body, which cuts this JSON in the middle of a string.
    const oversized = `{"lyrics":[{"language":"eng","plain":"${"la ".repeat(4_000_000)}"}]}`;
    const navidrome = createNavidrome({ manifest, config: SETTINGS, http: () => ({ status: 200, body: oversized }) });

    const outcome = navidrome.load(plugin).lyrics.getLyrics({ track: LANTERNS });

    expect(errorMessage(outcome)).toContain("larger than Navidrome's limit of 10485760 bytes");
  });
});
