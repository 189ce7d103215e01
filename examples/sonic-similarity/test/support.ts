import { readFileSync } from "node:fs";

import type { SongRef, Track } from "@nd/pdk";
import { createNavidrome, type HttpRequestInfo, type HttpResponseInfo, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle, readWasm } from "@nd/pdk-simulator";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import library from "./fixtures/library.json" with { type: "json" };

const projectDir = `${import.meta.dirname}/..`;

export const API_KEY = "tl_sk_4d1f7e0c9b2a83f6";

/** The library's tracks, which the matcher searches. */
export const TRACKS = library as Track[];

export function trackById(id: string): Track {
  const track = TRACKS.find((candidate) => candidate.id === id);
  if (track === undefined) throw new Error(`no track ${id} in test/fixtures/library.json`);
  return track;
}

/** Describes a library track as Navidrome sends it in a sonic similarity request. */
export function songOf(track: Track, keys: { withMbid?: boolean } = {}): SongRef {
  const song: SongRef = {
    id: track.id,
    name: track.title,
    artists: [{ name: track.artist }],
    album: track.album,
    duration: track.duration,
    durationMs: Math.round(track.duration * 1000),
  };
  if (keys.withMbid !== false && track.mbzRecordingId !== undefined) song.mbid = track.mbzRecordingId;
  return song;
}

export function fixture(name: string): string {
  return readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");
}

export const LOW_TIDE_RADIO = "1f7c3a90-5e2d-4b81-9c46-8a0d2e7f5b13";
export const END_OF_THE_LINE_CAFE = "9e4d0c67-2b1a-4f8e-a5d3-7c6b0a9f2e81";

/** Failure the fake TimbreLab API returns for every request, or "none" to serve the fixtures. */
export type Outage = "none" | "invalid-key" | "quota-exceeded" | "overloaded" | "network-error" | "slow";

/**
 * Fake TimbreLab API. It serves the fixtures of `test/fixtures` by path, returns 404 for the
 * recordings it has not analysed, and fails every request as `outage` sets.
 */
export class FakeTimbreLab {
  outage: Outage = "none";
  readonly requests: HttpRequestInfo[] = [];

  readonly handler = (request: HttpRequestInfo): HttpResponseInfo => {
    this.requests.push(request);
    const json = (status: number, body: string): HttpResponseInfo => ({ status, headers: { "content-type": "application/json" }, body });

    switch (this.outage) {
      case "network-error":
        throw new Error("dial tcp: lookup api.timbrelab.example: no such host");
      case "slow":
        return { ...json(200, fixture("neighbours-low-tide-radio.json")), delayMs: 12_000 };
      case "invalid-key":
        return json(401, fixture("error-invalid-key.json"));
      case "quota-exceeded":
        return json(429, fixture("error-quota-exceeded.json"));
      case "overloaded":
        return json(503, fixture("error-overloaded.json"));
      case "none":
        break;
    }
    if (request.headers["X-Api-Key"] !== API_KEY) return json(401, fixture("error-invalid-key.json"));

    const url = new URL(request.url);
    if (url.pathname === "/v2/recordings/lookup") {
      const title = url.searchParams.get("title");
      if (title === "Low Tide Radio") return json(200, fixture("lookup-low-tide-radio.json"));
      if (title === "Copper Weather") return json(200, fixture("lookup-weak-match.json"));
      return json(200, fixture("lookup-no-match.json"));
    }
    if (url.pathname === `/v2/recordings/${LOW_TIDE_RADIO}/neighbours`) {
      // TimbreLab returns the nearest `limit` neighbours.
      const neighbours = JSON.parse(fixture("neighbours-low-tide-radio.json")) as { neighbours: unknown[] };
      neighbours.neighbours = neighbours.neighbours.slice(0, Number(url.searchParams.get("limit")));
      return json(200, JSON.stringify(neighbours));
    }
    if (url.pathname === "/v2/paths" && url.searchParams.get("from") === LOW_TIDE_RADIO && url.searchParams.get("to") === END_OF_THE_LINE_CAFE) {
      return json(200, fixture("path-low-tide-to-end-of-the-line.json"));
    }
    return json(404, fixture("error-not-analyzed.json"));
  };
}

export interface Scenario {
  readonly navidrome: Navidrome;
  readonly plugin: LoadedPlugin;
  readonly timbreLab: FakeTimbreLab;
}

export type ScenarioOptions = Omit<NavidromeOptions, "manifest" | "http">;

/** Builds the simulated Navidrome with two libraries, of which the plugin may see only "Music" (id 1). */
function create(options: ScenarioOptions): { navidrome: Navidrome; timbreLab: FakeTimbreLab } {
  const timbreLab = new FakeTimbreLab();
  const navidrome = createNavidrome({
    manifest,
    config: { apiKey: API_KEY },
    libraries: [
      { id: 1, name: "Music", totalSongs: 9 },
      { id: 2, name: "Kids", totalSongs: 1 },
    ],
    allowedLibraries: [1],
    tracks: TRACKS,
    ...options,
    http: timbreLab.handler,
  });
  return { navidrome, timbreLab };
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
export const runtimes: [string, (options?: ScenarioOptions) => Promise<Scenario>][] = [
  [
    "in-process",
    async (options = {}) => {
      const { navidrome, timbreLab } = create(options);
      return { navidrome, timbreLab, plugin: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (options = {}) => {
      const { navidrome, timbreLab } = create(options);
      return { navidrome, timbreLab, plugin: await navidrome.loadBundle(readBundle(projectDir)) };
    },
  ],
  [
    "Extism wasm",
    async (options = {}) => {
      const { navidrome, timbreLab } = create(options);
      return { navidrome, timbreLab, plugin: await navidrome.loadWasm(readWasm(projectDir)) };
    },
  ],
];
