import { readFileSync } from "node:fs";

import { createNavidrome, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8"));
}

const nowPlaying = fixture("now-playing.json");
const emptyNowPlaying = fixture("now-playing-empty.json");
const databaseLocked = fixture("subsonic-error.json");

const users = [
  { userName: "jonas", name: "Jonas Berg" },
  { userName: "marta", name: "Marta Lind", isAdmin: true },
];

const MINUTE = 60_000;

type Options = Omit<NavidromeOptions, "manifest">;
type Start = (options: Options) => Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }>;

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, Start][] = [
  [
    "in-process",
    async (options) => {
      const navidrome = createNavidrome({ manifest, users, ...options });
      return { navidrome, loaded: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (options) => {
      const navidrome = createNavidrome({ manifest, users, ...options });
      return { navidrome, loaded: await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)) };
    },
  ],
  [
    "Extism wasm",
    async (options) => {
      const navidrome = createNavidrome({ manifest, users, ...options });
      return { navidrome, loaded: await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)) };
    },
  ],
];

/** Returns the plugin's log lines as "level: message". */
function pluginLogs(navidrome: Navidrome): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin").map((record) => `${record.level}: ${record.message}`);
}

describe.each(runtimes)("now-playing-logger (%s)", (_runtime, start) => {
  test("onInit schedules a check every minute by default", async () => {
    const { navidrome, loaded } = await start({});

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    const jobs = navidrome.services.scheduler.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.recurring).toBe(true);
    expect(jobs[0]?.cronExpression).toBe("* * * * *");
    expect(jobs[0]?.nextRun).toBe(Date.UTC(2026, 0, 1, 0, 1));
    expect(pluginLogs(navidrome)).toEqual([`info: now-playing check scheduled cron="* * * * *" scheduleId=${JSON.stringify(jobs[0]?.scheduleId)}`]);
  });

  test("onInit uses the configured cron expression", async () => {
    const { navidrome, loaded } = await start({ config: { cron: "*/5 * * * *" } });

    loaded.lifecycle.onInit();

    const jobs = navidrome.services.scheduler.jobs();
    expect(jobs[0]?.cronExpression).toBe("*/5 * * * *");
    expect(jobs[0]?.nextRun).toBe(Date.UTC(2026, 0, 1, 0, 5));
  });

  test("onInit fails on an invalid cron expression", async () => {
    const { navidrome, loaded } = await start({ config: { cron: "every minute" } });

    const outcome = loaded.lifecycle.onInit();

    expect(outcome.kind).toBe("error");
    const message = outcome.kind === "error" ? outcome.message : "";
    expect(message).toContain('plugin configuration "cron" = "every minute"');
    expect(message).toContain("invalid cron expression");
    expect(navidrome.services.scheduler.jobs()).toEqual([]);
  });

  test("each firing logs every player", async () => {
    const { navidrome, loaded } = await start({ config: { user: "marta" }, subsonic: { getNowPlaying: nowPlaying } });
    loaded.lifecycle.onInit();

    navidrome.advance(2 * MINUTE);

    const requests = navidrome.services.subsonicApi.requests();
    expect(requests.map((request) => request.endpoint)).toEqual(["getNowPlaying", "getNowPlaying"]);
    expect(requests[0]?.params.get("u")).toBe("marta");
    const firings = navidrome.services.scheduler.firings();
    expect(firings.map((firing) => firing.error)).toEqual([undefined, undefined]);
    const lines = pluginLogs(navidrome).filter((line) => line.startsWith("info: now playing"));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('info: now playing user="marta" artist="The Ellery Quartet" title="Kind of Tidal" album="Low Harbour Nights" player="Feishin" minutesAgo=0');
    expect(lines[1]).toBe('info: now playing user="jonas" artist="Nadia Fernsby" title="Paper Lanterns" album="Satellite Weather" player="Symfonium" minutesAgo=2');
  });

  test("without a configured user, acts as the first administrator", async () => {
    const { navidrome, loaded } = await start({ subsonic: { getNowPlaying: nowPlaying } });
    loaded.lifecycle.onInit();

    navidrome.advance(MINUTE);

    expect(navidrome.services.subsonicApi.requests()[0]?.params.get("u")).toBe("marta");
  });

  test("logs when nothing is playing", async () => {
    const { navidrome, loaded } = await start({ config: { user: "jonas" }, subsonic: { getNowPlaying: emptyNowPlaying } });
    loaded.lifecycle.onInit();

    navidrome.advance(MINUTE);

    expect(pluginLogs(navidrome)).toContain("info: nothing is playing");
  });

  test("Subsonic error is logged and the next firing recovers", async () => {
    let calls = 0;
    const { navidrome, loaded } = await start({
      config: { user: "marta" },
      subsonic: { getNowPlaying: () => (++calls === 1 ? databaseLocked : nowPlaying) },
    });
    loaded.lifecycle.onInit();

    navidrome.advance(MINUTE);

    expect(pluginLogs(navidrome)).toContain('error: now-playing check failed: getNowPlaying returned an error user="marta" error="Subsonic error 0: database is locked"');
    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    expect(navidrome.services.scheduler.jobs()).toHaveLength(1);

    navidrome.advance(MINUTE);

    expect(pluginLogs(navidrome).filter((line) => line.startsWith("info: now playing"))).toHaveLength(2);
  });

  test("rejected host call is logged and the schedule stays", async () => {
    // The administrator allowed only jonas, so Navidrome refuses to call the API as marta.
    const { navidrome, loaded } = await start({ config: { user: "marta" }, allowedUsers: ["jonas"], subsonic: { getNowPlaying: nowPlaying } });
    loaded.lifecycle.onInit();

    navidrome.advance(2 * MINUTE);

    const errors = pluginLogs(navidrome).filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      'error: now-playing check failed: the host call was rejected user="marta" call="subsonicApi.call" error="user marta is not authorized for this plugin"',
      'error: now-playing check failed: the host call was rejected user="marta" call="subsonicApi.call" error="user marta is not authorized for this plugin"',
    ]);
    expect(navidrome.services.scheduler.firings().map((firing) => firing.error)).toEqual([undefined, undefined]);
    expect(navidrome.services.scheduler.jobs()).toHaveLength(1);
  });

  test("response that is not JSON is logged", async () => {
    const page = new TextEncoder().encode("<html><body>502 Bad Gateway</body></html>");
    const { navidrome, loaded } = await start({ config: { user: "marta" }, subsonic: { getNowPlaying: page } });
    loaded.lifecycle.onInit();

    navidrome.advance(MINUTE);

    expect(pluginLogs(navidrome)).toContain(
      'error: now-playing check failed: getNowPlaying returned an error user="marta" error="the response is not JSON: \\"<html><body>502 Bad Gateway</body></html>\\""',
    );
  });

  test("skips the check when no user is available", async () => {
    const { navidrome, loaded } = await start({ users: [{ userName: "jonas" }], subsonic: { getNowPlaying: nowPlaying } });
    loaded.lifecycle.onInit();

    navidrome.advance(MINUTE);

    expect(navidrome.services.subsonicApi.requests()).toEqual([]);
    expect(pluginLogs(navidrome)).toContain(
      'warn: now-playing check skipped: no user to call the Subsonic API as; set "user" in the plugin\'s settings or allow an administrator for the plugin',
    );
  });

  test("exports onInit and the scheduler callback", async () => {
    const { loaded } = await start({});
    expect(loaded.exports).toEqual(["nd_on_init", "nd_scheduler_callback"]);
  });
});
