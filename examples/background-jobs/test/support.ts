import { readFileSync } from "node:fs";

import type { ScrobbleRequest, TrackInfo } from "@nd/pdk";
import { encodeBase64 } from "@nd/pdk";
import {
  createNavidrome,
  FakeClock,
  type HttpRequestInfo,
  type HttpResponseInfo,
  type LoadedPlugin,
  type Navidrome,
  type NavidromeOptions,
  readBundle,
  readWasm,
} from "@nd/pdk-simulator";
import { vi } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import tracks from "./fixtures/tracks.json" with { type: "json" };

const projectDir = `${import.meta.dirname}/..`;

export const ALICE_TOKEN = "ll_live_5f1c9a0e27b84d61";
export const BRUNO_TOKEN = "ll_live_c08e3d7f41a2965b";

/** The accounts setting with two linked users, as the JSON text Navidrome sends for an array. */
export const ACCOUNTS = JSON.stringify([
  { username: "alice", token: ALICE_TOKEN },
  { username: "Bruno", token: BRUNO_TOKEN },
]);

export const [HARBOUR_LIGHTS, QUIET_ENGINES, CARTOGRAPHERS_WALTZ] = tracks as [TrackInfo, TrackInfo, TrackInfo];

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export function fixture(name: string): string {
  return readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");
}

/** Response of the fake ListenLog server to one request. */
export type Answer = "accept" | "maintenance" | "bad-gateway" | "rate-limited" | "network-error" | "invalid-token" | "too-old";

/**
 * Fake ListenLog API. It accepts listens and now-playing updates from known tokens, and responds to
 * the next requests as `script` lists first, then as `fallback` sets.
 */
export class FakeListenLog {
  readonly script: Answer[] = [];
  fallback: Answer = "accept";
  readonly requests: HttpRequestInfo[] = [];
  #nextListen = 1;

  readonly handler = (request: HttpRequestInfo): HttpResponseInfo => {
    this.requests.push(request);
    const answer = this.script.shift() ?? this.fallback;
    switch (answer) {
      case "network-error":
        throw new Error("dial tcp 203.0.113.40:443: connect: connection refused");
      case "maintenance":
        return { status: 503, headers: { "content-type": "application/json", "retry-after": "1800" }, body: fixture("error-maintenance.json") };
      case "bad-gateway":
        return { status: 502, headers: { "content-type": "text/html" }, body: fixture("bad-gateway.html") };
      case "rate-limited":
        return { status: 429, headers: { "content-type": "application/json", "retry-after": "30" }, body: fixture("error-rate-limited.json") };
      case "invalid-token":
        return { status: 401, headers: { "content-type": "application/json" }, body: fixture("error-invalid-token.json") };
      case "too-old":
        return { status: 400, headers: { "content-type": "application/json" }, body: fixture("error-listen-too-old.json") };
      case "accept":
        return this.#accept(request);
    }
  };

  #accept(request: HttpRequestInfo): HttpResponseInfo {
    const token = request.headers.Authorization?.replace(/^Token /, "");
    if (token !== ALICE_TOKEN && token !== BRUNO_TOKEN) {
      return { status: 401, headers: { "content-type": "application/json" }, body: fixture("error-invalid-token.json") };
    }
    if (request.url.endsWith("/v1/now-playing")) return { status: 204 };

    const accepted = JSON.parse(fixture("listen-accepted.json")) as { listen: { id: string } };
    accepted.listen.id = `lsn_01JGXK4T9M2QW7RB${String(this.#nextListen++).padStart(2, "0")}`;
    return { status: 201, headers: { "content-type": "application/json" }, body: JSON.stringify(accepted) };
  }

  /** Returns the JSON bodies of the requests, in order. */
  bodies(): unknown[] {
    return this.requests.map((request) => JSON.parse(new TextDecoder().decode(request.body)) as unknown);
  }
}

