import { readFileSync } from "node:fs";

import type { PlaybackReportRequest, TrackInfo } from "@nd/pdk";
import {
  createNavidrome,
  type HttpHandler,
  type HttpRequestInfo,
  type HttpResponseInfo,
  type LoadedPlugin,
  type Navidrome,
  type NavidromeOptions,
  readBundle, readWasm,
} from "@nd/pdk-simulator";
import { afterEach, describe, expect, test, vi } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import trackFixtures from "./fixtures/tracks.json" with { type: "json" };

const projectDir = `${import.meta.dirname}/..`;
const fixture = (name: string): string => readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8");

const [hyperballad, shineOn, demo] = trackFixtures as TrackInfo[] as [TrackInfo, TrackInfo, TrackInfo];

const CLIENT_ID = "1184209911270395924";
const ALICE_TOKEN = "alice-discord-token-for-tests";
const config = { clientId: CLIENT_ID, userTokens: JSON.stringify({ Alice: ALICE_TOKEN, bob: "bob-discord-token-for-tests" }) };
const users = [{ userName: "alice", name: "Alice" }, { userName: "bob" }, { userName: "carol" }];

const GATEWAY_LOOKUP_URL = "https://discord.com/api/v10/gateway";
const GATEWAY_URL = "wss://gateway.discord.gg/?v=10&encoding=json";
const ASSETS_URL = `https://discord.com/api/v9/applications/${CLIENT_ID}/external-assets`;
const HYPERBALLAD_RELEASE_URL = `https://coverartarchive.org/release/${hyperballad.mbzAlbumId}`;
const SHINE_ON_RELEASE_URL = `https://coverartarchive.org/release/${shineOn.mbzAlbumId}`;
const HYPERBALLAD_COVER = "http://coverartarchive.org/release/5b9d2e41-8c3f-4a6b-b0e7-1f2d3c4a5e68/30419857724-500.jpg";
const HYPERBALLAD_ASSET = `mp:${(JSON.parse(fixture("external-assets.json")) as { external_asset_path: string }[])[0]!.external_asset_path}`;

const json = (body: string, status = 200): HttpResponseInfo => ({ status, headers: { "Content-Type": "application/json" }, body });

/** Responds as Discord's external assets API does: one proxied path per requested URL. */
function externalAssets(request: HttpRequestInfo): HttpResponseInfo {
  const [url] = (JSON.parse(new TextDecoder().decode(request.body)) as { urls: string[] }).urls;
  if (url === HYPERBALLAD_COVER) return json(fixture("external-assets.json"));
  return json(JSON.stringify([{ url, external_asset_path: `external/tEsTpAtH/${url?.replace("://", "/")}` }]));
}

/** Returns a handler that plays Discord's API and the Cover Art Archive, with routes replaced by `overrides`. */
function remoteServers(overrides: Record<string, HttpResponseInfo | ((request: HttpRequestInfo) => HttpResponseInfo)> = {}): HttpHandler {
  const routes: Record<string, HttpResponseInfo | ((request: HttpRequestInfo) => HttpResponseInfo)> = {
    [GATEWAY_LOOKUP_URL]: json(fixture("gateway-lookup.json")),
    [HYPERBALLAD_RELEASE_URL]: json(fixture("cover-art-archive-release.json")),
    [SHINE_ON_RELEASE_URL]: { status: 404, headers: { "Content-Type": "text/plain" }, body: "No cover art found for release" },
    [ASSETS_URL]: externalAssets,
    ...overrides,
  };
  return (request) => {
    const route = routes[request.url];
    if (route === undefined) return { status: 404, body: "not found" };
    return typeof route === "function" ? route(request) : route;
  };
}

function requestUrls(navidrome: Navidrome): string[] {
  return navidrome.services.http.requests().map((request) => request.url);
}

/** Returns the gateway frames the plugin sent on the latest connection of a user. */
function framesSent(navidrome: Navidrome, username = "alice"): { op: number; d: unknown }[] {
  return navidrome.services.websocket.sent(username).map((message) => (message.type === "text" ? JSON.parse(message.message) : message));
}

