import { readFileSync } from "node:fs";

import type { TrackInfo } from "@nd/pdk";
import {
  createNavidrome,
  type HttpRequestInfo,
  type HttpResponseInfo,
  type LoadedPlugin,
  type Navidrome,
  type NavidromeOptions,
  readBundle, readWasm,
} from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import trackFixtures from "./fixtures/tracks.json" with { type: "json" };

const projectDir = `${import.meta.dirname}/..`;
const fixture = (name: string): string => readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");

const [teardrop, aguas] = trackFixtures as TrackInfo[] as [TrackInfo, TrackInfo];

// The clock of the simulated Navidrome starts at 2026-01-01T00:00:00Z.
const STARTED_AT = 1767225600 - 330;

const ALICE_HOOK = "https://hooks.example.com/navidrome/alice/tok_4f9a2c";
const BOB_HOOKS = ["https://events.example.net/ingest/k_81d3", "http://192.168.1.40:8123/api/webhook/navidrome-bob"];
const DEFAULT_HOOK = "https://hooks.example.com/navidrome/shared/tok_77e0b1";

const users = [{ userName: "alice", name: "Alice Moreau" }, { userName: "bob", name: "Bob Lindqvist" }, { userName: "carol" }];

const accepted: HttpResponseInfo = { status: 202, headers: { "content-type": "application/json" }, body: fixture("receiver-accepted.json") };

/** Returns a simulated server that responds to each URL with its response, and with 404 to any other URL. */
function receivers(responses: Record<string, HttpResponseInfo | (() => HttpResponseInfo)>): (request: HttpRequestInfo) => HttpResponseInfo {
  return (request) => {
    const response = responses[request.url];
    if (response === undefined) return { status: 404, body: "no such hook" };
    return typeof response === "function" ? response() : response;
  };
}

function bodyOf(request: HttpRequestInfo | undefined): unknown {
  return JSON.parse(new TextDecoder().decode(request?.body));
}

function errorMessage(outcome: { kind: string; message?: string }): string {
  expect(outcome.kind).toBe("error");
  return outcome.message ?? "";
}

const config = {
  userWebhooks: JSON.stringify({ Alice: ALICE_HOOK, bob: BOB_HOOKS, carol: [] }),
  defaultUrl: DEFAULT_HOOK,
};

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (navidrome: Navidrome) => LoadedPlugin | Promise<LoadedPlugin>][] = [
  ["in-process", (navidrome) => navidrome.load(plugin)],
  ["QuickJS bundle", (navidrome) => navidrome.loadBundle(readBundle(projectDir))],
  ["Extism wasm", (navidrome) => navidrome.loadWasm(readWasm(projectDir))],
];

