import { readFileSync } from "node:fs";

import type { HttpHandler, HttpResponseInfo, LoadedPlugin, Navidrome } from "@nd/pdk-simulator";
import { createNavidrome, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

const NINA_SIMONE = { id: "ar-1", name: "Nina Simone", mbid: "6a1d5b7e-3c0f-4b8a-9d2e-7f41c8a0b925" };
const LOWLAND_FERRY = { id: "ar-2", name: "Lowland Ferry" };

function fixture(name: string): string {
  return readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");
}

function json(name: string, status = 200): HttpResponseInfo {
  return { status, headers: { "content-type": "application/json; charset=utf-8" }, body: fixture(name) };
}

type Reply = HttpResponseInfo | (() => HttpResponseInfo);

/** The three Wikimedia services the plugin calls; a service left out refuses connections. */
interface Wikimedia {
  sparql?: Reply;
  summary?: Reply;
  commons?: Reply;
}

function wikimedia(replies: Wikimedia): HttpHandler {
  return (request) => {
    const url = new URL(request.url);
    let reply: Reply | undefined;
    if (url.host === "query.wikidata.org" && url.pathname === "/sparql") reply = replies.sparql;
    else if (url.host.endsWith(".wikipedia.org") && url.pathname.startsWith("/api/rest_v1/page/summary/")) reply = replies.summary;
    else if (url.host === "commons.wikimedia.org" && url.pathname === "/w/api.php") reply = replies.commons;
    if (reply === undefined) throw new Error(`dial tcp ${url.host}:443: connect: connection refused`);
    return typeof reply === "function" ? reply() : reply;
  };
}

function unreachable(): HttpResponseInfo {
  throw new Error("dial tcp: lookup query.wikidata.org: no such host");
}

interface Started {
  navidrome: Navidrome;
  plugin: LoadedPlugin;
}

interface Setup {
  remote: Wikimedia;
  config?: Record<string, string>;
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (setup: Setup) => Promise<Started>][] = [
  [
    "in-process",
    async ({ remote, config = {} }) => {
      const navidrome = createNavidrome({ manifest, config, http: wikimedia(remote) });
      return { navidrome, plugin: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async ({ remote, config = {} }) => {
      const navidrome = createNavidrome({ manifest, config, http: wikimedia(remote) });
      return { navidrome, plugin: await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)) };
    },
  ],
  [
    "Extism wasm",
    async ({ remote, config = {} }) => {
      const navidrome = createNavidrome({ manifest, config, http: wikimedia(remote) });
      return { navidrome, plugin: await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)) };
    },
  ],
];

/** Returns the SPARQL text of each request sent to the Wikidata query service. */
function sparqlQueries(navidrome: Navidrome): string[] {
  return navidrome.services.http
    .requests()
    .map((request) => new URL(request.url))
    .filter((url) => url.host === "query.wikidata.org")
    .map((url) => url.searchParams.get("query") ?? "");
}

function requestedUrls(navidrome: Navidrome): string[] {
  return navidrome.services.http.requests().map((request) => request.url);
}

function errorMessage(outcome: { kind: string; message?: string }): string {
  expect(outcome.kind).toBe("error");
  return outcome.message ?? "";
}