/** Returns the activity in the Identify frame of alice's latest connection. */
function identifiedActivity(navidrome: Navidrome): Record<string, unknown> | undefined {
  const identify = framesSent(navidrome).find((frame) => frame.op === 2) as { d: { presence: { activities: Record<string, unknown>[] } } } | undefined;
  return identify?.d.presence.activities[0];
}

function pluginLogs(navidrome: Navidrome, level: string): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin" && record.level === level).map((record) => record.message);
}

function errorMessage(outcome: { kind: string; message?: string }): string {
  expect(outcome.kind).toBe("error");
  return outcome.message ?? "";
}

function report(state: string, positionMs: number, track: TrackInfo = hyperballad): PlaybackReportRequest {
  return { username: "alice", track, state, positionMs, playbackRate: 1, playerId: "b81e2f04-6c1d-4a7e-9f35-0d2c8e6a4b19", playerName: "Feishin", timestamp: 1767225660 };
}

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (navidrome: Navidrome) => LoadedPlugin | Promise<LoadedPlugin>][] = [
  ["in-process", (navidrome) => navidrome.load(plugin)],
  ["QuickJS bundle", (navidrome) => navidrome.loadBundle(readBundle(projectDir))],
  ["Extism wasm", (navidrome) => navidrome.loadWasm(readWasm(projectDir))],
];

afterEach(() => {
  vi.useRealTimers();
});

