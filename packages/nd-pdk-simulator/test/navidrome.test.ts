import { build } from "esbuild";
import { definePlugin } from "@nd/pdk";
import { beforeAll, describe, expect, test } from "vitest";

import type { BundleSource, CallOutcome, HttpHandler, LoadedPlugin, Navidrome, NavidromeOptions } from "../src/index.js";
import { createNavidrome, ManifestError } from "../src/index.js";
import samplePlugin from "./fixtures/sample-plugin.js";

const manifest = {
  name: "Sample",
  author: "Tests",
  version: "1.0.0",
  permissions: {
    kvstore: {},
    cache: {},
    users: {},
    scheduler: {},
    taskqueue: { maxConcurrency: 1 },
    http: { requiredHosts: ["api.example.com"] },
  },
};

const minimalManifest = { name: "Minimal", author: "Tests", version: "1.0.0" };

let bundle: BundleSource;

/** Bundles a plugin module the way nd-pdk build does: module.exports is the definePlugin result. */
async function bundlePlugin(file: string): Promise<BundleSource> {
  const result = await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(file)}).default;`, resolveDir: import.meta.dirname, loader: "js" },
    bundle: true,
    format: "cjs",
    target: "es2020",
    platform: "neutral",
    mainFields: ["module", "main"],
    sourcemap: "external",
    outfile: "plugin.js",
    write: false,
    logLevel: "silent",
  });
  const text = (suffix: string): string => result.outputFiles.find((f) => f.path.endsWith(suffix))?.text ?? "";
  return { bundle: text("plugin.js"), sourceMap: text("plugin.js.map") };
}

beforeAll(async () => {
  bundle = await bundlePlugin("./fixtures/sample-plugin.ts");
});

function flakyUpstream(): HttpHandler {
  let calls = 0;
  return () => {
    calls++;
    return calls === 1 ? { status: 503, body: "busy" } : { status: 200, body: "ok!" };
  };
}

function options(overrides: Partial<NavidromeOptions> = {}): NavidromeOptions {
  return {
    manifest,
    config: { language: "en" },
    users: [{ userName: "alice" }],
    http: flakyUpstream(),
    ...overrides,
  };
}

/** Reduces an outcome to what tests compare: the stack is left out because it differs between runtimes. */
function summary(outcome: CallOutcome | { kind: "output"; value: unknown }): unknown {
  if (outcome.kind === "error") return { kind: "error", message: outcome.message };
  if (outcome.kind === "output") return { kind: "output", value: "value" in outcome ? outcome.value : undefined };
  return { kind: outcome.kind };
}

/** Drives the sample plugin through a day of Navidrome's life and records everything observable. */
function runScenario(navidrome: Navidrome, plugin: LoadedPlugin): unknown[] {
  const transcript: unknown[] = [];
  const token = (user: string): void => {
    navidrome.services.kvstore.put(`token:${user}`, "1");
  };

  transcript.push(summary(plugin.lifecycle.onInit()));
  transcript.push(summary(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina" })));
  transcript.push(summary(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina" })));
  transcript.push(summary(plugin.metadataAgent.getArtistBiography({ id: "2", name: "" })));
  transcript.push(summary(plugin.scrobbler.isAuthorized({ username: "alice" })));

  const track = { id: "t1", title: "Feeling Good", album: "I Put a Spell on You", artist: "Nina Simone", albumArtist: "Nina Simone", artists: [], albumArtists: [], duration: 173, trackNumber: 1, discNumber: 1 };
  transcript.push(summary(plugin.scrobbler.scrobble({ username: "alice", track, timestamp: 1767225600 })));
  token("alice");
  transcript.push(summary(plugin.scrobbler.isAuthorized({ username: "alice" })));
  transcript.push(summary(plugin.scrobbler.scrobble({ username: "alice", track, timestamp: 1767225600 })));

  navidrome.advance(5_000);
  navidrome.advance(60 * 60 * 1000);

  transcript.push(navidrome.services.task.tasks().map((t) => ({ status: t.status, attempt: t.attempt, message: t.message })));
  transcript.push(navidrome.services.http.requests().map((r) => r.url));
  // Stacks differ between Node and QuickJS, and task ids are random: keep the first line, mask ids.
  transcript.push(navidrome.logs.map((l) => `${l.source} ${l.level} ${l.message.split("\n")[0]?.replace(/task "[^"]+"/, 'task "<id>"')}`));
  transcript.push(navidrome.hostCalls.map((c) => c.importName));
  return transcript;
}

