import { readFileSync } from "node:fs";

import type { ScrobbleRef } from "@nd/pdk";
import { createNavidrome, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

type Histories = Record<string, ScrobbleRef[]>;

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8")) as T;
}

/** 403 scrobbles of marta over 18 days, with six sharing one second; 276 of jonas; none of ilse; 140 of theo. */
const histories = fixture<Histories>("scrobbles.json");
/** 14 more scrobbles of marta, all on 2026-01-01. */
const newYear = fixture<Histories>("scrobbles-2026-01-01.json");

const users = [{ userName: "marta", isAdmin: true }, { userName: "jonas" }, { userName: "ilse" }, { userName: "theo" }];
// The administrator did not select theo, so his history must stay out of the export.
const allowedUsers = ["marta", "jonas", "ilse"];

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);
/** The second at which marta's offline client submitted six plays. */
const BURST_SECOND = 1766275170;

function withQuota(maxSize: string): unknown {
  return { ...manifest, permissions: { ...manifest.permissions, kvstore: { ...manifest.permissions.kvstore, maxSize } } };
}

interface Setup extends Omit<NavidromeOptions, "manifest"> {
  readonly manifest?: unknown;
}
type Start = (options?: Setup) => Promise<{ navidrome: Navidrome; loaded: LoadedPlugin; scrobbles: Histories }>;

/** Returns a setup whose scrobble histories are a fresh copy, so that a test can add scrobbles. */
function starter(load: (navidrome: Navidrome) => Promise<LoadedPlugin>): Start {
  return async (options = {}) => {
    const scrobbles = structuredClone(histories);
    const navidrome = createNavidrome({ manifest, users, allowedUsers, scrobbles, ...options });
    return { navidrome, loaded: await load(navidrome), scrobbles };
  };
}

// Every scenario runs twice: on the plugin object in-process, and on the built bundle inside QuickJS,
// the engine family extism-js uses.
const runtimes: [string, Start][] = [
  ["in-process", starter(async (navidrome) => navidrome.load(plugin))],
  ["QuickJS bundle", starter(async (navidrome) => navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)))],
];

function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Returns the CSV text the export should hold for each day of a history. */
function expectedDays(scrobbles: readonly ScrobbleRef[]): Map<string, string> {
  const days = new Map<string, string>();
  for (const scrobble of scrobbles) {
    const day = dayOf(scrobble.submissionTime);
    days.set(day, `${days.get(day) ?? ""}${scrobble.submissionTime},${scrobble.id},${scrobble.mediaFileId}\n`);
  }
  return days;
}

/** Returns a user's exported CSV text by day, as stored in the kvstore. */
function exportedDays(navidrome: Navidrome, userName: string): Map<string, string> {
  const prefix = `export:${userName}:`;
  const days = new Map<string, string>();
  for (const [key, value] of navidrome.services.kvstore.entries()) {
    if (key.startsWith(prefix)) days.set(key.slice(prefix.length), new TextDecoder().decode(value));
  }
  return days;
}

function exportedLines(navidrome: Navidrome, userName: string): string[] {
  return [...exportedDays(navidrome, userName).values()].join("").split("\n").filter((line) => line !== "");
}

function expectedLines(scrobbles: readonly ScrobbleRef[]): string[] {
  return scrobbles.map((scrobble) => `${scrobble.submissionTime},${scrobble.id},${scrobble.mediaFileId}`);
}

function progressOf(navidrome: Navidrome, userName: string): unknown {
  const bytes = navidrome.services.kvstore.entries().get(`progress:${userName}`);
  return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
}

function pageRequests(navidrome: Navidrome): { username: string; options: Record<string, unknown> }[] {
  return navidrome.hostCalls
    .filter((call) => call.importName === "scrobbleretriever_getscrobbles")
    .map((call) => call.request as { username: string; options: Record<string, unknown> });
}

/** Returns the plugin's log lines as "level: message". */
function pluginLogs(navidrome: Navidrome): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin").map((record) => `${record.level}: ${record.message}`);
}

function seed(navidrome: Navidrome, key: string, text: string): void {
  // The simulator has no option to seed the store, so the test writes through the host function itself.
  navidrome.services.kvstore.functions.kvstore_set?.({ key, value: Buffer.from(text).toString("base64") });
}

