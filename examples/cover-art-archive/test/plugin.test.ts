import { readFileSync } from "node:fs";

import type { HttpHandler, HttpResponseInfo, LoadedPlugin, Navidrome } from "@nd/pdk-simulator";
import { createNavidrome, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

const KIND_OF_BLUE = { name: "Kind of Blue", artist: "Miles Davis", mbid: "3f0e9a52-8c4b-4d71-a6e2-5b9d0c7f1e38" };
const HOUR_MS = 60 * 60 * 1000;

function fixture(name: string): string {
  return readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");
}

function json(name: string): HttpResponseInfo {
  return { status: 200, headers: { "content-type": "application/json" }, body: fixture(name) };
}

type Reply = HttpResponseInfo | (() => HttpResponseInfo);

/**
 * Simulates the Cover Art Archive. Each known release redirects to the Internet Archive, which
 * redirects to one of its storage nodes, as the real service does. Unknown releases get 404.
 */
function coverArtArchive(releases: Readonly<Record<string, Reply>>): HttpHandler {
  return (request) => {
    const url = new URL(request.url);
    const release = /^\/release\/([0-9a-f-]{36})$/.exec(url.pathname)?.[1];
    if (url.host === "coverartarchive.org" && release !== undefined) {
      if (releases[release] === undefined) return { status: 404, headers: { "content-type": "text/html" }, body: fixture("not-found.html") };
      return { status: 307, headers: { location: `https://archive.org/download/mbid-${release}/index.json` } };
    }
    const item = /^\/download\/mbid-([0-9a-f-]{36})\/index\.json$/.exec(url.pathname)?.[1];
    if (url.host === "archive.org" && item !== undefined) {
      return { status: 302, headers: { location: `https://ia802304.us.archive.org/29/items/mbid-${item}/index.json` } };
    }
    const stored = /^\/29\/items\/mbid-([0-9a-f-]{36})\/index\.json$/.exec(url.pathname)?.[1];
    const reply = stored === undefined ? undefined : releases[stored];
    if (url.host === "ia802304.us.archive.org" && reply !== undefined) return typeof reply === "function" ? reply() : reply;
    throw new Error(`dial tcp ${url.host}:443: connect: connection refused`);
  };
}

interface Started {
  navidrome: Navidrome;
  plugin: LoadedPlugin;
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (http: HttpHandler) => Promise<Started>][] = [
  [
    "in-process",
    async (http) => {
      const navidrome = createNavidrome({ manifest, http });
      return { navidrome, plugin: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (http) => {
      const navidrome = createNavidrome({ manifest, http });
      return { navidrome, plugin: await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)) };
    },
  ],
  [
    "Extism wasm",
    async (http) => {
      const navidrome = createNavidrome({ manifest, http });
      return { navidrome, plugin: await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)) };
    },
  ],
];

function errorMessage(outcome: { kind: string; message?: string }): string {
  expect(outcome.kind).toBe("error");
  return outcome.message ?? "";
}