describe.each(runtimes)("webhook-scrobbler (%s)", (_runtime, loadInto) => {
  async function start(options: Omit<NavidromeOptions, "manifest">): Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }> {
    const navidrome = createNavidrome({ manifest, users, ...options });
    return { navidrome, loaded: await loadInto(navidrome) };
  }

  describe("isAuthorized", () => {
    test("accepts a listed user in any case", async () => {
      const { loaded } = await start({ config });
      expect(loaded.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "output", value: true });
      expect(loaded.scrobbler.isAuthorized({ username: "BOB" })).toMatchObject({ kind: "output", value: true });
    });

    test("accepts an unlisted user through defaultUrl", async () => {
      const { loaded } = await start({ config });
      expect(loaded.scrobbler.isAuthorized({ username: "dave" })).toMatchObject({ kind: "output", value: true });
    });

    test("rejects a user whose list is empty", async () => {
      const { loaded } = await start({ config });
      expect(loaded.scrobbler.isAuthorized({ username: "carol" })).toMatchObject({ kind: "output", value: false });
    });

    test("rejects an unlisted user without defaultUrl", async () => {
      const { loaded } = await start({ config: { userWebhooks: config.userWebhooks } });
      expect(loaded.scrobbler.isAuthorized({ username: "dave" })).toMatchObject({ kind: "output", value: false });
    });

    test("rejects every user without settings", async () => {
      const { loaded } = await start({});
      expect(loaded.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "output", value: false });
    });

    test("fails with the setting's name for invalid JSON", async () => {
      const { loaded } = await start({ config: { userWebhooks: "{alice: https://hooks.example.com}" } });
      expect(errorMessage(loaded.scrobbler.isAuthorized({ username: "alice" }))).toContain('plugin configuration "userWebhooks"');
    });
  });

  describe("delivery", () => {
    test("scrobble posts the event as JSON", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: accepted }) });

      expect(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT })).toEqual({ kind: "no-data" });

      const [request] = navidrome.services.http.requests();
      expect(navidrome.services.http.requests()).toHaveLength(1);
      expect(request?.method).toBe("POST");
      expect(request?.url).toBe(ALICE_HOOK);
      expect(request?.timeoutMs).toBe(5000);
      expect(request?.headers).toEqual({
        "Content-Type": "application/json",
        "User-Agent": "navidrome-webhook-scrobbler/1.0",
        "X-Webhook-Event": "scrobble",
        "Idempotency-Key": `alice:${teardrop.id}:${STARTED_AT}`,
      });
      expect(bodyOf(request)).toEqual({
        event: "scrobble",
        username: "alice",
        startedAt: STARTED_AT,
        track: {
          id: "7nQ2hXk4TfWm9LcR1bVz3p",
          title: "Teardrop",
          album: "Mezzanine",
          artist: "Massive Attack",
          albumArtist: "Massive Attack",
          artists: [{ name: "Massive Attack", mbid: "10adbe5e-a2c0-4bf3-8249-2b4cbf6e6ca8" }],
          durationSeconds: 329.53,
          trackNumber: 3,
          discNumber: 1,
          musicBrainz: {
            recordingId: "6f9c8c9e-8d3a-4c1e-9a51-0b8f1f3d2c77",
            albumId: "3e1c5d2a-7b4f-4e0a-9c6d-8f2b1a0e5d94",
            releaseGroupId: "a2f4c6e8-1b3d-4f5a-8c7e-9d0b2a4c6e81",
            releaseTrackId: "c8e0a2b4-6d8f-4a1c-b3e5-7f9a1c3e5b02",
          },
        },
      });
    });

    test("scrobble leaves out MusicBrainz ids the track lacks", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: accepted }) });
      loaded.scrobbler.scrobble({ username: "alice", track: aguas, timestamp: STARTED_AT });

      const body = bodyOf(navidrome.services.http.requests()[0]) as { track: Record<string, unknown> };
      expect(body.track.musicBrainz).toEqual({});
      expect(body.track.artists).toEqual([{ name: "Elis Regina" }, { name: "Antônio Carlos Jobim" }]);
    });

    test("scrobble posts to every URL of the user", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [BOB_HOOKS[0]!]: accepted, [BOB_HOOKS[1]!]: { status: 200 } }) });

      expect(loaded.scrobbler.scrobble({ username: "bob", track: teardrop, timestamp: STARTED_AT })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests().map((request) => request.url)).toEqual(BOB_HOOKS);
    });

    test("scrobble of an unlisted user goes to defaultUrl", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [DEFAULT_HOOK]: accepted }) });

      expect(loaded.scrobbler.scrobble({ username: "dave", track: teardrop, timestamp: STARTED_AT })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests().map((request) => request.url)).toEqual([DEFAULT_HOOK]);
    });

    test("nowPlaying posts the position", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: accepted }) });

      expect(loaded.scrobbler.nowPlaying({ username: "alice", track: aguas, position: 12 })).toEqual({ kind: "no-data" });

      const [request] = navidrome.services.http.requests();
      expect(request?.headers["X-Webhook-Event"]).toBe("now_playing");
      expect(request?.headers["Idempotency-Key"]).toBeUndefined();
      expect(bodyOf(request)).toMatchObject({ event: "now_playing", username: "alice", positionSeconds: 12, track: { title: "Águas de Março" } });
    });

    test("playbackReport posts the player state", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: accepted }) });

      const outcome = loaded.scrobbler.playbackReport({
        username: "alice",
        track: teardrop,
        state: "paused",
        positionMs: 95_400,
        playbackRate: 1,
        playerId: "c3a1f0e2-5b7d-4c9e-8a6f-1d2b3c4e5f60",
        playerName: "Feishin",
        timestamp: 1767225600,
      });

      expect(outcome).toEqual({ kind: "no-data" });
      expect(bodyOf(navidrome.services.http.requests()[0])).toMatchObject({
        event: "playback_report",
        state: "paused",
        positionMs: 95_400,
        playbackRate: 1,
        player: { id: "c3a1f0e2-5b7d-4c9e-8a6f-1d2b3c4e5f60", name: "Feishin" },
        reportedAt: 1767225600,
      });
    });

    test("uses the configured timeout", async () => {
      const { navidrome, loaded } = await start({ config: { ...config, timeoutSeconds: "2" }, http: receivers({ [ALICE_HOOK]: accepted }) });
      loaded.scrobbler.nowPlaying({ username: "alice", track: teardrop, position: 0 });
      expect(navidrome.services.http.requests()[0]?.timeoutMs).toBe(2000);
    });
  });

  describe("failures", () => {
    test("user without a webhook is not authorized", async () => {
      const { navidrome, loaded } = await start({ config: { userWebhooks: config.userWebhooks }, http: receivers({}) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "dave", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(not_authorized)");
      expect(message).toContain('no webhook URL is set for user "dave"');
      expect(navidrome.services.http.requests()).toHaveLength(0);
    });

    test("5xx asks Navidrome to retry later", async () => {
      const { loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: { status: 503, body: fixture("receiver-unavailable.json") } }) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(retry_later)");
      expect(message).toContain("hooks.example.com (HTTP 503");
      expect(message).toContain("The event store is under maintenance");
    });

    test("network error asks Navidrome to retry later", async () => {
      const { loaded } = await start({
        config,
        http: () => {
          throw new Error("dial tcp 203.0.113.7:443: connect: connection refused");
        },
      });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: teardrop, position: 0 }));
      expect(message).toContain("scrobbler(retry_later)");
      expect(message).toContain("connection refused");
    });

    test("timeout asks Navidrome to retry later", async () => {
      const { loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: { ...accepted, delayMs: 6000 } }) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(retry_later)");
      expect(message).toContain("context deadline exceeded");
    });

    test("rate limit asks Navidrome to retry later", async () => {
      const { loaded } = await start({
        config,
        http: receivers({ [ALICE_HOOK]: { status: 429, headers: { "Retry-After": "30" }, body: fixture("receiver-rate-limited.json") } }),
      });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(retry_later)");
      expect(message).toContain("HTTP 429, Retry-After 30");
    });

    test("4xx is unrecoverable", async () => {
      const { loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: { status: 422, body: fixture("receiver-rejected.json") } }) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain("HTTP 422");
      expect(message).toContain("track.durationSeconds must be an integer");
    });

    test("revoked hook token is unrecoverable", async () => {
      const { loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: { status: 401, body: fixture("receiver-unauthorized.json") } }) });

      const message = errorMessage(loaded.scrobbler.playbackReport({
        username: "alice",
        track: teardrop,
        state: "playing",
        positionMs: 0,
        playbackRate: 1,
        playerId: "p1",
        playerName: "Symfonium",
        timestamp: 1767225600,
      }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain("HTTP 401");
    });

    test("one temporary failure among several asks to retry", async () => {
      const { navidrome, loaded } = await start({
        config,
        http: receivers({ [BOB_HOOKS[0]!]: { status: 400, body: "bad request" }, [BOB_HOOKS[1]!]: { status: 502, body: "<html>Bad Gateway</html>" } }),
      });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "bob", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(retry_later)");
      expect(message).toContain("2 of 2 webhooks did not accept the scrobble event");
      expect(navidrome.services.http.requests()).toHaveLength(2);
    });

    test("partial delivery still reports the failed webhook", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [BOB_HOOKS[0]!]: accepted, [BOB_HOOKS[1]!]: { status: 410 } }) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "bob", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain("1 of 2 webhooks");
      expect(message).toContain("192.168.1.40:8123 (HTTP 410)");
      expect(navidrome.logs.some((record) => record.level === "warn" && record.message.includes("webhook did not accept event"))).toBe(true);
    });

    test("messages and logs never show the secret part of a URL", async () => {
      const { navidrome, loaded } = await start({ config, http: receivers({ [ALICE_HOOK]: { status: 500 } }) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).not.toContain("tok_4f9a2c");
      expect(navidrome.logs.map((record) => record.message).join("\n")).not.toContain("tok_4f9a2c");
    });

    test("more URLs than the limit are unrecoverable", async () => {
      const hooks = Array.from({ length: 6 }, (_, index) => `https://hooks.example.com/navidrome/${index}`);
      const { navidrome, loaded } = await start({ config: { userWebhooks: JSON.stringify({ alice: hooks }) }, http: receivers({}) });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain('lists 6 URLs for user "alice", more than the maximum of 5');
      expect(navidrome.services.http.requests()).toHaveLength(0);
    });

    test("a URL that is not http is unrecoverable", async () => {
      const { loaded } = await start({ config: { userWebhooks: JSON.stringify({ alice: "ftp://files.example.com/drop" }) } });

      const message = errorMessage(loaded.scrobbler.scrobble({ username: "alice", track: teardrop, timestamp: STARTED_AT }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain('"ftp://files.example.com/drop", which is not an http or https URL');
    });

    test("a timeout outside 1 to 5 seconds is unrecoverable", async () => {
      const { loaded } = await start({ config: { ...config, timeoutSeconds: "30" } });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: teardrop, position: 0 }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain('"timeoutSeconds" is 30');
    });
  });

  test("exports the four scrobbler methods", async () => {
    const { loaded } = await start({});
    expect(loaded.exports).toEqual(["nd_scrobbler_is_authorized", "nd_scrobbler_now_playing", "nd_scrobbler_playback_report", "nd_scrobbler_scrobble"]);
  });
});