describe.each(runtimes)("discord-rich-presence (%s)", (_runtime, loadInto) => {
  async function start(options: Omit<NavidromeOptions, "manifest"> = {}): Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }> {
    const navidrome = createNavidrome({ manifest, users, config, http: remoteServers(), ...options });
    // The QuickJS runtime reads the simulated clock for Date; in-process code reads Node's Date, which
    // starts at the same time here.
    vi.useFakeTimers({ toFake: ["Date"], now: navidrome.clock.now() });
    return { navidrome, loaded: await loadInto(navidrome) };
  }

  /** Sends Hello and READY from the gateway, as Discord does after a connection opens. */
  function greet(navidrome: Navidrome, username = "alice"): void {
    expect(navidrome.services.websocket.serverSendText(username, fixture("gateway-hello.json"))).toEqual({ kind: "no-data" });
    expect(navidrome.services.websocket.serverSendText(username, fixture("gateway-ready.json"))).toEqual({ kind: "no-data" });
  }

  /** Starts the plugin with a ready session for alice, playing Hyperballad. */
  async function playing(options: Omit<NavidromeOptions, "manifest"> = {}): Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }> {
    const started = await start(options);
    expect(started.loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 12 })).toEqual({ kind: "no-data" });
    greet(started.navidrome);
    return started;
  }

  describe("isAuthorized", () => {
    test("accepts a user with a token in any case", async () => {
      const { loaded } = await start();
      expect(loaded.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "output", value: true });
      expect(loaded.scrobbler.isAuthorized({ username: "BOB" })).toMatchObject({ kind: "output", value: true });
    });

    test("rejects a user without a token", async () => {
      const { loaded } = await start();
      expect(loaded.scrobbler.isAuthorized({ username: "carol" })).toMatchObject({ kind: "output", value: false });
    });

    test("fails without an application id", async () => {
      const { loaded } = await start({ config: { userTokens: config.userTokens } });
      expect(errorMessage(loaded.scrobbler.isAuthorized({ username: "alice" }))).toContain('plugin configuration "clientId" is not set');
    });

    test("fails for an application id that is not a snowflake", async () => {
      const { loaded } = await start({ config: { ...config, clientId: "navidrome-app" } });
      expect(errorMessage(loaded.scrobbler.isAuthorized({ username: "alice" }))).toContain("which is not a Discord application id");
    });
  });

  describe("session", () => {
    test("first play connects to the gateway", async () => {
      const { navidrome, loaded } = await start();

      expect(loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 12 })).toEqual({ kind: "no-data" });

      expect(navidrome.services.websocket.connections()).toMatchObject([{ connectionId: "alice", url: GATEWAY_URL, status: "open" }]);
      expect(framesSent(navidrome)).toEqual([]);
      expect(navidrome.services.cache.entries().get("session:alice")).toMatchObject({ value: '{"state":"connecting","sequence":null}' });
    });

    test("Hello schedules heartbeats and identifies with the status", async () => {
      const { navidrome, loaded } = await start();
      loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 12 });

      navidrome.services.websocket.serverSendText("alice", fixture("gateway-hello.json"));

      expect(navidrome.services.scheduler.jobs()).toMatchObject([
        { scheduleId: "heartbeat:alice", recurring: true, cronExpression: "@every 41s", payload: '{"action":"heartbeat","username":"alice"}' },
      ]);
      const startedAt = navidrome.clock.now() - 12_000;
      expect(framesSent(navidrome)).toEqual([
        {
          op: 2,
          d: {
            token: ALICE_TOKEN,
            intents: 0,
            properties: { os: "linux", browser: "Navidrome", device: "Navidrome" },
            presence: {
              since: null,
              status: "online",
              afk: false,
              activities: [
                {
                  name: "Navidrome",
                  type: 2,
                  application_id: CLIENT_ID,
                  details: "Hyperballad",
                  state: "Björk",
                  assets: { large_image: HYPERBALLAD_ASSET, large_text: "Post" },
                  timestamps: { start: startedAt, end: startedAt + 321_600 },
                },
              ],
            },
          },
        },
      ]);
    });

    test("READY makes later plays update the status directly", async () => {
      const { navidrome, loaded } = await playing();
      expect(navidrome.services.cache.entries().get("session:alice")).toMatchObject({ value: '{"state":"ready","sequence":1}' });

      expect(loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 })).toEqual({ kind: "no-data" });

      expect(navidrome.services.websocket.connections()).toHaveLength(1);
      expect(framesSent(navidrome).at(-1)).toEqual({
        op: 3,
        d: {
          since: null,
          status: "online",
          afk: false,
          activities: [
            {
              name: "Navidrome",
              type: 2,
              application_id: CLIENT_ID,
              details: "Demo 3 (bedroom take)",
              state: "The Lanterns",
              timestamps: { start: navidrome.clock.now(), end: navidrome.clock.now() + 184_000 },
            },
          ],
        },
      });
      expect(requestUrls(navidrome).filter((url) => url === GATEWAY_LOOKUP_URL)).toHaveLength(1);
    });

    test("heartbeats carry the last sequence number", async () => {
      const { navidrome } = await playing();
      navidrome.services.websocket.serverSendText("alice", fixture("gateway-sessions-replace.json"));

      navidrome.advance(41_000);

      expect(framesSent(navidrome).at(-1)).toEqual({ op: 1, d: 2 });
      expect(navidrome.services.scheduler.firings()).toHaveLength(1);
    });

    test("acknowledgement renews the session", async () => {
      const { navidrome } = await playing();
      const before = navidrome.services.cache.entries().get("session:alice")?.expiresAt ?? 0;

      navidrome.advance(41_000);
      navidrome.services.websocket.serverSendText("alice", fixture("gateway-heartbeat-ack.json"));

      expect(navidrome.services.cache.entries().get("session:alice")?.expiresAt).toBe(before + 41_000);
    });

    test("heartbeat request is answered at once", async () => {
      const { navidrome } = await playing();

      navidrome.services.websocket.serverSendText("alice", fixture("gateway-heartbeat-request.json"));
      expect(framesSent(navidrome).at(-1)).toEqual({ op: 1, d: 1 });
    });

    test("each user gets a connection of their own", async () => {
      const { navidrome, loaded } = await playing();

      loaded.scrobbler.nowPlaying({ username: "bob", track: demo, position: 3 });
      greet(navidrome, "bob");

      expect(navidrome.services.websocket.connections().map((connection) => connection.connectionId)).toEqual(["alice", "bob"]);
      expect(framesSent(navidrome, "bob")[0]).toMatchObject({ op: 2, d: { token: "bob-discord-token-for-tests" } });
      expect(navidrome.services.scheduler.jobs().map((job) => job.scheduleId)).toEqual(["heartbeat:alice", "heartbeat:bob"]);
    });

    test("scrobble changes nothing", async () => {
      const { navidrome, loaded } = await start();

      expect(loaded.scrobbler.scrobble({ username: "alice", track: hyperballad, timestamp: 1767225300 })).toEqual({ kind: "no-data" });
      expect(navidrome.services.http.requests()).toEqual([]);
      expect(navidrome.services.websocket.connections()).toEqual([]);
    });
  });

  describe("cover art", () => {
    test("registers the Cover Art Archive front cover with Discord", async () => {
      const { navidrome } = await playing();

      expect(requestUrls(navidrome)).toEqual([HYPERBALLAD_RELEASE_URL, ASSETS_URL, GATEWAY_LOOKUP_URL]);
      const assetsRequest = navidrome.services.http.requests()[1];
      expect(assetsRequest?.method).toBe("POST");
      expect(assetsRequest?.headers.Authorization).toBe(ALICE_TOKEN);
      expect(JSON.parse(new TextDecoder().decode(assetsRequest?.body))).toEqual({ urls: [HYPERBALLAD_COVER] });
    });

    test("caches resolved covers", async () => {
      const { navidrome, loaded } = await playing();
      const before = navidrome.services.http.requests().length;

      loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 40 });

      expect(navidrome.services.http.requests()).toHaveLength(before);
      expect(navidrome.services.cache.entries().get(`asset:${HYPERBALLAD_COVER}`)).toMatchObject({ value: HYPERBALLAD_ASSET });
    });

    test("uses Navidrome's artwork URL when the server is public", async () => {
      const { navidrome } = await playing({ baseUrl: "https://music.example.org" });

      const assetsRequest = navidrome.services.http.requests().find((request) => request.url === ASSETS_URL);
      const [artworkUrl] = (JSON.parse(new TextDecoder().decode(assetsRequest?.body)) as { urls: string[] }).urls;
      expect(navidrome.services.artwork.parseUrl(artworkUrl ?? "")).toEqual({ kind: "track", id: hyperballad.id, size: 512 });
      expect(requestUrls(navidrome)).not.toContain(HYPERBALLAD_RELEASE_URL);
    });

    test("follows the archive's redirects", async () => {
      const index = `https://archive.org/download/mbid-${hyperballad.mbzAlbumId}/index.json`;
      const mirror = `https://ia803104.us.archive.org/17/items/mbid-${hyperballad.mbzAlbumId}/index.json`;
      const { navidrome } = await playing({
        http: remoteServers({
          [HYPERBALLAD_RELEASE_URL]: { status: 307, headers: { Location: index } },
          [index]: { status: 302, headers: { Location: mirror } },
          [mirror]: json(fixture("cover-art-archive-release.json")),
        }),
      });

      expect(requestUrls(navidrome)).toEqual([HYPERBALLAD_RELEASE_URL, index, mirror, ASSETS_URL, GATEWAY_LOOKUP_URL]);
      expect(framesSent(navidrome)[0]).toMatchObject({ d: { presence: { activities: [{ assets: { large_image: HYPERBALLAD_ASSET } }] } } });
    });

    test("shows no image for a release without cover", async () => {
      const { navidrome, loaded } = await start();

      loaded.scrobbler.nowPlaying({ username: "alice", track: shineOn, position: 0 });
      loaded.scrobbler.nowPlaying({ username: "alice", track: shineOn, position: 30 });
      greet(navidrome);

      expect(requestUrls(navidrome).filter((url) => url === SHINE_ON_RELEASE_URL)).toHaveLength(1);
      expect(requestUrls(navidrome)).not.toContain(ASSETS_URL);
      expect(identifiedActivity(navidrome)).toMatchObject({ details: "Shine On You Crazy Diamond (Parts I–V)" });
      expect(identifiedActivity(navidrome)).not.toHaveProperty("assets");
    });

    test("shows no image for a track without MusicBrainz id", async () => {
      const { navidrome, loaded } = await start();

      loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 });
      expect(requestUrls(navidrome)).toEqual([GATEWAY_LOOKUP_URL]);
    });

    test("rate limit leaves the image out", async () => {
      const { navidrome } = await playing({
        http: remoteServers({ [ASSETS_URL]: { status: 429, headers: { "Retry-After": "3" }, body: fixture("external-assets-rate-limited.json") } }),
      });

      expect(identifiedActivity(navidrome)).toMatchObject({ details: "Hyperballad" });
      expect(identifiedActivity(navidrome)).not.toHaveProperty("assets");
      expect(pluginLogs(navidrome, "warn")).toContain('Discord external assets returned an error status=429 retryAfter="3"');
      expect(navidrome.services.cache.entries().has(`asset:${HYPERBALLAD_COVER}`)).toBe(false);
    });

    test("rejected token leaves the image out", async () => {
      const { navidrome } = await playing({ http: remoteServers({ [ASSETS_URL]: json(fixture("external-assets-unauthorized.json"), 401) }) });

      expect(pluginLogs(navidrome, "warn")).toContain("Discord external assets returned an error status=401 retryAfter=undefined");
      expect(identifiedActivity(navidrome)).not.toHaveProperty("assets");
    });

    test("archive outage leaves the image out", async () => {
      const { navidrome } = await playing({
        http: remoteServers({
          [HYPERBALLAD_RELEASE_URL]: () => {
            throw new Error("dial tcp 207.241.224.2:443: i/o timeout");
          },
        }),
      });

      expect(pluginLogs(navidrome, "warn")[0]).toContain("Cover Art Archive request failed");
      expect(requestUrls(navidrome)).not.toContain(ASSETS_URL);
      expect(identifiedActivity(navidrome)).not.toHaveProperty("assets");
    });
  });

  describe("playback reports", () => {
    test("paused shows the track without progress", async () => {
      const { navidrome, loaded } = await playing();

      expect(loaded.scrobbler.playbackReport(report("paused", 95_000))).toEqual({ kind: "no-data" });

      expect(framesSent(navidrome).at(-1)).toEqual({
        op: 3,
        d: {
          since: null,
          status: "online",
          afk: false,
          activities: [
            {
              name: "Navidrome",
              type: 2,
              application_id: CLIENT_ID,
              details: "Hyperballad",
              state: "Björk (paused)",
              assets: { large_image: HYPERBALLAD_ASSET, large_text: "Post" },
            },
          ],
        },
      });
    });

    test("playing resumes the progress from the report", async () => {
      const { navidrome, loaded } = await playing();

      loaded.scrobbler.playbackReport(report("paused", 95_000));
      expect(loaded.scrobbler.playbackReport(report("playing", 95_000))).toEqual({ kind: "no-data" });

      const startedAt = 1767225660 * 1000 - 95_000;
      expect(framesSent(navidrome).at(-1)).toMatchObject({ op: 3, d: { activities: [{ state: "Björk", timestamps: { start: startedAt, end: startedAt + 321_600 } }] } });
    });

    test("stopped clears the status and closes the connection", async () => {
      const { navidrome, loaded } = await playing();

      expect(loaded.scrobbler.playbackReport(report("stopped", 200_000))).toEqual({ kind: "no-data" });
      navidrome.clock.runDue();

      expect(navidrome.services.websocket.connections()).toMatchObject([{ status: "closed", closedBy: "plugin", closeCode: 4999, closeReason: "playback stopped" }]);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
      expect(navidrome.services.cache.entries().has("session:alice")).toBe(false);
      expect(navidrome.services.cache.entries().has("presence:alice")).toBe(false);
    });

    test("play after stop opens a new session", async () => {
      const { navidrome, loaded } = await playing();

      loaded.scrobbler.playbackReport(report("stopped", 200_000));
      loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 });
      navidrome.clock.runDue();
      greet(navidrome);

      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["closed", "open"]);
      expect(navidrome.services.cache.entries().get("session:alice")).toMatchObject({ value: '{"state":"ready","sequence":1}' });
    });

    test("starting changes nothing", async () => {
      const { navidrome, loaded } = await start();

      expect(loaded.scrobbler.playbackReport(report("starting", 0))).toEqual({ kind: "no-data" });
      expect(navidrome.services.websocket.connections()).toEqual([]);
    });
  });

  describe("failures", () => {
    test("user without a token is not authorized", async () => {
      const { navidrome, loaded } = await start();

      expect(errorMessage(loaded.scrobbler.nowPlaying({ username: "carol", track: hyperballad, position: 0 }))).toContain(
        'scrobbler(not_authorized): user "carol" has no Discord token',
      );
      expect(errorMessage(loaded.scrobbler.playbackReport({ ...report("playing", 0), username: "carol" }))).toContain("scrobbler(not_authorized)");
      expect(navidrome.services.http.requests()).toEqual([]);
    });

    test("invalid token settings are unrecoverable", async () => {
      const { loaded } = await start({ config: { clientId: CLIENT_ID, userTokens: '["alice"]' } });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 0 }));
      expect(message).toContain("scrobbler(unrecoverable)");
      expect(message).toContain('plugin configuration "userTokens" must be a JSON object');
    });

    test("gateway lookup outage asks to retry later", async () => {
      const { navidrome, loaded } = await start({
        http: remoteServers({
          [GATEWAY_LOOKUP_URL]: () => {
            throw new Error("dial tcp 162.159.135.232:443: connect: network is unreachable");
          },
        }),
      });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: hyperballad, position: 0 }));
      expect(message).toContain("scrobbler(retry_later): looking up the Discord gateway failed");
      expect(message).toContain("network is unreachable");
      expect(navidrome.services.websocket.connections()).toEqual([]);
    });

    test("gateway lookup 5xx asks to retry later", async () => {
      const { loaded } = await start({ http: remoteServers({ [GATEWAY_LOOKUP_URL]: { status: 502, body: "<html>502 Bad Gateway</html>" } }) });

      expect(errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 }))).toContain("scrobbler(retry_later): looking up the Discord gateway failed: HTTP 502");
    });

    test("refused connection asks to retry later", async () => {
      const { navidrome, loaded } = await start({
        websocket: {
          onConnect: () => {
            throw new Error("websocket: bad handshake");
          },
        },
      });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 }));
      expect(message).toContain("scrobbler(retry_later): connecting to the Discord gateway failed");
      expect(message).toContain("bad handshake");
      expect(navidrome.services.cache.entries().has("session:alice")).toBe(false);
    });

    test("status update on a dropped connection asks to retry later", async () => {
      const { navidrome, loaded } = await playing();
      // A session entry that outlived its connection, as after a lost close event. The simulator
      // has no call to seed the cache, so the test calls the host function's implementation.
      navidrome.services.websocket.serverClose("alice", 1001, "going away");
      navidrome.services.cache.functions.cache_setstring?.({ key: "session:alice", value: '{"state":"ready","sequence":1}' });

      const message = errorMessage(loaded.scrobbler.nowPlaying({ username: "alice", track: demo, position: 0 }));
      expect(message).toContain("scrobbler(retry_later): updating the Discord status failed");
      expect(navidrome.services.cache.entries().has("session:alice")).toBe(false);
    });
  });

  describe("reconnect", () => {
    test("reconnects after the gateway closes", async () => {
      const { navidrome } = await playing();

      expect(navidrome.services.websocket.serverClose("alice", 1001, "Discord WebSocket requesting client reconnect.")).toEqual({ kind: "no-data" });
      expect(navidrome.services.scheduler.jobs()).toMatchObject([{ scheduleId: "reconnect:alice:1", payload: '{"action":"reconnect","username":"alice","attempt":1}' }]);

      navidrome.advance(10_000);
      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["closed", "open"]);

      greet(navidrome);
      expect(framesSent(navidrome)[0]).toMatchObject({ op: 2, d: { presence: { activities: [{ details: "Hyperballad" }] } } });
      expect(navidrome.services.scheduler.jobs().map((job) => job.scheduleId)).toEqual(["heartbeat:alice"]);
    });

    test("reconnects after a read error", async () => {
      const { navidrome } = await playing();

      navidrome.services.websocket.serverError("alice", "read tcp 192.168.1.20:50412->162.159.135.234:443: read: connection reset by peer");
      expect(pluginLogs(navidrome, "warn").some((message) => message.startsWith("Discord connection lost"))).toBe(true);

      navidrome.advance(10_000);
      expect(navidrome.services.websocket.connections().at(-1)?.status).toBe("open");
    });

    test("Reconnect opcode replaces the session", async () => {
      const { navidrome } = await playing();

      navidrome.services.websocket.serverSendText("alice", fixture("gateway-reconnect.json"));
      navidrome.clock.runDue();
      expect(navidrome.services.websocket.connections()).toMatchObject([{ status: "closed", closedBy: "plugin", closeReason: "new session requested" }]);

      navidrome.advance(10_000);
      expect(navidrome.services.websocket.connections().at(-1)?.status).toBe("open");
    });

    test("invalid session replaces the session", async () => {
      const { navidrome } = await playing();

      navidrome.services.websocket.serverSendText("alice", fixture("gateway-invalid-session.json"));
      navidrome.advance(10_000);
      expect(navidrome.services.websocket.connections().map((connection) => connection.status)).toEqual(["closed", "open"]);
    });

    test("rejected token stops reconnecting", async () => {
      const { navidrome } = await playing();

      navidrome.services.websocket.serverClose("alice", 4004, "Authentication failed.");

      expect(pluginLogs(navidrome, "error")).toEqual([
        'Discord rejected the session; check the user\'s token in the plugin\'s settings username="alice" code=4004 description="websocket: close 4004: Authentication failed."',
      ]);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
      expect(navidrome.services.cache.entries().has("presence:alice")).toBe(false);
    });

    test("gives up after five failed attempts", async () => {
      let rejectConnections = false;
      const { navidrome } = await playing({
        websocket: {
          onConnect: () => {
            if (rejectConnections) throw new Error("dial tcp: lookup gateway.discord.gg: no such host");
          },
        },
      });
      rejectConnections = true;
      navidrome.services.websocket.serverClose("alice", 1001, "going away");

      // Attempt n waits 10 * n seconds: 10, 20, 30, 40 and 50 seconds.
      navidrome.advance(150_000);

      expect(navidrome.services.websocket.connections()).toHaveLength(1);
      expect(pluginLogs(navidrome, "warn").filter((message) => message.startsWith("reconnect failed"))).toHaveLength(5);
      expect(pluginLogs(navidrome, "error")).toEqual(['gave up reconnecting to Discord; the next play tries again username="alice" attempts=5']);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
    });

    test("no reconnect once nothing plays", async () => {
      const { navidrome } = await playing();

      // The status of a 321.6 s track expires 60 s after its end.
      navidrome.advance(400_000);
      navidrome.services.websocket.serverClose("alice", 1000, "");

      expect(navidrome.services.scheduler.jobs()).toEqual([]);
      expect(pluginLogs(navidrome, "info")).toContain('Discord connection closed username="alice" code=1000 description=""');
    });

    test("silent connection is replaced", async () => {
      const { navidrome, loaded } = await start();
      loaded.scrobbler.nowPlaying({ username: "alice", track: shineOn, position: 0 });
      greet(navidrome);

      // No heartbeat is acknowledged, so the session entry expires after 600 s and the next
      // heartbeat, at 615 s, closes the connection.
      navidrome.advance(616_000);
      expect(navidrome.services.websocket.connections()).toMatchObject([{ status: "closed", closeCode: 4999, closeReason: "session expired" }]);

      navidrome.advance(10_000);
      expect(navidrome.services.websocket.connections().at(-1)?.status).toBe("open");
    });

    test("ignores schedules it did not create", async () => {
      const { navidrome, loaded } = await start();

      expect(loaded.scheduler.onCallback({ scheduleId: "nightly", payload: "cleanup", isRecurring: true })).toEqual({ kind: "no-data" });
      expect(pluginLogs(navidrome, "warn")).toEqual(['ignored a schedule this plugin did not create scheduleId="nightly"']);
    });
  });

  test("exports the scrobbler, websocket and scheduler callbacks", async () => {
    const { loaded } = await start();
    expect(loaded.exports).toEqual([
      "nd_scheduler_callback",
      "nd_scrobbler_is_authorized",
      "nd_scrobbler_now_playing",
      "nd_scrobbler_playback_report",
      "nd_scrobbler_scrobble",
      "nd_websocket_on_binary_message",
      "nd_websocket_on_close",
      "nd_websocket_on_error",
      "nd_websocket_on_text_message",
    ]);
  });
});