/** Builds a scrobble of `track` by `username` that started `minutesAgo` minutes before the clock's time. */
export function scrobbleOf(clock: FakeClock, username: string, track: TrackInfo, minutesAgo = 5): ScrobbleRequest {
  return { username, track, timestamp: Math.floor((clock.now() - minutesAgo * MINUTE) / 1000) };
}

/** Options of one scenario: those of createNavidrome, with this plugin's manifest by default. */
export type ScenarioOptions = Omit<NavidromeOptions, "manifest" | "http"> & { readonly manifest?: unknown };

export interface Scenario {
  readonly navidrome: Navidrome;
  readonly plugin: LoadedPlugin;
  readonly listenLog: FakeListenLog;
}

export type Runtime = (options?: ScenarioOptions) => Promise<Scenario>;

function create(options: ScenarioOptions): { navidrome: Navidrome; listenLog: FakeListenLog } {
  const listenLog = new FakeListenLog();
  const navidrome = createNavidrome({ manifest, clock: new FakeClock(), config: { accounts: ACCOUNTS }, ...options, http: listenLog.handler });
  return { navidrome, listenLog };
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
export const runtimes: [string, Runtime][] = [
  [
    "in-process",
    async (options = {}) => {
      const { navidrome, listenLog } = create(options);
      // NOTE: the in-process runtime leaves Date on the real clock, while the QuickJS runtime reads the
      // simulated one, so Date.now is pointed at the simulated clock here (restored after each test).
      vi.spyOn(Date, "now").mockImplementation(() => navidrome.clock.now());
      return { navidrome, listenLog, plugin: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (options = {}) => {
      const { navidrome, listenLog } = create(options);
      return { navidrome, listenLog, plugin: await navidrome.loadBundle(readBundle(projectDir)) };
    },
  ],
  [
    "Extism wasm",
    async (options = {}) => {
      const { navidrome, listenLog } = create(options);
      return { navidrome, listenLog, plugin: await navidrome.loadWasm(readWasm(projectDir)) };
    },
  ],
];

/** Returns the status record the plugin keeps for a task, parsed. */
export function statusOf(navidrome: Navidrome, taskId: string): Record<string, unknown> | undefined {
  const value = navidrome.services.kvstore.entries().get(`listen/${taskId}`);
  return value === undefined ? undefined : (JSON.parse(new TextDecoder().decode(value)) as Record<string, unknown>);
}

/** Returns the id of the only task in the queue. */
export function onlyTaskId(navidrome: Navidrome): string {
  const tasks = navidrome.services.task.tasks();
  if (tasks.length !== 1) throw new Error(`expected exactly one task, found ${tasks.length}`);
  return tasks[0]!.taskId;
}

/** Returns the plugin's log messages at a level. */
export function pluginLogs(navidrome: Navidrome, level: string): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin" && record.level === level).map((record) => record.message);
}

/**
 * Adds a listen task straight through the Task service, with the "queued" status record the
 * plugin writes. It stands for a task that Navidrome kept in its database from an earlier run,
 * when the configuration was different.
 */
export function seedListen(navidrome: Navidrome, username: string, track: TrackInfo, listenedAtMs: number): string {
  const listen = {
    username,
    listenedAt: Math.floor(listenedAtMs / 1000),
    track: { title: track.title, artist: track.artist, album: track.album, durationMs: Math.round(track.duration * 1000), trackNumber: track.trackNumber },
  };
  const payload = new TextEncoder().encode(JSON.stringify(listen));
  const reply = navidrome.services.task.functions.task_enqueue!({ queueName: "listens", payload: encodeBase64(payload) }) as { result: string };
  seedStatus(navidrome, {
    taskId: reply.result,
    username,
    track: `"${track.title}" by ${track.artist}`,
    listenedAt: listen.listenedAt,
    state: "queued",
    attempts: 0,
    message: "",
    updatedAt: navidrome.clock.now(),
  });
  return reply.result;
}

/** Writes a status record straight into the kvstore. */
export function seedStatus(navidrome: Navidrome, status: Record<string, unknown> & { taskId: string }): void {
  navidrome.services.kvstore.put(`listen/${status.taskId}`, JSON.stringify(status));
}