describe("createNavidrome", () => {
  test("gives the same results in-process and inside QuickJS", async () => {
    const inProcessNavidrome = createNavidrome(options());
    const inProcess = runScenario(inProcessNavidrome, inProcessNavidrome.load(samplePlugin));

    const quickJsNavidrome = createNavidrome(options());
    const quickJs = runScenario(quickJsNavidrome, await quickJsNavidrome.loadBundle(bundle));

    expect(quickJs).toEqual(inProcess);
  });

  test("runs the scenario as Navidrome would", () => {
    const navidrome = createNavidrome(options());
    const transcript = runScenario(navidrome, navidrome.load(samplePlugin));

    expect(transcript.slice(0, 8)).toEqual([
      { kind: "no-data" },
      { kind: "output", value: { biography: "Nina (en) 🎷" } },
      { kind: "output", value: { biography: "Nina (en) 🎷" } },
      { kind: "no-data" },
      { kind: "output", value: false },
      { kind: "error", message: "scrobbler(not_authorized): alice has no token" },
      { kind: "output", value: true },
      { kind: "no-data" },
    ]);
    expect(transcript[8]).toEqual([{ status: "completed", attempt: 2, message: "fetched 3 bytes" }]);
    expect(navidrome.services.kvstore.entries().get("ticks")).toEqual(new TextEncoder().encode("1"));
  });

  test("rejects an invalid manifest with the problem and its fix", () => {
    expect(() => createNavidrome({ manifest: { name: "x", version: "1" } })).toThrow(ManifestError);
    expect(() => createNavidrome({ manifest: { name: "x", version: "1" } })).toThrow(/author/);
  });

  test("reports an export the plugin does not have", () => {
    const plugin = createNavidrome(options()).load(samplePlugin);
    expect(plugin.call("nd_lyrics_get_lyrics", {})).toEqual({ kind: "not-exported" });
    expect(plugin.lyrics.getLyrics({ track: { id: "", title: "", album: "", artist: "", albumArtist: "", artists: [], albumArtists: [], duration: 0, trackNumber: 0, discNumber: 0 } })).toEqual({ kind: "not-exported" });
  });

  test("rejects a call to a name Navidrome never calls, listing the real ones", () => {
    const plugin = createNavidrome(options()).load(samplePlugin);
    expect(() => plugin.call("nd_scrobler_scrobble", {})).toThrow(/nd_scrobler_scrobble is not a function Navidrome calls; use one of: .*nd_scrobbler_scrobble/);
  });

  test("refuses a host service the manifest does not grant, naming the permission", async () => {
    const { kvstore: _kvstore, ...permissions } = manifest.permissions;
    const narrow = { ...manifest, permissions };

    const inProcess = createNavidrome(options({ manifest: narrow })).load(samplePlugin);
    const outcome = inProcess.scrobbler.isAuthorized({ username: "alice" });
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain('does not grant "kvstore"; add permissions.kvstore to manifest.json');

    await expect(createNavidrome(options({ manifest: narrow })).loadBundle(bundle)).rejects.toThrow(/"kvstore_get" is not exported in module "extism:host\/user"/);
  });

  test("refuses to load a plugin whose exports break Navidrome's load rules", () => {
    const { scheduler: _scheduler, ...permissions } = manifest.permissions;
    const navidrome = createNavidrome(options({ manifest: { ...manifest, permissions: { ...permissions, scheduler: {} } } }));
    const withoutCallback = Object.fromEntries(Object.entries(samplePlugin).filter(([name]) => name !== "nd_scheduler_callback"));
    expect(() => navidrome.load(withoutCallback)).toThrow(/nd_scheduler_callback/);
  });

  test("reports a value JSON cannot encode as a failed call", () => {
    const broken = definePlugin({ metadataAgent: { getArtistBiography: () => ({ biography: 10n as unknown as string }) } });
    const outcome = createNavidrome({ manifest: minimalManifest }).load(broken).metadataAgent.getArtistBiography({ id: "1", name: "x" });
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain("the value returned by metadataAgent.getArtistBiography: invalid value at biography");
  });

  test("reports a plugin that throws with the error's message", () => {
    const throwing = definePlugin({ lifecycle: { onInit: () => { throw new Error("database unreachable"); } } });
    const outcome = createNavidrome({ manifest: minimalManifest }).load(throwing).lifecycle.onInit();
    expect(outcome).toMatchObject({ kind: "error", message: "database unreachable" });
    expect(outcome.kind === "error" ? outcome.text : "").toMatch(/^Exception: database unreachable\n/);
  });

  test("records the plugin's log lines with their levels", () => {
    const navidrome = createNavidrome(options());
    navidrome.load(samplePlugin).lifecycle.onInit();
    expect(navidrome.logs).toContainEqual(expect.objectContaining({ source: "plugin", level: "info", message: "initialised" }));
  });
});

describe("in-process runtime", () => {
  test("reads the simulated clock through Date", () => {
    const navidrome = createNavidrome({ manifest: minimalManifest });
    const clockPlugin = { nd_on_init: () => { (globalThis as { Host?: { outputString(text: string): boolean } }).Host?.outputString(JSON.stringify([Date.now(), new Date().getTime(), Date()])); return 0; } };
    const outcome = navidrome.load(clockPlugin).call("nd_on_init", {});
    const now = navidrome.clock.now();
    expect(outcome).toEqual({ kind: "output", output: JSON.stringify([now, now, new Date(now).toISOString()]) });
    expect(Date.now()).not.toBe(now);
  });
});

describe("failNext", () => {
  test("fails the next host calls with the given message, then recovers", () => {
    const navidrome = createNavidrome(options());
    const plugin = navidrome.load(samplePlugin);
    navidrome.failNext("kvstore_has", "database is locked", 2);

    expect(plugin.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "error", message: "kvstore.has (kvstore_has): database is locked" });
    expect(plugin.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "error" });
    expect(plugin.scrobbler.isAuthorized({ username: "alice" })).toEqual({ kind: "output", value: false, output: "false" });
  });

  test("rejects a name that is not a host function", () => {
    expect(() => createNavidrome(options()).failNext("kvstore_sett", "x")).toThrow(/kvstore_sett is not a Navidrome host function/);
  });
});
