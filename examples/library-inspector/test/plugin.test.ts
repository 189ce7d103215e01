import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { createNavidrome, type LoadedPlugin, type Navidrome, type NavidromeOptions, readBundle, readWasm, type SimulatedLibrary } from "@nd/pdk-simulator";
import { afterAll, describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";
import type { InspectionSummary } from "../src/summary.js";

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(`${import.meta.dirname}/fixtures/${name}`, "utf8")) as T;
}

const libraries = fixture<SimulatedLibrary[]>("libraries.json");
const librariesAfterRescan = fixture<SimulatedLibrary[]>("libraries-after-rescan.json");

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);

/**
 * The shipped manifest without library filesystem access. Most scenarios check the statistics, which
 * need no mounted folder, and without the permission Navidrome sends no mount point to walk.
 */
const statsOnly = { ...manifest, permissions: { ...manifest.permissions, library: { reason: manifest.permissions.library.reason } } };

/** A small library in the usual Artist/Album layout: file sizes in bytes by path. */
const musicFiles: Record<string, number> = {
  "Miles Davis/Kind of Blue/01 So What.flac": 6100,
  "Miles Davis/Kind of Blue/02 Freddie Freeloader.flac": 6100,
  "Miles Davis/Kind of Blue/03 Blue in Green.flac": 2500,
  "Nina Simone/Pastel Blues/01 Be My Husband.flac": 3000,
  "Nina Simone/Pastel Blues/02 Nobody Knows You.flac": 5200,
  "Nina Simone/Pastel Blues/cover.jpg": 800,
  "playlist.m3u": 120,
};

const temporaryFolders: string[] = [];

afterAll(() => {
  for (const dir of temporaryFolders) rmSync(dir, { recursive: true, force: true });
});

/** Creates a library folder that contains files of the given sizes, filled with "a". */
function libraryFolder(fileSizes: Record<string, number>): string {
  const dir = mkdtempSync(join(tmpdir(), "library-inspector-"));
  temporaryFolders.push(dir);
  for (const [path, size] of Object.entries(fileSizes)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), Buffer.alloc(size, "a"));
  }
  return dir;
}

interface Setup extends Omit<NavidromeOptions, "manifest"> {
  readonly manifest?: unknown;
}
type Start = (options: Setup) => Promise<{ navidrome: Navidrome; loaded: LoadedPlugin }>;

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, Start][] = [
  [
    "in-process",
    async (options) => {
      const navidrome = createNavidrome({ manifest: statsOnly, libraries, ...options });
      return { navidrome, loaded: navidrome.load(plugin) };
    },
  ],
  [
    "QuickJS bundle",
    async (options) => {
      const navidrome = createNavidrome({ manifest: statsOnly, libraries, ...options });
      return { navidrome, loaded: await navidrome.loadBundle(readBundle(`${import.meta.dirname}/..`)) };
    },
  ],
  [
    "Extism wasm",
    async (options) => {
      const navidrome = createNavidrome({ manifest: statsOnly, libraries, ...options });
      return { navidrome, loaded: await navidrome.loadWasm(readWasm(`${import.meta.dirname}/..`)) };
    },
  ],
];

/** Returns the plugin's log lines as "level: message". */
function pluginLogs(navidrome: Navidrome): string[] {
  return navidrome.logs.filter((record) => record.source === "plugin").map((record) => `${record.level}: ${record.message}`);
}

/** Returns the plugin's log lines about library files. */
function fileLogs(navidrome: Navidrome): string[] {
  return pluginLogs(navidrome).filter((line) => line.includes("file"));
}

function storedSummary(navidrome: Navidrome): InspectionSummary | undefined {
  const bytes = navidrome.services.kvstore.entries().get("summary");
  return bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as InspectionSummary);
}

