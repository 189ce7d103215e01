import type { SonicMatch } from "@nd/pdk";
import { describe, expect, test } from "vitest";

import { API_KEY, runtimes, songOf, trackById } from "./support.js";

const lowTideRadio = trackById("mf-6b1e02");
const endOfTheLineCafe = trackById("mf-6b1e09");
const copperWeather = trackById("mf-d27f35");
const paleMeridian = trackById("mf-e48b12");

/** Returns the id and similarity of each match, the part of the result a listener notices. */
function summary(matches: readonly SonicMatch[]): [string | undefined, number][] {
  return matches.map((match) => [match.song.id, match.similarity]);
}

function matchesOf(outcome: { kind: string; value?: { matches: SonicMatch[] } }): SonicMatch[] {
  if (outcome.kind !== "output" || outcome.value === undefined) throw new Error(`expected output, got ${JSON.stringify(outcome)}`);
  return outcome.value.matches;
}

function errorOf(outcome: { kind: string; message?: string }): string {
  if (outcome.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.message ?? "";
}

describe.each(runtimes)("sonic-similarity (%s)", (_runtime, load) => {
  test("exports both methods", async () => {
    const { plugin } = await load();
    expect(plugin.exports).toEqual(["nd_find_sonic_path", "nd_get_sonic_similar_tracks"]);
  });

  test("similar tracks come from the library", async () => {
    const { navidrome, plugin, timbreLab } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(summary(matches)).toEqual([
      ["mf-6b1e03", 0.939],
      ["mf-90c4a1", 0.912],
      ["mf-90c4a4", 0.907],
    ]);
    expect(timbreLab.requests).toHaveLength(1);
    expect(timbreLab.requests[0]).toMatchObject({
      method: "GET",
      url: "https://api.timbrelab.example/v2/recordings/1f7c3a90-5e2d-4b81-9c46-8a0d2e7f5b13/neighbours?limit=9",
      headers: { "X-Api-Key": API_KEY },
    });
    // Three candidates were asked for per result, and all of them went to the matcher in one call.
    expect(navidrome.services.matcher.calls()).toHaveLength(1);
    expect(navidrome.services.matcher.calls()[0]?.songs).toHaveLength(9);
  });

  test("matches carry the library track's keys", async () => {
    const { plugin } = await load();

    const [first] = matchesOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 1 }));

    expect(first).toEqual({
      song: {
        id: "mf-6b1e03",
        name: "Glass Orchard",
        mbid: "2a8d4b01-6f3e-4c92-8d57-9b1e3f8a6c24",
        artists: [{ id: "ar-saltmarsh-un", name: "Saltmarsh Union", mbid: "3c9e51d2-7a40-4f8b-b1e6-0d2f8a6c4e17" }],
        album: "Brackish",
        albumMbid: "a4e2c7d1-9b30-4f6e-8d15-2c7a9e0b3f48",
        durationMs: 228_900,
      },
      similarity: 0.939,
    });
  });

  test("songs missing from the library are dropped", async () => {
    const { navidrome, plugin } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 10 }));

    // Of the ten neighbours, "Marsh Lights" and "Tin Roof Choir" are not in any library, the file of
    // "Pale Meridian" is missing, and "Harbour Static" is in the library the plugin may not see.
    expect(summary(matches)).toEqual([
      ["mf-6b1e03", 0.939],
      ["mf-90c4a1", 0.912],
      ["mf-90c4a4", 0.907],
      ["mf-d27f36", 0.883],
      ["mf-d27f35", 0.858],
      ["mf-90c4a7", 0.85],
    ]);
    expect(navidrome.services.matcher.calls()[0]?.matchedIds).toEqual([
      "mf-6b1e03",
      undefined,
      "mf-90c4a1",
      "mf-90c4a4",
      undefined,
      "mf-d27f36",
      undefined,
      undefined,
      "mf-d27f35",
      "mf-90c4a7",
    ]);
  });

  test("song without MBID is looked up by title", async () => {
    const { plugin, timbreLab } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio, { withMbid: false }), count: 2 }));

    expect(summary(matches)).toEqual([
      ["mf-6b1e03", 0.939],
      ["mf-90c4a1", 0.912],
    ]);
    expect(timbreLab.requests.map((request) => request.url)).toEqual([
      "https://api.timbrelab.example/v2/recordings/lookup?title=Low%20Tide%20Radio&artist=Saltmarsh%20Union",
      "https://api.timbrelab.example/v2/recordings/1f7c3a90-5e2d-4b81-9c46-8a0d2e7f5b13/neighbours?limit=6",
    ]);
  });

  test("weak title lookup gives no matches", async () => {
    const { plugin, timbreLab } = await load();

    const outcome = plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(copperWeather, { withMbid: false }), count: 5 });

    expect(matchesOf(outcome)).toEqual([]);
    expect(timbreLab.requests).toHaveLength(1);
  });

  test("unknown song gives no matches", async () => {
    const { navidrome, plugin, timbreLab } = await load();

    const outcome = plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(paleMeridian, { withMbid: false }), count: 5 });

    expect(matchesOf(outcome)).toEqual([]);
    expect(timbreLab.requests).toHaveLength(1);
    expect(navidrome.services.matcher.calls()).toEqual([]);
  });

  test("song not analysed gives no matches", async () => {
    const { navidrome, plugin } = await load();

    const outcome = plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(copperWeather), count: 5 });

    expect(outcome).toEqual({ kind: "output", value: { matches: [] }, output: '{"matches":[]}' });
    expect(navidrome.logs).toContainEqual(expect.objectContaining({ level: "info", message: expect.stringContaining("TimbreLab has not analysed the song") }));
  });

  test("count of 0 sends no request", async () => {
    const { plugin, timbreLab } = await load();
    expect(matchesOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 0 }))).toEqual([]);
    expect(timbreLab.requests).toHaveLength(0);
  });

  test("missing API key fails with the setting's name", async () => {
    const { plugin, timbreLab } = await load({ config: {} });

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toBe(`plugin configuration "apiKey" is not set; set it in the plugin's settings in Navidrome`);
    expect(timbreLab.requests).toHaveLength(0);
  });

  test("rejected API key fails", async () => {
    const { plugin, timbreLab } = await load();
    timbreLab.outage = "invalid-key";

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toBe(
      "TimbreLab rejected the API key (HTTP 401 invalid_api_key: The API key is missing, malformed or revoked.); check the apiKey setting of the plugin",
    );
  });

  test("exhausted request quota fails", async () => {
    const { plugin, timbreLab } = await load();
    timbreLab.outage = "quota-exceeded";

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toBe("TimbreLab request quota exceeded (HTTP 429 quota_exceeded: Daily request quota of 5000 exhausted. The quota resets at 00:00 UTC.)");
  });

  test("overloaded service fails", async () => {
    const { navidrome, plugin, timbreLab } = await load();
    timbreLab.outage = "overloaded";

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toBe("TimbreLab request failed (HTTP 503 overloaded: The analysis cluster is overloaded. Try again in a few minutes.)");
    expect(navidrome.services.matcher.calls()).toEqual([]);
  });

  test("unreachable service fails", async () => {
    const { plugin, timbreLab } = await load();
    timbreLab.outage = "network-error";

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toMatch(/^TimbreLab is unreachable: .*no such host/);
  });

  test("slow service times out", async () => {
    const { plugin, timbreLab } = await load();
    timbreLab.outage = "slow";

    const message = errorOf(plugin.sonicSimilarity.getSonicSimilarTracks({ song: songOf(lowTideRadio), count: 3 }));

    expect(message).toMatch(/^TimbreLab is unreachable: .*context deadline exceeded/);
    expect(timbreLab.requests[0]?.timeoutMs).toBe(8_000);
  });

  test("path keeps its progression when thinned", async () => {
    const { navidrome, plugin, timbreLab } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio), endSong: songOf(endOfTheLineCafe), count: 3 }));

    // Five of the seven steps are in the library, and the first, middle and last of them are kept.
    expect(summary(matches)).toEqual([
      ["mf-6b1e03", 0.939],
      ["mf-d27f36", 0.797],
      ["mf-90c4a1", 0.644],
    ]);
    expect(timbreLab.requests[0]?.url).toBe(
      "https://api.timbrelab.example/v2/paths?from=1f7c3a90-5e2d-4b81-9c46-8a0d2e7f5b13&to=9e4d0c67-2b1a-4f8e-a5d3-7c6b0a9f2e81&steps=6",
    );
    expect(navidrome.services.matcher.calls()[0]?.songs).toHaveLength(7);
  });

  test("path returns every step in the library", async () => {
    const { plugin } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio), endSong: songOf(endOfTheLineCafe), count: 10 }));

    expect(summary(matches)).toEqual([
      ["mf-6b1e03", 0.939],
      ["mf-d27f35", 0.858],
      ["mf-d27f36", 0.797],
      ["mf-90c4a7", 0.696],
      ["mf-90c4a1", 0.644],
    ]);
  });

  test("path of one song keeps the middle step", async () => {
    const { plugin } = await load();

    const matches = matchesOf(plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio), endSong: songOf(endOfTheLineCafe), count: 1 }));

    expect(summary(matches)).toEqual([["mf-d27f36", 0.797]]);
  });

  test("path from a song without MBID looks it up", async () => {
    const { plugin, timbreLab } = await load();

    const outcome = plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio, { withMbid: false }), endSong: songOf(endOfTheLineCafe), count: 10 });

    expect(matchesOf(outcome)).toHaveLength(5);
    expect(timbreLab.requests.map((request) => new URL(request.url).pathname)).toEqual(["/v2/recordings/lookup", "/v2/paths"]);
  });

  test("path to a song not analysed gives no matches", async () => {
    const { navidrome, plugin } = await load();

    const outcome = plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio), endSong: songOf(copperWeather), count: 5 });

    expect(matchesOf(outcome)).toEqual([]);
    expect(navidrome.services.matcher.calls()).toEqual([]);
  });

  test("path while the service is down fails", async () => {
    const { plugin, timbreLab } = await load();
    timbreLab.outage = "overloaded";

    const message = errorOf(plugin.sonicSimilarity.findSonicPath({ startSong: songOf(lowTideRadio), endSong: songOf(endOfTheLineCafe), count: 5 }));

    expect(message).toContain("TimbreLab request failed (HTTP 503 overloaded");
  });
});
