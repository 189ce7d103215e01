import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";

import type { ScrobbleRef } from "@nd/pdk";
import { createNavidrome, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle, readWasm } from "@nd/pdk-simulator";
import { afterAll, describe, expect, test } from "vitest";

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

const HEADER = "submission_time,scrobble_id,media_file_id\r\n";

const temporaryFolders: string[] = [];

afterAll(() => {
  for (const dir of temporaryFolders) rmSync(dir, { recursive: true, force: true });
});

/** Creates an empty folder to mount as /storage, which outlives one simulated Navidrome. */
function storageFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "scrobble-export-"));
  temporaryFolders.push(dir);
  return dir;
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

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, Start][] = [
  ["in-process", starter(async (navidrome) => navidrome.load(plugin))],
  ["QuickJS bundle", starter(async (navidrome) => navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)))],
  ["Extism wasm", starter(async (navidrome) => navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)))],
];

function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

function storageDir(navidrome: Navidrome): string {
  const mount = navidrome.mounts.get("/storage");
  if (mount === undefined) throw new Error("the simulator mounted no /storage folder; the manifest must grant storage");
  return mount.dir;
}

/** Returns the content of every file under `dir` by relative path. */
function snapshot(dir: string): Map<string, string> {
  const entries = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  const paths = entries.map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
  return new Map(paths.map((path) => [path, readFileSync(join(dir, path), "utf8")]));
}

/** Returns the CSV file each day of a history should have: the header, then one record per scrobble. */
function expectedDays(scrobbles: readonly ScrobbleRef[]): Map<string, string> {
  const days = new Map<string, string>();
  for (const scrobble of scrobbles) {
    const day = dayOf(scrobble.submissionTime);
    days.set(day, `${days.get(day) ?? HEADER}${scrobble.submissionTime},${scrobble.id},${scrobble.mediaFileId}\r\n`);
  }
  return days;
}

/** Returns a user's CSV files by day, as the plugin wrote them to the storage folder. */
function exportedDays(navidrome: Navidrome, userName: string): Map<string, string> {
  const dir = join(storageDir(navidrome), "scrobbles", userName);
  if (!existsSync(dir)) return new Map();
  return new Map(
    readdirSync(dir)
      .sort()
      .map((name) => [name.replace(/\.csv$/, ""), readFileSync(join(dir, name), "utf8")]),
  );
}

/** Returns a user's exported records in file order, without the headers. */
function exportedLines(navidrome: Navidrome, userName: string): string[] {
  return [...exportedDays(navidrome, userName).values()]
    .join("")
    .split("\r\n")
    .filter((line) => line !== "" && `${line}\r\n` !== HEADER);
}

function expectedLines(scrobbles: readonly ScrobbleRef[]): string[] {
  return scrobbles.map((scrobble) => `${scrobble.submissionTime},${scrobble.id},${scrobble.mediaFileId}`);
}