describe.each(runtimes)("library-inspector (%s)", (_runtime, start) => {
  test("onInit schedules hourly and inspects at once", async () => {
    const { navidrome, loaded } = await start({});

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    const jobs = navidrome.services.scheduler.jobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.cronExpression).toBe("@hourly");
    expect(jobs[0]?.nextRun).toBe(START + HOUR);
    expect(pluginLogs(navidrome)).toEqual([
      `info: library inspection scheduled cron="@hourly" scheduleId=${JSON.stringify(jobs[0]?.scheduleId)}`,
      'info: library id=1 name="Music" songs=48213 albums=3921 artists=2210 size="1.29 TiB" duration="3169h 31m" lastScan="2025-12-31T03:00:12Z"',
      'info: library id=2 name="Audiobooks" songs=1874 albums=96 artists=71 size="54.22 GiB" duration="803h 38m" lastScan="2025-11-21T22:41:05Z"',
      'warn: library is stale: last scan is older than staleAfterDays id=2 name="Audiobooks" daysSinceScan=40 staleAfterDays=7',
      'info: library id=3 name="Vinyl Rips" songs=0 albums=0 artists=0 size="0 B" duration="0h 0m" lastScan="never"',
      'warn: library has never been scanned; start a scan in Navidrome id=3 name="Vinyl Rips"',
      'info: libraries inspected count=3 songs=50087 albums=4017 size="1.34 TiB" duration="3973h 9m"',
    ]);
  });

  test("summary in kvstore holds every library and the totals", async () => {
    const { navidrome, loaded } = await start({});

    loaded.lifecycle.onInit();

    const summary = storedSummary(navidrome);
    expect(summary?.inspectedAt).toBe(START / 1000);
    expect(summary?.libraries.map((entry) => entry.name)).toEqual(["Music", "Audiobooks", "Vinyl Rips"]);
    expect(summary?.libraries[0]).toEqual({
      id: 1,
      name: "Music",
      songs: 48213,
      albums: 3921,
      artists: 2210,
      sizeBytes: 1412884221903,
      durationSeconds: 11410264.7,
      lastScanAt: 1767150012,
    });
    expect(summary?.totals).toEqual({ songs: 50087, albums: 4017, artists: 2281, sizeBytes: 1471106125015, durationSeconds: 14303367.1 });
  });

  test("configured cron and stale threshold apply", async () => {
    const { navidrome, loaded } = await start({ config: { cron: "0 4 * * *", staleAfterDays: "60" } });

    loaded.lifecycle.onInit();

    expect(navidrome.services.scheduler.jobs()[0]?.cronExpression).toBe("0 4 * * *");
    expect(navidrome.services.scheduler.jobs()[0]?.nextRun).toBe(START + 4 * HOUR);
    expect(pluginLogs(navidrome).filter((line) => line.includes("stale"))).toEqual([]);
  });

  test("onInit rejects an invalid cron expression", async () => {
    const { navidrome, loaded } = await start({ config: { cron: "hourly" } });

    const outcome = loaded.lifecycle.onInit();

    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "cron" = "hourly"');
    expect(navidrome.services.scheduler.jobs()).toEqual([]);
  });

  test("onInit rejects an invalid stale threshold", async () => {
    for (const staleAfterDays of ["a week", "-1"]) {
      const { navidrome, loaded } = await start({ config: { staleAfterDays } });

      const outcome = loaded.lifecycle.onInit();

      expect(outcome.kind).toBe("error");
      expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "staleAfterDays"');
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
      expect(storedSummary(navidrome)).toBeUndefined();
    }
  });

  test("onInit rejects invalid walk settings", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ largestFiles: "101" }, 'plugin configuration "largestFiles" is 101, which is not an integer from 0 to 100'],
      [{ largestFiles: "-1" }, 'plugin configuration "largestFiles" is -1, which is not an integer from 0 to 100'],
      [{ maxWalkDepth: "0" }, 'plugin configuration "maxWalkDepth" is 0, which is not an integer of 1 or more'],
      [{ maxWalkEntries: "2.5" }, 'plugin configuration "maxWalkEntries" is 2.5, which is not an integer of 1 or more'],
      [{ maxWalkEntries: "many" }, 'plugin configuration "maxWalkEntries" is "many", which is not a number'],
    ];
    for (const [config, message] of cases) {
      const { navidrome, loaded } = await start({ config });

      const outcome = loaded.lifecycle.onInit();

      expect(outcome.kind).toBe("error");
      expect(outcome.kind === "error" ? outcome.message : "").toContain(message);
      expect(navidrome.services.scheduler.jobs()).toEqual([]);
    }
  });

  test("each firing reports changes since the previous one", async () => {
    const current: SimulatedLibrary[] = [...libraries];
    const { navidrome, loaded } = await start({ libraries: current });
    loaded.lifecycle.onInit();

    current.splice(0, current.length, ...librariesAfterRescan);
    navidrome.advance(HOUR);

    expect(navidrome.services.scheduler.firings()).toHaveLength(1);
    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    const changes = pluginLogs(navidrome).filter((line) => line.includes("changed"));
    expect(changes).toEqual(['info: library changed since the previous inspection id=1 name="Music" songs="+37" albums="+3" artists="+2"']);
    expect(storedSummary(navidrome)?.inspectedAt).toBe((START + HOUR) / 1000);
    expect(storedSummary(navidrome)?.libraries[0]?.songs).toBe(48250);

    navidrome.advance(HOUR);

    expect(navidrome.services.scheduler.firings()).toHaveLength(2);
    expect(pluginLogs(navidrome).filter((line) => line.includes("changed"))).toHaveLength(1);
  });

  test("filesystem permission adds paths and mount points", async () => {
    const { navidrome, loaded } = await start({ manifest });

    loaded.lifecycle.onInit();

    expect(pluginLogs(navidrome)).toContain(
      'info: library id=1 name="Music" songs=48213 albums=3921 artists=2210 size="1.29 TiB" duration="3169h 31m" lastScan="2025-12-31T03:00:12Z" path="/srv/media/music" mountPoint="/libraries/1"',
    );
    const summary = storedSummary(navidrome);
    expect(summary?.libraries.map((entry) => entry.mountPoint)).toEqual(["/libraries/1", "/libraries/2", "/libraries/3"]);
    expect(summary?.libraries.map((entry) => entry.path)).toEqual(["/srv/media/music", "/srv/media/audiobooks", "/srv/media/vinyl"]);
  });

  test("without filesystem permission, paths stay hidden", async () => {
    const { navidrome, loaded } = await start({});

    loaded.lifecycle.onInit();

    expect(pluginLogs(navidrome).filter((line) => line.includes("path=") || line.includes("mountPoint="))).toEqual([]);
    expect(storedSummary(navidrome)?.libraries.map((entry) => entry.mountPoint)).toEqual([undefined, undefined, undefined]);
    expect(fileLogs(navidrome)).toEqual([]);
    expect(storedSummary(navidrome)?.libraries.map((entry) => entry.files)).toEqual([undefined, undefined, undefined]);
  });

  test("largest files of mounted libraries are reported", async () => {
    // The simulator mounts libraries read-only, as Navidrome does unless the administrator allows writes.
    const { navidrome, loaded } = await start({
      manifest,
      config: { largestFiles: "3" },
      mounts: { "/libraries/1": libraryFolder(musicFiles), "/libraries/2": libraryFolder({ "book.m4b": 900 }), "/libraries/3": libraryFolder({}) },
    });

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    expect(fileLogs(navidrome)).toEqual([
      'info: library files id=1 name="Music" files=7 folders=4',
      'info: large file id=1 rank=1 size="5.96 KiB" path="Miles Davis/Kind of Blue/01 So What.flac"',
      'info: large file id=1 rank=2 size="5.96 KiB" path="Miles Davis/Kind of Blue/02 Freddie Freeloader.flac"',
      'info: large file id=1 rank=3 size="5.08 KiB" path="Nina Simone/Pastel Blues/02 Nobody Knows You.flac"',
      'info: library files id=2 name="Audiobooks" files=1 folders=0',
      'info: large file id=2 rank=1 size="900 B" path="book.m4b"',
      'info: library files id=3 name="Vinyl Rips" files=0 folders=0',
    ]);
    const summary = storedSummary(navidrome);
    expect(summary?.libraries[0]?.files).toEqual({
      largestFiles: [
        { path: "Miles Davis/Kind of Blue/01 So What.flac", sizeBytes: 6100 },
        { path: "Miles Davis/Kind of Blue/02 Freddie Freeloader.flac", sizeBytes: 6100 },
        { path: "Nina Simone/Pastel Blues/02 Nobody Knows You.flac", sizeBytes: 5200 },
      ],
      files: 7,
      folders: 4,
    });
    expect(summary?.libraries[2]?.files).toEqual({ largestFiles: [], files: 0, folders: 0 });
  });

  test("unmounted library is logged and skipped", async () => {
    const { navidrome, loaded } = await start({ manifest, mounts: { "/libraries/2": libraryFolder({ "book.m4b": 900 }) } });

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    const warnings = pluginLogs(navidrome).filter((line) => line.startsWith("warn: library files not inspected"));
    expect(warnings).toEqual([
      'warn: library files not inspected: Navidrome did not mount the library id=1 name="Music" error="files.list: /libraries/1 is not mounted, so /libraries/1 cannot be accessed; set permissions.library.filesystem to true in manifest.json, and give the plugin access to library 1 in Navidrome"',
      'warn: library files not inspected: Navidrome did not mount the library id=3 name="Vinyl Rips" error="files.list: /libraries/3 is not mounted, so /libraries/3 cannot be accessed; set permissions.library.filesystem to true in manifest.json, and give the plugin access to library 3 in Navidrome"',
    ]);
    expect(pluginLogs(navidrome)).toContain('info: large file id=2 rank=1 size="900 B" path="book.m4b"');
    expect(pluginLogs(navidrome)).toContain('info: libraries inspected count=3 songs=50087 albums=4017 size="1.34 TiB" duration="3973h 9m"');
    expect(storedSummary(navidrome)?.libraries.map((entry) => entry.files?.files)).toEqual([undefined, 1, undefined]);
  });

  test("walk stops at maxWalkEntries", async () => {
    // The walk lists in name order: "Miles Davis", "Nina Simone" and "playlist.m3u", then "Kind of
    // Blue", which is the fourth entry.
    const { navidrome, loaded } = await start({ manifest, allowedLibraries: [1], config: { maxWalkEntries: "4" }, mounts: { "/libraries/1": libraryFolder(musicFiles) } });

    loaded.lifecycle.onInit();

    expect(fileLogs(navidrome)).toEqual([
      'info: library files id=1 name="Music" files=1 folders=3',
      'info: large file id=1 rank=1 size="120 B" path="playlist.m3u"',
      'warn: file walk stopped at maxWalkEntries, so the largest files are those of the part walked id=1 name="Music" maxWalkEntries=4',
    ]);
    expect(storedSummary(navidrome)?.libraries[0]?.files?.limitReached).toBe("maxWalkEntries");
  });

  test("walk leaves out folders below maxWalkDepth", async () => {
    const { navidrome, loaded } = await start({ manifest, allowedLibraries: [1], config: { maxWalkDepth: "2" }, mounts: { "/libraries/1": libraryFolder(musicFiles) } });

    loaded.lifecycle.onInit();

    expect(fileLogs(navidrome)).toEqual([
      'info: library files id=1 name="Music" files=1 folders=4',
      'info: large file id=1 rank=1 size="120 B" path="playlist.m3u"',
      'warn: file walk left out folders deeper than maxWalkDepth id=1 name="Music" maxWalkDepth=2',
    ]);
    expect(storedSummary(navidrome)?.libraries[0]?.files?.limitReached).toBe("maxWalkDepth");
  });

  test("link to a parent folder ends at maxWalkDepth", async () => {
    const music = libraryFolder({ "Miles Davis/Kind of Blue/01 So What.flac": 6100 });
    symlinkSync("..", join(music, "Miles Davis", "Kind of Blue", "up"));
    const { navidrome, loaded } = await start({ manifest, allowedLibraries: [1], config: { largestFiles: "2", maxWalkDepth: "6" }, mounts: { "/libraries/1": music } });

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });

    // "up" leads back to "Miles Davis", so the walk lists the top folder, then "Miles Davis" and
    // "Kind of Blue" in turn down to level 6, and counts the file once more through the link.
    expect(storedSummary(navidrome)?.libraries[0]?.files).toEqual({
      largestFiles: [
        { path: "Miles Davis/Kind of Blue/01 So What.flac", sizeBytes: 6100 },
        { path: "Miles Davis/Kind of Blue/up/Kind of Blue/01 So What.flac", sizeBytes: 6100 },
      ],
      files: 2,
      folders: 6,
      limitReached: "maxWalkDepth",
    });
  });

  test("largestFiles 0 turns the walk off", async () => {
    const { navidrome, loaded } = await start({ manifest, config: { largestFiles: "0" }, mounts: { "/libraries/1": libraryFolder(musicFiles) } });

    loaded.lifecycle.onInit();

    expect(fileLogs(navidrome)).toEqual([]);
    expect(storedSummary(navidrome)?.libraries.map((entry) => entry.files)).toEqual([undefined, undefined, undefined]);
  });

  test("only the allowed libraries are inspected", async () => {
    const { navidrome, loaded } = await start({ allowedLibraries: [1] });

    loaded.lifecycle.onInit();

    expect(storedSummary(navidrome)?.libraries.map((entry) => entry.name)).toEqual(["Music"]);
    expect(pluginLogs(navidrome)).toContain('info: libraries inspected count=1 songs=48213 albums=3921 size="1.29 TiB" duration="3169h 31m"');
  });

  test("no allowed library logs a warning", async () => {
    const { navidrome, loaded } = await start({ allowedLibraries: [] });

    loaded.lifecycle.onInit();

    expect(pluginLogs(navidrome)).toContain("warn: no library to inspect; allow the plugin at least one library in its settings in Navidrome");
    expect(storedSummary(navidrome)?.libraries).toEqual([]);
    expect(storedSummary(navidrome)?.totals.songs).toBe(0);
  });

  test("unreadable previous summary is replaced", async () => {
    const { navidrome, loaded } = await start({});
    navidrome.services.kvstore.put("summary", "summary v0: 3 libraries");

    loaded.lifecycle.onInit();

    expect(pluginLogs(navidrome)).toContain('warn: previous summary is not valid JSON and is replaced key="summary"');
    expect(storedSummary(navidrome)?.libraries).toHaveLength(3);
  });

  test("kvstore quota is logged and the schedule continues", async () => {
    const tinyStore = { ...manifest, permissions: { ...manifest.permissions, kvstore: { ...manifest.permissions.kvstore, maxSize: "200B" } } };
    const { navidrome, loaded } = await start({ manifest: tinyStore });

    expect(loaded.lifecycle.onInit()).toEqual({ kind: "no-data" });
    navidrome.advance(HOUR);

    const errors = pluginLogs(navidrome).filter((line) => line.startsWith("error:"));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^error: summary not stored; the next inspection reports no changes key="summary" bytes=\d+ error="storage limit exceeded: would use .* of 200 B allowed"$/);
    expect(pluginLogs(navidrome).filter((line) => line.startsWith("info: libraries inspected"))).toHaveLength(2);
    expect(navidrome.services.scheduler.firings()[0]?.error).toBeUndefined();
    expect(navidrome.services.kvstore.entries().size).toBe(0);
  });

  test("exports onInit and the scheduler callback", async () => {
    const { loaded } = await start({});
    expect(loaded.exports).toEqual(["nd_on_init", "nd_scheduler_callback"]);
  });
});
