// The files API of @nd/pdk in both runtimes of the simulator. The scenarios of files-plugin.ts run
// in-process and as a bundle in QuickJS against real temporary folders. Both must give the expected
// transcripts of files-scenarios.ts, which the engine's tests check as well.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { BundleSource, LoadedPlugin, LoadOptions, Navidrome, NavidromeOptions, PluginCompiler } from "../src/index.js";
import { createNavidrome } from "../src/index.js";
import filesPlugin from "./fixtures/files-plugin.js";
import type { TranscriptStep } from "./fixtures/files-plugin.js";
import {
  bundleFilesPlugin,
  createEscapeFolders,
  createLibraryFolder,
  createTemporaryFolder,
  EXPECTED_TRANSCRIPTS,
  removeTemporaryFolders,
} from "./fixtures/files-scenarios.js";

const manifest = {
  name: "Files",
  author: "Tests",
  version: "1.0.0",
  permissions: { storage: {}, library: { filesystem: true } },
};

type Runtime = "in-process" | "quickjs";
const RUNTIMES: readonly Runtime[] = ["in-process", "quickjs"];

let bundle: BundleSource;

beforeAll(async () => {
  bundle = { bundle: await bundleFilesPlugin() };
});

afterAll(removeTemporaryFolders);

async function load(runtime: Runtime, options: Partial<NavidromeOptions> = {}, loadOptions: LoadOptions = {}): Promise<{ navidrome: Navidrome; plugin: LoadedPlugin }> {
  const navidrome = createNavidrome({ manifest, ...options });
  const plugin = runtime === "in-process" ? navidrome.load(filesPlugin, loadOptions) : await navidrome.loadBundle(bundle, loadOptions);
  return { navidrome, plugin };
}

/** Runs one scenario and returns its transcript; fails when the call itself fails. */
function runScenario(plugin: LoadedPlugin, scenario: string): TranscriptStep[] {
  const outcome = plugin.call("nd_get_artist_biography", { id: scenario, name: "" });
  if (outcome.kind !== "output") throw new Error(`scenario ${scenario} failed: ${JSON.stringify(outcome)}`);
  return JSON.parse((JSON.parse(outcome.output) as { biography: string }).biography) as TranscriptStep[];
}

describe.each(RUNTIMES)("files API %s", (runtime) => {
  test("storage scenario", async () => {
    const { navidrome, plugin } = await load(runtime);

    expect(runScenario(plugin, "storage")).toEqual(EXPECTED_TRANSCRIPTS["storage"]);

    const storage = navidrome.mounts.get("/storage")?.dir ?? "";
    expect(readdirSync(storage).sort()).toEqual(["café ☕.txt", "data.bin"]);
    expect([...readFileSync(join(storage, "data.bin"))]).toEqual([9, 8, 7]);
  });

  test("library read scenario", async () => {
    const library = createLibraryFolder();
    const { plugin } = await load(runtime, { mounts: { "/libraries/1": library } });

    expect(runScenario(plugin, "library-read")).toEqual(EXPECTED_TRANSCRIPTS["library-read"]);
  });

  test("library mounts are read-only", async () => {
    const library = createLibraryFolder();
    const { plugin } = await load(runtime, { mounts: { "/libraries/1": { dir: library } } });

    expect(runScenario(plugin, "library-write")).toEqual(EXPECTED_TRANSCRIPTS["library-write"]);
    expect(readdirSync(library).sort()).toEqual(["Nina Simone", "cover.jpg"]);
  });

  test("writable library mount accepts writes", async () => {
    const library = createLibraryFolder();
    const { plugin } = await load(runtime, { mounts: { "/libraries/1": { dir: library, writable: true } } });

    const transcript = runScenario(plugin, "library-write");
    expect(transcript.map(([label, outcome]) => [label, outcome])).toEqual([
      ["write", "undefined"],
      ["make directory", "undefined"],
      ["remove", "undefined"],
      ["read still works", { code: "not-found", message: "files.readText: /libraries/1/cover.jpg was not found" }],
    ]);
    expect(readdirSync(library).sort()).toEqual(["Nina Simone", "Playlists", "notes.txt"]);
  });

  test("links out of a mount are rejected", async () => {
    const { storage, outside } = createEscapeFolders();
    const { plugin } = await load(runtime, { mounts: { "/storage": storage } });

    expect(runScenario(plugin, "escapes")).toEqual(EXPECTED_TRANSCRIPTS["escapes"]);
    expect(readdirSync(outside)).toEqual(["secret.txt"]);
  });
});