function progressOf(navidrome: Navidrome, userName: string): unknown {
  const path = join(storageDir(navidrome), "progress", `${userName}.json`);
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined;
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

/** Writes a file into the storage folder, as an earlier run or an administrator could have left it. */
function seed(navidrome: Navidrome, path: string, text: string): void {
  const file = join(storageDir(navidrome), path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
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
    expect(snapshot(storageDir(navidrome))).toEqual(new Map());
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
    expect([...snapshot(storageDir(navidrome)).keys()].filter((path) => path.includes("theo"))).toEqual([]);
    const firstDay = readFileSync(join(storageDir(navidrome), "scrobbles", "marta", "2025-12-11.csv"), "utf8");
    expect(firstDay.split("\r\n").slice(0, 3)).toEqual([
      "submission_time,scrobble_id,media_file_id",
      "1765437057,90446,yUpWhpHfJpwo0zu4krEvht",
      "1765437376,90449,0ZxAg6mpMNFCUFq2bqyDjW",
    ]);

    const logs = pluginLogs(navidrome);
    expect(logs).toContain('info: export run started users=3 storagePath="/storage"');
    expect(logs).toContain('info: export started user="marta" scrobbles=403 from="2025-12-11T07:10:57Z" to="2025-12-31T23:03:02Z"');
    expect(logs).toContain('info: export up to date user="marta" exported=403 total=403 lastScrobble="2025-12-31T23:03:02Z"');
    expect(logs).toContain('debug: no scrobbles to export user="ilse"');
    expect(logs).toContain("info: export run finished users=3 exported=679");
  });

  test("storage path comes from the storage service", async () => {
    // Navidrome mounts the storage folder at /storage only, so another path cannot be written.
    const { navidrome, loaded } = await start({ storagePath: "/plugin-data" });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(pluginLogs(navidrome)).toContain('info: export run started users=3 storagePath="/plugin-data"');
    expect(pluginLogs(navidrome).filter((line) => line.startsWith("error:"))).toEqual([
      'error: export run failed: the export folders could not be created in the storage folder code="invalid-path" error="files.makeDirectory: the path \\"/plugin-data/scrobbles\\" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>"',
    ]);
    expect(pageRequests(navidrome)).toEqual([]);
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
    const written = snapshot(storageDir(navidrome));
    const pagesBefore = pageRequests(navidrome).length;

    navidrome.advance(HOUR);

    expect(pageRequests(navidrome)).toHaveLength(pagesBefore);
    expect(snapshot(storageDir(navidrome))).toEqual(written);
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
    expect(exportedDays(navidrome, "marta").get("2026-01-01")?.split("\r\n").filter(Boolean)).toHaveLength(15);
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: 417 });
    expect(pluginLogs(navidrome)).toContain('info: export continued user="marta" laterScrobbles=14 after="2025-12-31T23:03:02Z"');
    expect(pageRequests(navidrome).at(-1)).toEqual({ username: "marta", options: { fromTimestamp: 1767222182, maxItems: 1000 } });
  });

  test("read-only storage fails the run", async () => {
    const { navidrome, loaded } = await start({ mounts: { "/storage": { dir: storageFolder(), writable: false } } });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    expect(pluginLogs(navidrome).filter((line) => line.startsWith("error:"))).toEqual([
      'error: export run failed: the export folders could not be created in the storage folder code="read-only" error="files.makeDirectory: /storage is mounted read-only, so /storage/scrobbles cannot be changed"',
    ]);
    expect(pageRequests(navidrome)).toEqual([]);
    expect(snapshot(storageDir(navidrome))).toEqual(new Map());
  });

  test("export resumes once storage is writable", async () => {
    // The storage folder outlives the plugin, so each start below mounts the same folder.
    const dir = storageFolder();
    const config = { pageSize: "50", maxScrobblesPerRun: "170" };
    const first = await start({ config, mounts: { "/storage": dir } });
    first.loaded.lifecycle.onInit();
    first.navidrome.advance(HOUR);
    const written = snapshot(dir);

    const readOnly = await start({ config, mounts: { "/storage": { dir, writable: false } } });
    readOnly.loaded.lifecycle.onInit();
    readOnly.navidrome.advance(HOUR);

    expect(snapshot(dir)).toEqual(written);
    expect(pluginLogs(readOnly.navidrome).filter((line) => line.startsWith("error:"))).toEqual([
      'error: export paused: a file operation failed, and the next run continues after the last scrobble written user="marta" path="/storage/scrobbles/marta/2025-12-20.csv" code="read-only" error="files.write: /storage is mounted read-only, so /storage/scrobbles/marta/2025-12-20.csv cannot be changed"',
    ]);
    expect(pluginLogs(readOnly.navidrome)).not.toContain("info: export run finished users=3 exported=0");

    const writable = await start({ mounts: { "/storage": dir } });
    writable.loaded.lifecycle.onInit();
    writable.navidrome.advance(HOUR);

    expect(exportedDays(writable.navidrome, "marta")).toEqual(expectedDays(histories["marta"] ?? []));
    expect(exportedDays(writable.navidrome, "jonas")).toEqual(expectedDays(histories["jonas"] ?? []));
    expect(pluginLogs(writable.navidrome)).toContain('info: export up to date user="marta" exported=233 total=403 lastScrobble="2025-12-31T23:03:02Z"');
  });

  test("failed file operation pauses the export", async () => {
    // A file where jonas's folder belongs makes every path under it invalid.
    const { navidrome, loaded } = await start();
    seed(navidrome, "scrobbles/jonas", "not a folder");
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    expect(exportedDays(navidrome, "marta")).toEqual(expectedDays(histories["marta"] ?? []));
    expect(progressOf(navidrome, "jonas")).toBeUndefined();
    const errors = pluginLogs(navidrome).filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      'error: export paused: a file operation failed, and the next run continues after the last scrobble written user="jonas" path="/storage/scrobbles/jonas/2025-12-10.csv" code="not-a-directory" error="files.readText: /storage/scrobbles/jonas/2025-12-10.csv or one of its parent folders is a file, not a directory"',
    ]);
    expect(pluginLogs(navidrome).filter((line) => line.startsWith("info: export run finished"))).toEqual([]);

    rmSync(join(storageDir(navidrome), "scrobbles", "jonas"));
    navidrome.advance(HOUR);

    expect(exportedDays(navidrome, "jonas")).toEqual(expectedDays(histories["jonas"] ?? []));
    expect(pluginLogs(navidrome).at(-1)).toBe("info: export run finished users=3 exported=276");
  });

  test("fields with commas, quotes or line breaks are quoted", async () => {
    const day = Date.UTC(2026, 0, 1) / 1000;
    const odd: Histories = {
      ana: [
        { id: 1, mediaFileId: 'mf,"live"', submissionTime: day + 60 },
        { id: 2, mediaFileId: "mf\n1767229999,9,x", submissionTime: day + 120 },
      ],
    };
    const { navidrome, loaded } = await start({ users: [{ userName: "ana" }], allowedUsers: ["ana"], scrobbles: odd });
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);

    // The last record contains a quoted line break followed by text that reads as a later scrobble, so
    // the next run finds the last scrobble only by parsing the quotes.
    odd["ana"]?.push({ id: 3, mediaFileId: "plain", submissionTime: day + 180 });
    navidrome.advance(HOUR);

    expect(exportedDays(navidrome, "ana")).toEqual(
      new Map([["2026-01-01", `${HEADER}1767225660,1,"mf,""live"""\r\n1767225720,2,"mf\n1767229999,9,x"\r\n1767225780,3,plain\r\n`]]),
    );
    expect(progressOf(navidrome, "ana")).toEqual({ lastTimestamp: 1767225780, lastId: 3, exported: 3 });
  });

  test("user names become safe file names", async () => {
    const userName = ".dj/night*";
    const { navidrome, loaded } = await start({ users: [{ userName }], allowedUsers: [userName], scrobbles: { [userName]: (histories["jonas"] ?? []).slice(0, 3) } });
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect([...snapshot(storageDir(navidrome)).keys()]).toEqual(["progress/%2Edj%2Fnight%2A.json", "scrobbles/%2Edj%2Fnight%2A/2025-12-10.csv"]);
  });

  test("day written without progress gets no duplicates", async () => {
    // The state a failed progress write leaves behind: the first day's first lines but no progress.
    const { navidrome, loaded } = await start();
    const marta = histories["marta"] ?? [];
    const firstDay = dayOf(marta[0]?.submissionTime ?? 0);
    seed(navidrome, `scrobbles/marta/${firstDay}.csv`, `${HEADER}${expectedLines(marta.slice(0, 5)).join("\r\n")}\r\n`);
    loaded.lifecycle.onInit();

    navidrome.advance(HOUR);

    expect(exportedDays(navidrome, "marta")).toEqual(expectedDays(marta));
    expect(progressOf(navidrome, "marta")).toMatchObject({ exported: 403 });
  });

  test("invalid progress starts over without duplicates", async () => {
    const { navidrome, loaded, scrobbles } = await start();
    loaded.lifecycle.onInit();
    navidrome.advance(HOUR);
    seed(navidrome, "progress/marta.json", "{lastTimestamp: 1767222182");

    scrobbles["marta"]?.push(...(newYear["marta"] ?? []));
    navidrome.advance(HOUR);

    expect(pluginLogs(navidrome)).toContain(
      'warn: export progress is not valid JSON, so the export starts over and skips the records already written user="marta" path="/storage/progress/marta.json"',
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
    expect(snapshot(storageDir(navidrome))).toEqual(new Map());
  });

  test("exports onInit and the scheduler callback", async () => {
    const { loaded } = await start();
    expect(loaded.exports).toEqual(["nd_on_init", "nd_scheduler_callback"]);
  });
});