describe.each(runtimes)("wikidata-agent (%s)", (_runtime, start) => {
  describe("getArtistUrl", () => {
    test("finds the article by MusicBrainz ID", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      const outcome = plugin.metadataAgent.getArtistUrl(NINA_SIMONE);

      expect(outcome).toMatchObject({ kind: "output", value: { url: "https://en.wikipedia.org/wiki/Nina_Simone" } });
      const [query] = sparqlQueries(navidrome);
      expect(query).toContain('?item wdt:P434 "6a1d5b7e-3c0f-4b8a-9d2e-7f41c8a0b925"');
      expect(query).toContain("schema:isPartOf <https://en.wikipedia.org/>");
      expect(query).not.toContain("rdfs:label");
    });

    test("sends the headers Wikimedia asks for", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      plugin.metadataAgent.getArtistUrl(NINA_SIMONE);

      const [request] = navidrome.services.http.requests();
      expect(request?.method).toBe("GET");
      expect(request?.headers["Accept"]).toBe("application/sparql-results+json");
      expect(request?.headers["User-Agent"]).toMatch(/^NavidromeWikidataAgent\//);
    });

    test("finds the article by name without an ID", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      const outcome = plugin.metadataAgent.getArtistUrl({ id: "ar-1", name: "Nina Simone" });

      expect(outcome).toMatchObject({ kind: "output", value: { url: "https://en.wikipedia.org/wiki/Nina_Simone" } });
      const [query] = sparqlQueries(navidrome);
      expect(query).toContain('VALUES ?label { "Nina Simone"@en }');
      expect(query).toContain("wdt:P434 ?mbid");
      expect(query).toContain("ORDER BY DESC(?sitelinks)");
    });

    test("looks up by name when the ID is malformed", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      plugin.metadataAgent.getArtistUrl({ ...NINA_SIMONE, mbid: "not-a-uuid" });

      expect(sparqlQueries(navidrome)[0]).toContain('"Nina Simone"@en');
      expect(navidrome.logs.some((record) => record.level === "warn" && record.message.includes("not-a-uuid"))).toBe(true);
    });

    test("escapes quotes in artist names", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-empty.json") } });

      plugin.metadataAgent.getArtistUrl({ id: "ar-3", name: 'The "Real" Tuesday Weld\\' });

      expect(sparqlQueries(navidrome)[0]).toContain('"The \\"Real\\" Tuesday Weld\\\\"@en');
    });

    test("uses the configured Wikipedia language", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone-de.json") }, config: { language: "de" } });

      const outcome = plugin.metadataAgent.getArtistUrl({ id: "ar-1", name: "Nina Simone" });

      expect(outcome).toMatchObject({ kind: "output", value: { url: "https://de.wikipedia.org/wiki/Nina_Simone" } });
      const [query] = sparqlQueries(navidrome);
      expect(query).toContain("schema:isPartOf <https://de.wikipedia.org/>");
      expect(query).toContain('VALUES ?label { "Nina Simone"@de "Nina Simone"@en }');
    });

    test("returns no data for an unknown artist", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-empty.json") } });

      expect(plugin.metadataAgent.getArtistUrl({ id: "ar-9", name: "Nobody In Particular" })).toEqual({ kind: "no-data" });
    });

    test("returns no data without an article", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-no-article.json") } });

      expect(plugin.metadataAgent.getArtistUrl(LOWLAND_FERRY)).toEqual({ kind: "no-data" });
    });

    test("returns no data without name or ID", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      expect(plugin.metadataAgent.getArtistUrl({ id: "ar-0", name: " " })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toEqual([]);
    });

    test("fails naming the setting for an invalid language", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") }, config: { language: "en_US" } });

      const message = errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE));

      expect(message).toContain('plugin configuration "language" is "en_US"');
      expect(navidrome.services.http.requests()).toEqual([]);
    });

    test("fails when Wikidata is unreachable", async () => {
      const { plugin } = await start({ remote: { sparql: unreachable } });

      const message = errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE));

      expect(message).toContain("Wikidata query service request failed");
      expect(message).toContain("no such host");
    });

    test("fails when Wikidata times out", async () => {
      const { plugin } = await start({ remote: { sparql: { status: 500, headers: { "content-type": "text/plain" }, body: fixture("sparql-timeout.txt") } } });

      expect(errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE))).toContain("Wikidata query service returned HTTP 500");
    });

    test("fails when Wikidata rate-limits", async () => {
      const { plugin } = await start({ remote: { sparql: { status: 429, headers: { "retry-after": "30" }, body: "Too Many Requests" } } });

      const message = errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE));

      expect(message).toContain("HTTP 429 (rate limit reached)");
      expect(message).toContain("retry after 30 seconds");
    });

    test("fails when the endpoint returns 404", async () => {
      const { plugin } = await start({ remote: { sparql: { status: 404, body: "Not Found" } } });

      expect(errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE))).toContain("Wikidata query service returned HTTP 404");
    });

    test("fails on a response that is not JSON", async () => {
      const { plugin } = await start({ remote: { sparql: { status: 200, headers: { "content-type": "text/html" }, body: "<html><body>Maintenance</body></html>" } } });

      expect(errorMessage(plugin.metadataAgent.getArtistUrl(NINA_SIMONE))).toContain("not valid JSON");
    });
  });

  describe("getArtistBiography", () => {
    test("returns the article summary", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), summary: json("summary-nina-simone.json") } });

      const outcome = plugin.metadataAgent.getArtistBiography(NINA_SIMONE);

      expect(outcome.kind).toBe("output");
      expect(outcome.kind === "output" ? outcome.value.biography : "").toMatch(/^Nina Simone was an American singer, pianist and songwriter.*civil rights movement\.$/);
      expect(requestedUrls(navidrome)[1]).toBe("https://en.wikipedia.org/api/rest_v1/page/summary/Nina_Simone");
    });

    test("encodes a slash in the title", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-acdc.json"), summary: json("summary-acdc.json") } });

      const outcome = plugin.metadataAgent.getArtistBiography({ id: "ar-4", name: "AC/DC" });

      expect(outcome).toMatchObject({ kind: "output", value: { biography: expect.stringMatching(/^AC\/DC are an Australian rock band/) } });
      expect(requestedUrls(navidrome)[1]).toBe("https://en.wikipedia.org/api/rest_v1/page/summary/AC%2FDC");
    });

    test("asks the Wikipedia of the configured language", async () => {
      const { navidrome, plugin } = await start({
        remote: { sparql: json("sparql-nina-simone-de.json"), summary: json("summary-nina-simone.json") },
        config: { language: "de" },
      });

      plugin.metadataAgent.getArtistBiography(NINA_SIMONE);

      expect(requestedUrls(navidrome)[1]).toBe("https://de.wikipedia.org/api/rest_v1/page/summary/Nina_Simone");
    });

    test("returns no data without an article", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-no-article.json") } });

      expect(plugin.metadataAgent.getArtistBiography(LOWLAND_FERRY)).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toHaveLength(1);
    });

    test("returns no data for a deleted article", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), summary: json("summary-not-found.json", 404) } });

      expect(plugin.metadataAgent.getArtistBiography(NINA_SIMONE)).toEqual({ kind: "no-data" });
    });

    test("returns no data for a disambiguation page", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), summary: json("summary-disambiguation.json") } });

      expect(plugin.metadataAgent.getArtistBiography(NINA_SIMONE)).toEqual({ kind: "no-data" });
    });

    test("fails when Wikipedia is down", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), summary: { status: 503, body: "upstream connect error" } } });

      const message = errorMessage(plugin.metadataAgent.getArtistBiography(NINA_SIMONE));

      expect(message).toContain("Wikipedia returned HTTP 503");
      expect(message).toContain("https://en.wikipedia.org/api/rest_v1/page/summary/Nina_Simone");
    });

    test("fails when Wikidata is unreachable", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: unreachable, summary: json("summary-nina-simone.json") } });

      expect(errorMessage(plugin.metadataAgent.getArtistBiography(NINA_SIMONE))).toContain("Wikidata query service request failed");
      expect(navidrome.services.http.requests()).toHaveLength(1);
    });
  });

  describe("getArtistImages", () => {
    test("returns an 800-pixel Commons thumbnail", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), commons: json("commons-nina-simone.json") } });

      const outcome = plugin.metadataAgent.getArtistImages(NINA_SIMONE);

      expect(outcome).toMatchObject({
        kind: "output",
        value: {
          images: [{ url: "https://upload.wikimedia.org/wikipedia/commons/thumb/3/3c/Nina_Simone_at_Newport_1968.jpg/800px-Nina_Simone_at_Newport_1968.jpg", size: 800 }],
        },
      });
      const commonsUrl = new URL(requestedUrls(navidrome)[1] ?? "");
      expect(commonsUrl.host).toBe("commons.wikimedia.org");
      expect(commonsUrl.searchParams.get("titles")).toBe("File:Nina Simone at Newport 1968.jpg");
      expect(commonsUrl.searchParams.get("iiprop")).toBe("url|size");
      expect(commonsUrl.searchParams.get("iiurlwidth")).toBe("800");
    });

    test("returns a small original as it is", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-no-article.json"), commons: json("commons-small-original.json") } });

      expect(plugin.metadataAgent.getArtistImages(LOWLAND_FERRY)).toMatchObject({
        kind: "output",
        value: { images: [{ url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Lowland_Ferry_live_in_Utrecht_2019.jpg", size: 640 }] },
      });
    });

    test("returns no data without an image", async () => {
      const { navidrome, plugin } = await start({ remote: { sparql: json("sparql-acdc.json") } });

      expect(plugin.metadataAgent.getArtistImages({ id: "ar-4", name: "AC/DC" })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toHaveLength(1);
    });

    test("returns no data for a deleted Commons file", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), commons: json("commons-missing.json") } });

      expect(plugin.metadataAgent.getArtistImages(NINA_SIMONE)).toEqual({ kind: "no-data" });
    });

    test("fails when Commons is unreachable", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json") } });

      const message = errorMessage(plugin.metadataAgent.getArtistImages(NINA_SIMONE));

      expect(message).toContain("Wikimedia Commons request failed");
      expect(message).toContain("connection refused");
    });

    test("fails when Commons rate-limits", async () => {
      const { plugin } = await start({ remote: { sparql: json("sparql-nina-simone.json"), commons: { status: 429, body: "" } } });

      expect(errorMessage(plugin.metadataAgent.getArtistImages(NINA_SIMONE))).toContain("Wikimedia Commons rejected the request with HTTP 429");
    });
  });

  test("reaches only hosts the manifest lists", async () => {
    const { navidrome, plugin } = await start({
      remote: { sparql: json("sparql-nina-simone.json"), summary: json("summary-nina-simone.json"), commons: json("commons-nina-simone.json") },
    });

    plugin.metadataAgent.getArtistUrl(NINA_SIMONE);
    plugin.metadataAgent.getArtistBiography(NINA_SIMONE);
    plugin.metadataAgent.getArtistImages(NINA_SIMONE);

    expect(navidrome.services.http.requests()).toHaveLength(5);
    expect(navidrome.services.http.refused()).toEqual([]);
  });

  test("exports the three artist methods", async () => {
    const { plugin } = await start({ remote: {} });

    expect(plugin.exports).toEqual(["nd_get_artist_biography", "nd_get_artist_images", "nd_get_artist_url"]);
  });
});