describe.each(runtimes)("scrobble-history-exporter (%s)", (_runtime, start) => {
  test("onInit schedules an hourly export", async () => {
    const { navidrome, loaded } = await start();

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    const jobs = navidrome.services.scheduler.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.cronExpression).toBe("@hourly");
    expect(jobs[0]?.nextRun).toBe(START + HOUR);
    expect(pluginLogs(navidrome)).toEqual([
      `info: scrobble export scheduled cron="@hourly" scheduleId=${JSON.stringify(jobs[0]?.scheduleId)} pageSize=1000 maxScrobblesPerRun=20000`,
    ]);
    expect(navidrome.services.kvstore.entries().size).toBe(0);
  });

  test("onInit rejects invalid settings", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ pageSize: "0" }, 'plugin configuration "pageSize" is 0, which is not an integer from 1 to 5000'],
      [{ pageSize: "6000" }, 'plugin configuration "pageSize" is 6000, which is not an integer from 1 to 5000'],
      [{ pageSize: "12.5" }, 'plugin configuration "pageSize" is 12.5, which is not an integer from 1 to 5000'],
      [{ pageSize: "lots" }, 'plugin configuration "pageSize" is "lots", which is not a number'],
      [{ maxScrobblesPerRun: "0" }, 'plugin configuration "maxScrobblesPerRun" is 0, which is not an integer of 1 or more'],
      [{ cron: "hourly" }, 'cannot schedule the export with plugin configuration "cron" = "hourly"'],
    ];
    for (const [config, message] of cases) {
      const { navidrome, loaded } = await start({ config });

      const outcome = loaded.lifecycle.onInit();

      expect(outcome.kind).toBe("error");
      expect(outcome.kind === "error" ? outcome.message : "").toContain(message);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
    }
  });

  test("first run exports every allowed user", async () => {
    const { navidrome, loaded } = await start();
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    for (const userName of ["marta", "jonas"]) {
      const history = histories[userName] ?? [];
      const last = history[history.length - 1];
      expect(exportedDays(navidrome, userName)).toEqual(expectedDays(history));
      expect(progressOf(navidrome, userName)).toEqual({ lastTimestamp: last?.submissionTime, lastId: last?.id, exported: history.length });
    }
    expect(exportedDays(navidrome, "marta").size).toBe(18);
    expect(exportedDays(navidrome, "ilse").size).toBe(0);
    expect(exportedDays(navidrome, "theo").size).toBe(0);
    expect([...navidrome.services.kvstore.entries().keys()].filter((key) => key.includes("theo"))).toEqual([]);

    const logs = pluginLogs(navidrome);
    expect(logs).toContain('info: export run started users=3 storagePath="/storage"');
    expect(logs).toContain('info: export started user="marta" scrobbles=403 from="2025-12-11T07:10:57Z" to="2025-12-31T23:03:02Z"');
    expect(logs).toContain('info: export up to date user="marta" exported=403 total=403 lastScrobble="2025-12-31T23:03:02Z"');
    expect(logs).toContain('debug: no scrobbles to export user="ilse"');
    expect(logs).toContain("info: export run finished users=3 exported=679");
  });

  test("storage path comes from the storage service", async () => {
    const { navidrome, loaded } = await start({ storagePath: "/plugin-data" });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(pluginLogs(navidrome)).toContain('info: export run started users=3 storagePath="/plugin-data"');
  });

  test("every page size exports each scrobble once", async () => {
    // A page size of 10 ends a page inside marta's six scrobbles of the same second.
    for (const pageSize of [10, 57, 5000]) {
      const { navidrome, loaded } = await start({ config: { pageSize: String(pageSize) } });
      loaded.lifecycle.onInit();

      navidrome.advance(HOUR);

      expect(exportedLines(navidrome, "marta")).toEqual(expectedLines(histories["marta"] ?? []));
      expect(exportedLines(navidrome, "jonas")).toEqual(expectedLines(histories["jonas"] ?? []));
      const pages = pageRequests(navidrome);
      expect(pages.filter((page) => page.username === "marta")).toHaveLength(Math.ceil(403 / pageSize));
      expect(pages.filter((page) => page.username === "jonas")).toHaveLength(Math.ceil(276 / pageSize));
      expect(pages.every((page) => page.options["maxItems"] === pageSize)).toBe(true);
    }
  });

  test("per-run limit resumes across runs", async () => {
    // 170 ends the first run inside marta's six scrobbles of the same second.
    const { navidrome, loaded } = await start({ config: { pageSize: "50", maxScrobblesPerRun: "170" } });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(exportedLines(navidrome, "marta")).toEqual(expectedLines((histories["marta"] ?? []).slice(0, 170)));
    expect(progressOf(navidrome, "marta")).toMatchObject({ lastTimestamp: BURST_SECOND, exported: 170 });
    expect(exportedDays(navidrome, "jonas").size).toBe(0);
    expect(pluginLogs(navidrome)).toContain("info: maxScrobblesPerRun reached; the next run continues maxScrobblesPerRun=170 exported=170");

    navidrome.advance(3 * HOUR);

    expect(navidrome.services.scheduler.firings()).toHaveLength(4);
    expect(exportedLines(navidrome, "marta")).toEqual(expectedLines(histories["marta"] ?? []));
    expect(exportedLines(navidrome, "jonas")).toEqual(expectedLines(histories["jonas"] ?? []));
    expect(progressOf(navidrome, "jonas")).toMatchObject({ exported: 276 });
    expect(pluginLogs(navidrome)).toContain(`info: export continued user="marta" laterScrobbles=229 after="2025-12-20T23:59:30Z"`);
  });

  test("up-to-date run reads no pages", async () => {
    const { navidrome, loaded } = await start();
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);
    const stored = navidrome.services.kvstore.entries();
    const pagesBefore = pageRequests(navidrome).length;

    navidrome.advance(HOUR);

    expect(pageRequests(navidrome)).toHaveLength(pagesBefore);
    expect(navidrome.services.kvstore.entries()).toEqual(stored);
    expect(pluginLogs(navidrome)).toContain('debug: export up to date user="marta" exported=403');
    expect(pluginLogs(navidrome).at(-1)).toBe("info: export run finished users=3 exported=0");
  });

  test("new scrobbles continue the export", async () => {
    const { navidrome, loaded, scrobbles } = await start();
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);

    scrobbles["marta"]?.push(...(newYear["marta"] ?? []));
    navidrome.advance(HOUR);

    const all = [...(histories["marta"] ?? []), ...(newYear["marta"] ?? [])];
    expect(exportedDays(navidrome, "marta")).toEqual(expectedDays(all));
    expect(exportedDays(navidrome, "marta").get("2026-01-01")?.split("\n").filter(Boolean)).toHaveLength(14);
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: 417 });
    expect(pluginLogs(navidrome)).toContain('info: export continued user="marta" laterScrobbles=14 after="2025-12-31T23:03:02Z"');
    expect(pageRequests(navidrome).at(-1)).toEqual({ username: "marta", options: { fromTimestamp: 1767222182, maxItems: 1000 } });
  });

  test("kvstore quota pauses the export", async () => {
    const { navidrome, loaded } = await start({ manifest: withQuota("12KB") });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    const firstRun = navidrome.services.kvstore.entries();
    const stored = exportedLines(navidrome, "marta");
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThan(403);
    expect(stored).toEqual(expectedLines(histories["marta"] ?? []).slice(0, stored.length));
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: stored.length });
    expect(exportedDays(navidrome, "jonas").size).toBe(0);
    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    const errors = pluginLogs(navidrome).filter((line) => line.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: export paused: the kvstore rejected a write, and the next run continues after the last stored scrobble user="marta" day="2025-12-\d\d" error="storage limit exceeded: would use [\d.]+ kB of 12 kB allowed"$/,
    );
    expect(pluginLogs(navidrome)).not.toContain("info: export run finished users=3 exported=0");

    navidrome.advance(HOUR);

    expect(navidrome.services.kvstore.entries()).toEqual(firstRun);
    expect(pluginLogs(navidrome).filter((line) => line.startsWith("error:"))).toHaveLength(2);
  });

  test("export resumes once space is available", async () => {
    const { navidrome, loaded } = await start({ manifest: withQuota("12KB") });
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);
    const paused = exportedLines(navidrome, "marta").length;

    // A new package raises the quota. Navidrome keeps the store in a file named after the plugin id, so
    // the new package starts with the stored data, which the test copies over.
    const upgraded = await start({ manifest: withQuota("5MB") });
    for (const [key, value] of navidrome.services.kvstore.entries()) seed(upgraded.navidrome, key, new TextDecoder().decode(value));
    upgraded.loaded.lifecycle.onInit();
    upgraded.navidrome.advance(HOUR);

    expect(exportedLines(upgraded.navidrome, "marta")).toEqual(expectedLines(histories["marta"] ?? []));
    expect(exportedLines(upgraded.navidrome, "jonas")).toEqual(expectedLines(histories["jonas"] ?? []));
    expect(pluginLogs(upgraded.navidrome)).toContain(`info: export up to date user="marta" exported=${403 - paused} total=403 lastScrobble="2025-12-31T23:03:02Z"`);
  });

  test("day written without progress gets no duplicates", async () => {
    // The state a failed progress write leaves behind: the first day's first lines but no progress.
    const { navidrome, loaded } = await start();
    const marta = histories["marta"] ?? [];
    const firstDay = dayOf(marta[0]?.submissionTime ?? 0);
    seed(navidrome, `export:marta:${firstDay}`, `${expectedLines(marta.slice(0, 5)).join("\n")}\n`);
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(exportedDays(navidrome, "marta")).toEqual(expectedDays(marta));
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: 403 });
  });

  test("invalid progress starts over without duplicates", async () => {
    const { navidrome, loaded, scrobbles } = await start();
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);
    seed(navidrome, "progress:marta", "{lastTimestamp: 1767222182");

    scrobbles["marta"]?.push(...(newYear["marta"] ?? []));
    navidrome.advance(HOUR);

    expect(pluginLogs(navidrome)).toContain(
      'warn: export progress is not valid JSON, so the export starts over and skips the lines already stored user="marta" key="progress:marta"',
    );
    expect(exportedDays(navidrome, "marta")).toEqual(expectedDays([...(histories["marta"] ?? []), ...(newYear["marta"] ?? [])]));
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: 417 });
  });

  test("no allowed user logs a warning", async () => {
    const { navidrome, loaded } = await start({ allowedUsers: [] });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(pluginLogs(navidrome)).toContain("warn: no users to export; select the users for the plugin in its settings in Navidrome");
    expect(pageRequests(navidrome)).toEqual([]);
    expect(navidrome.services.kvstore.entries().size).toBe(0);
  });

  test("exports onInit and the scheduler callback", async () => {
    const { loaded } = await start();
    expect(loaded.exports).toEqual(["nd_on_init", "nd_scheduler_callback"]);
  });
});