describe.each(RUNTIMES)("compiler option %s", (runtime) => {
  test("extism-js makes every files call unavailable", async () => {
    const library = createLibraryFolder();
    const { plugin } = await load(runtime, { mounts: { "/libraries/1": { dir: library, writable: true } } }, { compiler: "extism-js" });

    const transcript = runScenario(plugin, "library-write");
    const unavailable = (operation: string): { code: string; message: string } => ({
      code: "unavailable",
      message: `files.${operation}: file access needs a plugin compiled by the @nd/pdk engine (nd-pdk build --compiler engine), because extism-js gives plugins no file API. It is also unavailable outside an exported function, such as at module top level.`,
    });
    expect(transcript).toEqual([
      ["write", unavailable("write")],
      ["make directory", unavailable("makeDirectory")],
      ["remove", unavailable("remove")],
      ["read still works", unavailable("readText")],
    ]);
    expect(readdirSync(library).sort()).toEqual(["Nina Simone", "cover.jpg"]);
  });

  test("engine gives file access", async () => {
    const library = createLibraryFolder();
    const { plugin } = await load(runtime, { mounts: { "/libraries/1": library } }, { compiler: "engine" });

    expect(runScenario(plugin, "library-read")).toEqual(EXPECTED_TRANSCRIPTS["library-read"]);
  });

  test("rejects an unknown compiler", async () => {
    const compiler = "javy" as PluginCompiler;
    const loading = load(runtime, {}, { compiler });
    const name = runtime === "in-process" ? "navidrome.load" : "navidrome.loadBundle";

    await expect(loading).rejects.toThrow(`${name} options.compiler: invalid compiler "javy"; use "engine" or "extism-js", as nd-pdk build --compiler names them.`);
  });
});

describe("files API in QuickJS top-level code", () => {
  test("is reported as a host facility", async () => {
    const navidrome = createNavidrome({ manifest });
    const plugin = await navidrome.loadBundle({
      bundle: 'globalThis[Symbol.for("nd-pdk.files")].mounts(); module.exports = { nd_on_init: function () {} };',
    });

    const outcome = plugin.lifecycle.onInit();
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toMatch(/^the files API cannot be used at module top level/);
  });
});

describe("mounts option", () => {
  test("storage permission mounts a temporary folder", () => {
    const navidrome = createNavidrome({ manifest });
    const storage = navidrome.mounts.get("/storage");

    expect([...navidrome.mounts.keys()]).toEqual(["/storage"]);
    expect(storage?.writable).toBe(true);
    expect(existsSync(storage?.dir ?? "")).toBe(true);
    expect(readdirSync(storage?.dir ?? "")).toEqual([]);
  });

  test("no storage permission mounts nothing", () => {
    const navidrome = createNavidrome({ manifest: { ...manifest, permissions: {} } });

    expect(navidrome.mounts.size).toBe(0);
  });

  test("given folders are mounted with their write permission", () => {
    const storage = createTemporaryFolder("storage");
    const library = createLibraryFolder();
    const navidrome = createNavidrome({ manifest, mounts: { "/storage": storage, "/libraries/1": library, "/libraries/2": { dir: library, writable: true } } });

    expect(Object.fromEntries(navidrome.mounts)).toEqual({
      "/libraries/1": { dir: library, writable: false },
      "/libraries/2": { dir: library, writable: true },
      "/storage": { dir: storage, writable: true },
    });
  });

  test("rejects storage without the permission", () => {
    const storage = createTemporaryFolder("storage");

    expect(() => createNavidrome({ manifest: { ...manifest, permissions: { library: { filesystem: true } } }, mounts: { "/storage": storage } })).toThrow(
      'mounts["/storage"]: the manifest does not grant "storage", so Navidrome mounts no storage folder; add permissions.storage to manifest.json',
    );
  });

  test("rejects a library without filesystem access", () => {
    const library = createLibraryFolder();

    expect(() => createNavidrome({ manifest: { ...manifest, permissions: { library: {} } }, mounts: { "/libraries/1": library } })).toThrow(
      'mounts["/libraries/1"]: the manifest does not grant library filesystem access, so Navidrome mounts no library; set permissions.library.filesystem to true in manifest.json',
    );
  });

  test("rejects a library that is not allowed", () => {
    const library = createLibraryFolder();

    expect(() => createNavidrome({ manifest, allowedLibraries: [1], mounts: { "/libraries/2": library } })).toThrow(
      'mounts["/libraries/2"]: library 2 is not in allowedLibraries, so Navidrome would not mount it; add 2 to allowedLibraries or leave the mount out',
    );
  });

  test("rejects other mount points", () => {
    const dir = createTemporaryFolder("other");

    for (const mountPoint of ["/data", "/libraries/music", "/storage/sub", "storage"]) {
      expect(() => createNavidrome({ manifest, mounts: { [mountPoint]: dir } }), mountPoint).toThrow(
        `mounts: "${mountPoint}" is not a folder Navidrome mounts; use "/storage" or "/libraries/<id>" (such as "/libraries/1")`,
      );
    }
  });

  test("rejects a missing host folder", () => {
    const missing = join(createTemporaryFolder("parent"), "missing");

    expect(() => createNavidrome({ manifest, mounts: { "/storage": missing } })).toThrow(`mounts["/storage"]: the host folder ${missing} does not exist; create it before createNavidrome`);
  });
});