describe.each(runtimes)("cover-art-archive (%s)", (_runtime, start) => {
  describe("covers", () => {
    test("returns the front cover in three sizes", async () => {
      const { plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: json("release-kind-of-blue.json") }));

      expect(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE)).toMatchObject({
        kind: "output",
        value: {
          images: [
            { url: "https://coverartarchive.org/release/3f0e9a52-8c4b-4d71-a6e2-5b9d0c7f1e38/28415530917-1200.jpg", size: 1200 },
            { url: "https://coverartarchive.org/release/3f0e9a52-8c4b-4d71-a6e2-5b9d0c7f1e38/28415530917-500.jpg", size: 500 },
            { url: "https://coverartarchive.org/release/3f0e9a52-8c4b-4d71-a6e2-5b9d0c7f1e38/28415530917-250.jpg", size: 250 },
          ],
        },
      });
    });

    test("follows the redirects to the Internet Archive", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: json("release-kind-of-blue.json") }));

      plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE);

      const requests = navidrome.services.http.requests();
      expect(requests.map((request) => new URL(request.url).host)).toEqual(["coverartarchive.org", "archive.org", "ia802304.us.archive.org"]);
      expect(requests[0]?.headers["Accept"]).toBe("application/json");
      expect(requests[0]?.headers["User-Agent"]).toMatch(/^NavidromeCoverArtArchive\//);
      expect(navidrome.services.http.refused()).toEqual([]);
    });

    test("reads sizes of older indexes", async () => {
      const mbid = "b81c3e07-2d5a-4f6b-9e14-0a7c6d2f8b53";
      const { plugin } = await start(coverArtArchive({ [mbid]: json("release-legacy-sizes.json") }));

      expect(plugin.metadataAgent.getAlbumImages({ name: "Blue Train", artist: "John Coltrane", mbid })).toMatchObject({
        kind: "output",
        value: {
          images: [
            { url: `https://coverartarchive.org/release/${mbid}/4410958321-500.jpg`, size: 500 },
            { url: `https://coverartarchive.org/release/${mbid}/4410958321-250.jpg`, size: 250 },
          ],
        },
      });
    });

    test("finds the front cover by its type", async () => {
      const mbid = "e4a90b16-7f3d-4c28-b5e1-93d6a0c2f471";
      const { plugin } = await start(coverArtArchive({ [mbid]: json("release-front-by-type.json") }));

      const outcome = plugin.metadataAgent.getAlbumImages({ name: "Head Hunters", artist: "Herbie Hancock", mbid });

      expect(outcome.kind === "output" ? outcome.value.images.map((image) => image.url) : []).toEqual([
        `https://coverartarchive.org/release/${mbid}/19920413574-1200.jpg`,
        `https://coverartarchive.org/release/${mbid}/19920413574-500.jpg`,
        `https://coverartarchive.org/release/${mbid}/19920413574-250.jpg`,
      ]);
    });

    test("returns the original without thumbnails", async () => {
      const mbid = "0d5f7c93-41ab-4e8e-8c6a-27b94e1d3f60";
      const { plugin } = await start(coverArtArchive({ [mbid]: json("release-no-thumbnails.json") }));

      expect(plugin.metadataAgent.getAlbumImages({ name: "Loveless", artist: "My Bloody Valentine", mbid })).toMatchObject({
        kind: "output",
        value: { images: [{ url: `https://coverartarchive.org/release/${mbid}/40117265093.gif`, size: 0 }] },
      });
    });
  });

  describe("no data", () => {
    test("without a release ID", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({}));

      expect(plugin.metadataAgent.getAlbumImages({ name: "Kind of Blue", artist: "Miles Davis" })).toEqual({ kind: "no-data" });
      expect(plugin.metadataAgent.getAlbumImages({ name: "Kind of Blue", artist: "Miles Davis", mbid: "" })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toEqual([]);
    });

    test("for a malformed release ID", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({}));

      expect(plugin.metadataAgent.getAlbumImages({ ...KIND_OF_BLUE, mbid: "3f0e9a52" })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toEqual([]);
      expect(navidrome.logs.some((record) => record.level === "warn" && record.message.includes('mbid="3f0e9a52"'))).toBe(true);
    });

    test("for a release without cover art", async () => {
      const { plugin } = await start(coverArtArchive({}));

      expect(plugin.metadataAgent.getAlbumImages({ name: "Demo Tape", artist: "Unknown", mbid: "7b2e4f19-0c8d-4a5e-b3f6-18d9e2a7c045" })).toEqual({ kind: "no-data" });
    });

    test("for a release without a front cover", async () => {
      const mbid = "a9c21e54-6b7f-4d03-8f2a-c51e7b9d0a46";
      const { plugin } = await start(coverArtArchive({ [mbid]: json("release-back-only.json") }));

      expect(plugin.metadataAgent.getAlbumImages({ name: "Spiderland", artist: "Slint", mbid })).toEqual({ kind: "no-data" });
    });
  });

  describe("cache", () => {
    test("serves covers from the cache for a day", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: json("release-kind-of-blue.json") }));

      const first = plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE);
      navidrome.advance(23 * HOUR_MS);
      const second = plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE);

      expect(second).toEqual(first);
      expect(navidrome.services.http.requests()).toHaveLength(3);
      navidrome.advance(HOUR_MS);
      plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE);
      expect(navidrome.services.http.requests()).toHaveLength(6);
    });

    test("stores covers under the lower-case ID", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: json("release-kind-of-blue.json") }));

      plugin.metadataAgent.getAlbumImages({ ...KIND_OF_BLUE, mbid: KIND_OF_BLUE.mbid.toUpperCase() });
      plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE);

      const entries = navidrome.services.cache.entries();
      expect([...entries.keys()]).toEqual([`release:${KIND_OF_BLUE.mbid}`]);
      expect(entries.get(`release:${KIND_OF_BLUE.mbid}`)?.expiresAt).toBe(navidrome.clock.now() + 24 * HOUR_MS);
      expect(navidrome.services.http.requests()).toHaveLength(3);
    });

    test("remembers a missing cover for an hour", async () => {
      const mbid = "7b2e4f19-0c8d-4a5e-b3f6-18d9e2a7c045";
      const { navidrome, plugin } = await start(coverArtArchive({}));
      const album = { name: "Demo Tape", artist: "Unknown", mbid };

      plugin.metadataAgent.getAlbumImages(album);
      navidrome.advance(HOUR_MS - 1);
      expect(plugin.metadataAgent.getAlbumImages(album)).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toHaveLength(1);

      navidrome.advance(1);
      plugin.metadataAgent.getAlbumImages(album);
      expect(navidrome.services.http.requests()).toHaveLength(2);
    });

    test("fetches again over an unreadable entry", async () => {
      const { navidrome, plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: json("release-kind-of-blue.json") }));
      navidrome.services.cache.functions.cache_setstring?.({ key: `release:${KIND_OF_BLUE.mbid}`, value: "{truncated" });

      expect(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE)).toMatchObject({ kind: "output" });
      expect(navidrome.services.http.requests()).toHaveLength(3);
    });
  });

  describe("errors", () => {
    test("when the archive is unreachable", async () => {
      const { navidrome, plugin } = await start(() => {
        throw new Error("dial tcp: lookup coverartarchive.org: i/o timeout");
      });

      const message = errorMessage(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE));

      expect(message).toContain(`Cover Art Archive request failed for release ${KIND_OF_BLUE.mbid}`);
      expect(message).toContain("i/o timeout");
      expect(navidrome.services.cache.entries().size).toBe(0);
    });

    test("when the archive is down, without caching", async () => {
      let down = true;
      const { navidrome, plugin } = await start(
        coverArtArchive({
          [KIND_OF_BLUE.mbid]: () => (down ? { status: 503, headers: { "content-type": "text/html" }, body: "<h1>Service Unavailable</h1>" } : json("release-kind-of-blue.json")),
        }),
      );

      expect(errorMessage(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE))).toContain(`Cover Art Archive returned HTTP 503 for release ${KIND_OF_BLUE.mbid}`);
      expect(navidrome.services.cache.entries().size).toBe(0);

      down = false;
      expect(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE)).toMatchObject({ kind: "output" });
    });

    test("when the archive rate-limits", async () => {
      const { plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: { status: 429, headers: { "retry-after": "5" }, body: "" } }));

      const message = errorMessage(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE));

      expect(message).toContain("HTTP 429 (rate limit reached)");
      expect(message).toContain("retry after 5 seconds");
    });

    test("when a redirect leaves the allowed hosts", async () => {
      const { navidrome, plugin } = await start(() => ({ status: 307, headers: { location: "https://mirror.example.net/mbid/index.json" } }));

      const message = errorMessage(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE));

      expect(message).toContain('host "mirror.example.net" is not allowed');
      expect(navidrome.services.http.refused().map((refusal) => refusal.url)).toEqual(["https://mirror.example.net/mbid/index.json"]);
    });

    test("when the index is not JSON", async () => {
      const { plugin } = await start(coverArtArchive({ [KIND_OF_BLUE.mbid]: { status: 200, body: "<html>maintenance</html>" } }));

      expect(errorMessage(plugin.metadataAgent.getAlbumImages(KIND_OF_BLUE))).toContain("not valid JSON");
    });
  });

  test("exports only the album images method", async () => {
    const { plugin } = await start(coverArtArchive({}));

    expect(plugin.exports).toEqual(["nd_get_album_images"]);
  });
});
