// Runs plugin bundles inside the simulated extism-js runtime: real plugins bundled by esbuild from
// "@nd/pdk" (built packages in dist/, so run `pnpm build` first), and hand-written bundles for the
// edges of the extism-js runtime contract.

import { join } from "node:path";

import { build } from "esbuild";
import { describe, expect, test } from "vitest";

import type { CallOutcome, LogLevel } from "../../src/host/service.js";
import type { HostBridge, QuickJsPlugin, QuickJsPluginOptions } from "../../src/runtime/quickjs.js";
import { loadQuickJsPlugin } from "../../src/runtime/quickjs.js";

const packageDir = join(import.meta.dirname, "../..");
const SIMULATED_NOW = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

interface Bundle {
  readonly bundle: string;
  readonly sourceMap: string;
}

/** Bundles `source` as the entry module `src/plugin.ts` with the esbuild options of a plugin build. */
async function bundlePlugin(source: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, sourcefile: "src/plugin.ts", loader: "ts" },
    bundle: true,
    write: false,
    format: "cjs",
    target: "es2020",
    platform: "neutral",
    mainFields: ["module", "main"],
    sourcemap: "external",
    outfile: join(packageDir, "plugin.js"),
    logLevel: "silent",
  });
  const code = result.outputFiles.find((file) => file.path.endsWith(".js"));
  const map = result.outputFiles.find((file) => file.path.endsWith(".js.map"));
  if (code === undefined || map === undefined) throw new Error("esbuild wrote no bundle or no source map");
  return { bundle: code.text, sourceMap: map.text };
}

/** Returns the 1-based number of the first line of `source` that contains `marker`. */
function lineOf(source: string, marker: string): number {
  const index = source.split("\n").findIndex((line) => line.includes(marker));
  if (index < 0) throw new Error(`marker not found: ${marker}`);
  return index + 1;
}

interface TestBridge extends HostBridge {
  readonly logs: { level: LogLevel; message: string }[];
  readonly requests: { name: string; request: string }[];
}

interface BridgeOptions {
  readonly functions?: Record<string, (request: string) => string | undefined>;
  readonly config?: Record<string, string>;
  readonly logLevel?: LogLevel | "off";
  readonly now?: number;
}

function createBridge(options: BridgeOptions = {}): TestBridge {
  const logs: TestBridge["logs"] = [];
  const requests: TestBridge["requests"] = [];
  const functions = new Map<string, (request: string) => string | undefined>();
  for (const [name, fn] of Object.entries(options.functions ?? {})) {
    functions.set(name, (request) => {
      requests.push({ name, request });
      return fn(request);
    });
  }
  return {
    functions,
    config: new Map(Object.entries(options.config ?? {})),
    logLevel: options.logLevel ?? "trace",
    log: (level, message) => logs.push({ level, message }),
    now: () => options.now ?? SIMULATED_NOW,
    logs,
    requests,
  };
}

async function loadRaw(bundle: string, options: Omit<QuickJsPluginOptions, "bundle"> = {}): Promise<QuickJsPlugin> {
  return loadQuickJsPlugin({ bundle, ...options });
}

function expectError(outcome: CallOutcome): { message: string; text: string } {
  if (outcome.kind !== "error") throw new Error(`expected an error outcome, received ${JSON.stringify(outcome)}`);
  return outcome;
}

function expectOutput(outcome: CallOutcome): string {
  if (outcome.kind !== "output") throw new Error(`expected an output outcome, received ${JSON.stringify(outcome)}`);
  return outcome.output;
}

describe("plugins built with @nd/pdk", () => {
  const source = [
    'import { definePlugin, kvstore, ScrobblerError } from "@nd/pdk";',
    "declare const module: { exports: unknown };",
    "module.exports = definePlugin({",
    "  metadataAgent: {",
    "    getArtistBiography({ id, name }) {",
    '      const cached = kvstore.get("bio:" + id);',
    "      if (cached !== undefined) return { biography: new TextDecoder().decode(cached) };",
    "      return { biography: name + \" is an artist.\" };",
    "    },",
    "    getArtistUrl({ name }) {",
    '      if (name === "boom") throw new Error("boom from the plugin");',
    "      return undefined;",
    "    },",
    "  },",
    "  scrobbler: {",
    "    isAuthorized: () => {",
    "      throw new Error(`${ScrobblerError.RetryLater}: the service is down`);",
    "    },",
    "    nowPlaying: () => undefined,",
    "    scrobble: () => undefined,",
    "    playbackReport: () => undefined,",
    "  },",
    "});",
  ].join("\n");
  const kvstoreMiss = { kvstore_get: () => "{}" };

  test("exports are the sorted definePlugin keys", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    expect(plugin.exports).toEqual([
      "nd_get_artist_biography",
      "nd_get_artist_url",
      "nd_scrobbler_is_authorized",
      "nd_scrobbler_now_playing",
      "nd_scrobbler_playback_report",
      "nd_scrobbler_scrobble",
    ]);
    expect(plugin.imports).toContain("kvstore_get");
    expect(plugin.imports.every((name) => name.startsWith("kvstore_"))).toBe(true);
    expect(plugin.checkTopLevel()).toEqual([]);
  });

  test("output outcome", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const outcome = plugin.call("nd_get_artist_biography", JSON.stringify({ id: "a1", name: "Nina" }), createBridge({ functions: kvstoreMiss }));

    expect(outcome).toEqual({ kind: "output", output: JSON.stringify({ biography: "Nina is an artist." }) });
  });

  test("no-data outcome", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const outcome = plugin.call("nd_get_artist_url", JSON.stringify({ id: "a1", name: "Nina" }), createBridge());

    expect(outcome).toEqual({ kind: "no-data" });
  });

  test("error keeps the scrobbler constant", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const outcome = plugin.call("nd_scrobbler_is_authorized", JSON.stringify({ username: "u" }), createBridge());

    const error = expectError(outcome);
    expect(error.message).toBe("scrobbler(retry_later): the service is down");
    expect(error.text.startsWith("Exception: scrobbler(retry_later): the service is down\n")).toBe(true);
  });

  test("unknown export is not-exported", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    expect(plugin.call("nd_on_init", "{}", createBridge())).toEqual({ kind: "not-exported" });
  });

  test("host call round trip", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));
    const cached = Buffer.from("Cached biography ✓").toString("base64");
    const bridge = createBridge({ functions: { kvstore_get: () => JSON.stringify({ value: cached, exists: true }) } });

    const outcome = plugin.call("nd_get_artist_biography", JSON.stringify({ id: "a1", name: "Nina" }), bridge);

    expect(bridge.requests).toEqual([{ name: "kvstore_get", request: '{"key":"bio:a1"}' }]);
    expect(outcome).toEqual({ kind: "output", output: JSON.stringify({ biography: "Cached biography ✓" }) });
  });

  test("offset-0 reply fails the host call", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));
    const bridge = createBridge({ functions: { kvstore_get: () => undefined } });

    const outcome = plugin.call("nd_get_artist_biography", JSON.stringify({ id: "a1", name: "Nina" }), bridge);

    expect(expectError(outcome).message).toContain("returned no reply (offset 0)");
  });

  test("throwing export maps to TypeScript line", async () => {
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const outcome = plugin.call("nd_get_artist_url", JSON.stringify({ id: "a1", name: "boom" }), createBridge());

    const error = expectError(outcome);
    expect(error.message).toBe("boom from the plugin");
    expect(error.text).toContain(`src/plugin.ts:${lineOf(source, "boom from the plugin")}:`);
    expect(error.text).not.toContain("eval_script");
  });

  test("async method fails in definePlugin", async () => {
    const plugin = await loadQuickJsPlugin(
      await bundlePlugin(`
        import { definePlugin } from "@nd/pdk";
        declare const module: { exports: unknown };
        module.exports = definePlugin({ lifecycle: { async onInit() { await null; throw new Error("late"); } } });
      `),
    );

    const outcome = plugin.call("nd_on_init", "{}", createBridge());

    expect(expectError(outcome).message).toContain("returned a Promise");
  });

  test("default export is reported as an extra key", async () => {
    const plugin = await loadQuickJsPlugin(
      await bundlePlugin(`
        import { definePlugin } from "@nd/pdk";
        export default definePlugin({ lifecycle: { onInit() {} } });
      `),
    );

    expect(plugin.exports).toEqual([]);
    expect(plugin.checkTopLevel()).toEqual([expect.objectContaining({ kind: "exports", message: expect.stringContaining("not declared exports: default") })]);
  });
});

describe("top-level code runs in build mode", () => {
  test("console.log at top level", async () => {
    const source = [
      'import { definePlugin } from "@nd/pdk";',
      "declare const module: { exports: unknown };",
      'console.log("loading");',
      "module.exports = definePlugin({ lifecycle: { onInit() {} } });",
    ].join("\n");
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const problems = plugin.checkTopLevel();

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ kind: "host-facility", facility: "console.log", location: expect.stringMatching(/^src\/plugin\.ts:3:/) });
    expect(problems[0]?.message).toContain("console.log cannot be used at module top level");
    expect(problems[0]?.message).toContain("build time");
  });

  test("host call at top level", async () => {
    const source = [
      'import { definePlugin, kvstore } from "@nd/pdk";',
      "declare const module: { exports: unknown };",
      'const cached = kvstore.get("startup");',
      "module.exports = definePlugin({ lifecycle: { onInit() { void cached; } } });",
    ].join("\n");
    const plugin = await loadQuickJsPlugin(await bundlePlugin(source));

    const problems = plugin.checkTopLevel();

    // The PDK writes the request into Extism memory before it calls the host function.
    expect(problems.map((problem) => problem.facility)).toEqual(["Memory.fromString"]);
    expect(problems[0]?.location).toMatch(/^src\/plugin\.ts:3:/);
  });

  test("raw host call at top level", async () => {
    const plugin = await loadRaw("Host.getFunctions().kvstore_get(0);\nmodule.exports = { nd_on_init() {} };", { declaredImports: ["kvstore_get"] });

    expect(plugin.checkTopLevel()).toEqual([expect.objectContaining({ kind: "host-facility", facility: "host function kvstore_get" })]);
  });

  test("Config.get at top level", async () => {
    const plugin = await loadRaw('const key = Config.get("apiKey");\nmodule.exports = { nd_on_init() {} };');

    const problems = plugin.checkTopLevel();

    expect(problems).toEqual([expect.objectContaining({ kind: "host-facility", facility: "Config.get" })]);
    expect(problems[0]?.message).toContain("Config.get cannot be used at module top level");
  });

  test("caught top-level use still fails", async () => {
    const plugin = await loadRaw('try { Var.set("x", "y"); } catch (e) {}\nmodule.exports = { nd_on_init() {} };');

    expect(plugin.checkTopLevel().map((problem) => problem.facility)).toEqual(["Var.set"]);
    expect(expectError(plugin.call("nd_on_init", "", createBridge())).message).toContain("Var.set cannot be used at module top level");
  });

  test("top-level exception", async () => {
    const plugin = await loadRaw('throw new Error("no luck");\nmodule.exports = {};');

    const problems = plugin.checkTopLevel();

    expect(problems[0]).toMatchObject({ kind: "exception" });
    expect(problems[0]?.message).toContain("Exception: no luck");
  });

  test("getFunctions and time are allowed", async () => {
    const plugin = await loadRaw(
      "const fns = Host.getFunctions(); const loadedAt = new Date().getTime(); console.time('t');\n" +
        "module.exports = { nd_x() { Host.outputString(String(typeof fns.kvstore_get + ' ' + (loadedAt > 0))); } };",
      { declaredImports: ["kvstore_get"] },
    );

    expect(plugin.checkTopLevel()).toEqual([]);
    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "output", output: "function true" });
  });
});

describe("host facilities", () => {
  test("host function wrappers pass offsets", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        const fns = Host.getFunctions();
        const request = Memory.fromString('{"key":"a"}');
        const reply = fns.kvstore_get(request.offset);
        const none = fns.kvstore_set(request.offset);
        Host.outputString(JSON.stringify({
          requestOffsetType: typeof request.offset, replyType: typeof reply, reply: Memory.find(reply).readString(),
          none, noneFound: Memory.find(none) === undefined, zeroFound: Memory.find(0) === undefined, unknownFound: Memory.find(123456789n) === undefined,
        }));
      } };`,
      { declaredImports: ["kvstore_get", "kvstore_set"] },
    );
    const bridge = createBridge({ functions: { kvstore_get: (request) => `echo ${request}`, kvstore_set: () => undefined } });

    const output = JSON.parse(expectOutput(plugin.call("nd_x", "", bridge)));

    expect(output).toEqual({
      requestOffsetType: "bigint",
      replyType: "number",
      reply: 'echo {"key":"a"}',
      none: 0,
      noneFound: true,
      zeroFound: true,
      unknownFound: true,
    });
    expect(bridge.requests).toEqual([
      { name: "kvstore_get", request: '{"key":"a"}' },
      { name: "kvstore_set", request: '{"key":"a"}' },
    ]);
  });

  test("readString drops a byte order mark", async () => {
    const plugin = await loadRaw(
      "module.exports = { nd_x() { const reply = Host.getFunctions().kvstore_get(0); Host.outputString(JSON.stringify(Memory.find(reply).readString())); } };",
      { declaredImports: ["kvstore_get"] },
    );
    const bridge = createBridge({ functions: { kvstore_get: () => "\uFEFFtext" } });

    expect(plugin.call("nd_x", "", bridge)).toEqual({ kind: "output", output: '"text"' });
  });

  test("generated line declares sorted imports", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { Host.outputString(JSON.stringify(Host.__hostFunctions)); } };", {
      declaredImports: ["kvstore_set", "config_get", "kvstore_get"],
    });

    const output = JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())));

    expect(output).toEqual([
      { name: "config_get", results: 1 },
      { name: "kvstore_get", results: 1 },
      { name: "kvstore_set", results: 1 },
    ]);
  });

  test("empty memory block has offset 0", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        const empty = Memory.fromString("");
        let readError;
        try { empty.readString(); } catch (e) { readError = typeof e + ": " + e; }
        Host.outputString(JSON.stringify({ offset: String(empty.offset), len: String(empty.len), readError }));
      } };`,
    );

    const output = JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())));

    expect(output).toEqual({ offset: "0", len: "0", readError: "string: Offset did not represent a valid block of memory (offset=0)" });
  });

  test("natives throw bare strings", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        const caught = [];
        for (const attempt of [() => Memory.fromBuffer(new Uint8Array(2)), () => Memory.find("1"), () => Config.get(), () => Host.base64ToArrayBuffer("YQ")]) {
          try { attempt(); } catch (e) { caught.push(typeof e + ": " + (e instanceof Error ? e.message : e)); }
        }
        Host.outputString(JSON.stringify(caught));
      } };`,
    );

    const output = JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge()))) as string[];

    expect(output.slice(0, 3)).toEqual(["string: Expected data to be an array buffer", "string: Expected offset to be a number", "string: Expected key argument"]);
    expect(output[3]).toMatch(/^string: Invalid base64/);
  });

  test("Config.get returns null for empty", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { Host.outputString(JSON.stringify([Config.get("apiKey"), Config.get("empty"), Config.get("absent")])); } };');
    const bridge = createBridge({ config: { apiKey: "k-1", empty: "" } });

    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", bridge)))).toEqual(["k-1", null, null]);
  });

  test("Var persists within one call only", async () => {
    const plugin = await loadRaw(
      `function remember() { Var.set("n", String(Number(Var.getString("n") || "0") + 1)); }
       module.exports = { nd_x() {
         const before = Var.getString("n");
         remember(); remember();
         Var.set("ignored", 42);
         Var.set("bytes", new Uint8Array([1, 2]).buffer);
         const bytes = Array.from(new Uint8Array(Var.getBytes("bytes")));
         Var.set("bytes", "");
         Host.outputString(JSON.stringify({ before, after: Var.getString("n"), ignored: Var.getString("ignored"), bytes, deleted: Var.getBytes("bytes") }));
       } };`,
    );
    const expected = { before: null, after: "2", ignored: null, bytes: [1, 2], deleted: null };

    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())))).toEqual(expected);
    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())))).toEqual(expected);
  });

  test("module state resets per call", async () => {
    const plugin = await loadRaw("let calls = 0;\nmodule.exports = { nd_x() { calls++; Host.outputString(String(calls)); } };");

    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "output", output: "1" });
    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "output", output: "1" });
  });

  test("input and output", async () => {
    const plugin = await loadRaw(
      `module.exports = {
        nd_echo() { Host.outputString("first"); Host.outputString("echo:" + Host.inputString()); },
        nd_bytes() { Host.outputBytes(new Uint8Array(Host.inputBytes()).reverse().buffer); },
        nd_empty() { Host.outputString(""); },
      };`,
    );

    expect(plugin.call("nd_echo", "héllo", createBridge())).toEqual({ kind: "output", output: "echo:héllo" });
    expect(plugin.call("nd_bytes", "abc", createBridge())).toEqual({ kind: "output", output: "cba" });
    expect(plugin.call("nd_empty", "", createBridge())).toEqual({ kind: "no-data" });
  });

  test("outputBytes with a Uint8Array traps", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        try { Host.outputBytes(new Uint8Array([1])); } catch (e) { console.log("caught"); Host.outputString("caught"); }
      } };`,
    );
    const bridge = createBridge();

    const error = expectError(plugin.call("nd_x", "", bridge));

    expect(error.message).toContain("Host.outputBytes expects an ArrayBuffer, received a Uint8Array");
    expect(error.text.startsWith("trap: ")).toBe(true);
    expect(bridge.logs).toEqual([]);
  });

  test("throwing host function aborts the call", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        const fns = Host.getFunctions();
        try { fns.kvstore_get(Memory.fromString("{}").offset); } catch (e) { fns.kvstore_get(0); Host.outputString("caught"); }
      } };`,
      { declaredImports: ["kvstore_get"] },
    );
    const bridge = createBridge({
      functions: {
        kvstore_get: () => {
          throw new Error("database is locked");
        },
      },
    });

    const error = expectError(plugin.call("nd_x", "", bridge));

    expect(error.message).toBe("host function kvstore_get failed, which aborts the call: database is locked");
    expect(bridge.requests).toHaveLength(1);
  });

  test("host function missing from bridge", async () => {
    const plugin = await loadRaw(
      `const names = ["kvstore_get", "kvstore_set"];
       module.exports = {
         nd_unused() { Host.outputString(Object.keys(Host.getFunctions()).join(",")); },
         nd_used() { Host.getFunctions().kvstore_set(0); },
       };`,
    );
    const bridge = createBridge({ functions: { kvstore_get: () => "{}" } });

    expect(plugin.imports).toEqual(["kvstore_get", "kvstore_set"]);
    expect(plugin.call("nd_unused", "", bridge)).toEqual({ kind: "output", output: "kvstore_get,kvstore_set" });
    expect(expectError(plugin.call("nd_used", "", bridge)).message).toContain("host function kvstore_set is not provided by the simulated Navidrome");
  });

  test("console formatting and level filter", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        console.debug("hidden");
        console.log("text", 1, true, null, undefined, 5n, [1, "a", , [2]], { a: 1 }, new Map([["k", 1]]), new Set([1]), function named() {});
        console.warn([]);
        console.assert(1 === 2, "math", "broke");
        console.assert(true, "fine");
        console.count(); console.count(); console.countReset("nope");
        console.time("t"); console.timeEnd("t"); console.timeEnd("t");
        console.table([{ a: 1 }, { a: 2, b: 3 }]);
        console.error(new TypeError("bad"));
      } };`,
    );
    const bridge = createBridge({ logLevel: "info" });

    expect(plugin.call("nd_x", "", bridge)).toEqual({ kind: "no-data" });

    const messages = bridge.logs.map((log) => `${log.level} ${log.message}`);
    expect(messages.slice(0, 9)).toEqual([
      'info text 1 true null undefined 5n [ 1, a, <empty>, [ 2 ] ] {"a":1} Map(1) { k => 1 } Set(1) { 1 } [Function named]',
      "warn []",
      "error Assertion failed: math broke",
      "info default: 1",
      "info default: 2",
      "warn Count for 'nope' does not exist",
      "info t: 0ms",
      "warn Timer 't' does not exist",
      "info (index)\ta\tb\n0\t1\t\n1\t2\t3",
    ]);
    expect(messages[9]).toMatch(/^error TypeError: bad\n {4}at nd_x \(eval_script:/);
  });

  test("log level off drops everything", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { console.error("x"); } };');
    const bridge = createBridge({ logLevel: "off" });

    plugin.call("nd_x", "", bridge);

    expect(bridge.logs).toEqual([]);
  });

  test("absent and present globals", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        Host.outputString(JSON.stringify([typeof setTimeout, typeof require, typeof process, typeof Intl, typeof exports, typeof fetch,
          global === globalThis, self === globalThis, typeof MemoryHandle, typeof queueMicrotask, atob(btoa("hi")), typeof Host.invokeFunc]));
      } };`,
    );

    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())))).toEqual([
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      "undefined",
      true,
      true,
      "function",
      "function",
      "hi",
      "function",
    ]);
  });

  test("strict mode global script", async () => {
    const plugin = await loadRaw("var topLevel = 1;\nmodule.exports = { nd_x() { Host.outputString(String(globalThis.topLevel)); undeclared = 1; } };");

    const error = expectError(plugin.call("nd_x", "", createBridge()));

    expect(error.message).toBe("undeclared is not defined");
    expect(error.text).toMatch(/^Exception: undeclared is not defined\n {4}at nd_x \(eval_script:3:/);
  });
});

describe("error texts", () => {
  test("thrown string uses debug rendering", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { throw "boom"; }, nd_n() { throw 42; }, nd_o() { throw { a: 1 }; } };');

    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "error", message: "boom", text: 'Exception: String(Ok("boom"))' });
    expect(expectError(plugin.call("nd_n", "", createBridge())).text).toBe("Exception: Int(42)");
    expect(expectError(plugin.call("nd_o", "", createBridge())).text).toMatch(/^Exception: Object\(0x[0-9a-f]+\)$/);
  });

  test("non-zero return code", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { Host.outputString("partial"); return 7.9; }, nd_s() { return "7"; } };');

    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "error", message: "plugin call exited with code 7", text: "plugin call exited with code 7" });
    expect(plugin.call("nd_s", "", createBridge())).toEqual({ kind: "no-data" });
  });

  test("this is undefined", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { Host.outputString(String(this)); } };');

    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "output", output: "undefined" });
  });
});

describe("export dispatch", () => {
  const misrouting = `module.exports = {
    a_constant: 1,
    nd_b() { Host.outputString("b"); },
    nd_c() { Host.outputString("c"); },
  };`;

  test("extra key misroutes by position", async () => {
    const plugin = await loadRaw(misrouting, { strictExports: false });

    expect(plugin.exports).toEqual(["nd_b", "nd_c"]);
    expect(plugin.checkTopLevel()).toEqual([]);
    expect(plugin.call("nd_c", "", createBridge())).toEqual({ kind: "output", output: "b" });
    const error = expectError(plugin.call("nd_b", "", createBridge()));
    expect(error.message).toContain('module.exports["a_constant"], the export at sorted position 0, is not a function');
  });

  test("strict mode names extra keys", async () => {
    const plugin = await loadRaw(misrouting);

    const error = expectError(plugin.call("nd_c", "", createBridge()));

    expect(error.message).toContain("module.exports has keys that are not declared exports: a_constant");
    expect(plugin.checkTopLevel()).toEqual([expect.objectContaining({ kind: "exports" })]);
  });

  test("declared exports missing a key", async () => {
    const plugin = await loadRaw('module.exports = { nd_b() { Host.outputString("b"); } };', { declaredExports: ["nd_a", "nd_b"], strictExports: false });

    expect(plugin.call("nd_a", "", createBridge())).toEqual({ kind: "output", output: "b" });
    expect(expectError(plugin.call("nd_b", "", createBridge())).message).toContain("no function at sorted position 1");
  });

  test("exports sort by UTF-8 bytes", async () => {
    const plugin = await loadRaw("module.exports = { b() {}, B() {}, _x() {}, a1() {}, \u00e9() {}, z() {} };");

    expect(plugin.exports).toEqual(["B", "_x", "a1", "b", "z", "\u00e9"]);
  });
});

describe("JavaScript semantics", () => {
  test("Date reads the bridge clock", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        Host.outputString(JSON.stringify([new Date().getTime(), Date.now(), Date(), new Date(0).toISOString(), new Date() instanceof Date, Date.UTC(2020, 0, 1)]));
      } };`,
    );

    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())))).toEqual([
      SIMULATED_NOW,
      SIMULATED_NOW,
      new Date(SIMULATED_NOW).toISOString(),
      "1970-01-01T00:00:00.000Z",
      true,
      Date.UTC(2020, 0, 1),
    ]);
  });

  test("async rejection reads as success", async () => {
    const plugin = await loadRaw(
      `module.exports = {
        async nd_x() { await null; Host.outputString("written after await"); throw new Error("lost"); },
        nd_y() { Promise.reject(new Error("dropped")); queueMicrotask(() => Host.outputString("microtask ran synchronously")); return Promise.resolve(5); },
      };`,
    );

    expect(plugin.call("nd_x", "", createBridge())).toEqual({ kind: "output", output: "written after await" });
    expect(plugin.call("nd_y", "", createBridge())).toEqual({ kind: "output", output: "microtask ran synchronously" });
  });

  test("TextEncoder and TextDecoder", async () => {
    const plugin = await loadRaw(
      `module.exports = { nd_x() {
        const encoder = new TextEncoder();
        const decoder = new TextDecoder();
        Host.outputString(JSON.stringify({
          astral: Array.from(encoder.encode("\\u{1F600}")),
          lone: Array.from(encoder.encode("a\\uD800b")),
          roundTrip: decoder.decode(encoder.encode("\\u00e9\\u{1F600}\\u4e2d")),
          bom: decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])),
          invalid: decoder.decode(new Uint8Array([0x61, 0xf0, 0x9f, 0x62, 0xff])),
          fatal: (() => { try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { return e.name; } })(),
          label: (() => { try { new TextDecoder("latin1"); } catch (e) { return e.name; } })(),
        }));
      } };`,
    );

    expect(JSON.parse(expectOutput(plugin.call("nd_x", "", createBridge())))).toEqual({
      astral: [0xf0, 0x9f, 0x98, 0x80],
      lone: [0x61, 0xef, 0xbf, 0xbd, 0x62],
      roundTrip: "\u00e9\u{1F600}\u4e2d",
      bom: "A",
      invalid: "a\ufffdb\ufffd",
      fatal: "TypeError",
      label: "RangeError",
    });
  });

  test("JSON round-trips astral and lone surrogates", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { Host.outputString(JSON.stringify(JSON.parse(Host.inputString()))); } };");
    const value = { text: "a\u{1F600}\uD800b\uDFFFc", name: "\u4e2d\u6587" };

    const output = expectOutput(plugin.call("nd_x", JSON.stringify(value), createBridge()));

    expect(JSON.parse(output)).toEqual(value);
  });

  test("astral text reaches the host intact", async () => {
    const plugin = await loadRaw(
      "module.exports = { nd_x() { const reply = Host.getFunctions().kvstore_get(Memory.fromString(Host.inputString()).offset); Host.outputString(Memory.find(reply).readString()); } };",
      { declaredImports: ["kvstore_get"] },
    );
    const bridge = createBridge({ functions: { kvstore_get: (request) => `${request}|\u{1F3B5}` } });

    expect(plugin.call("nd_x", "\u{1F600} caf\u00e9", bridge)).toEqual({ kind: "output", output: "\u{1F600} caf\u00e9|\u{1F3B5}" });
    expect(bridge.requests[0]?.request).toBe("\u{1F600} caf\u00e9");
  });
});

describe("resource limits", () => {
  test("endless loop times out", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { for (;;) {} } };", { timeoutMs: 200 });

    const started = performance.now();
    const error = expectError(plugin.call("nd_x", "", createBridge()));

    expect(error.message).toContain("ran longer than 200 ms of wall time");
    expect(performance.now() - started).toBeLessThan(5000);
  });

  test("endless loop with try/catch times out", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { for (;;) { try { for (;;) {} } catch (e) {} } } };", { timeoutMs: 200 });

    expect(expectError(plugin.call("nd_x", "", createBridge())).message).toContain("ran longer than 200 ms");
  });

  test("endless promise chain times out", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { const spin = () => Promise.resolve().then(spin); spin(); } };", { timeoutMs: 200 });

    expect(expectError(plugin.call("nd_x", "", createBridge())).message).toContain("ran longer than 200 ms");
  });

  test("deep recursion is a RangeError", async () => {
    const plugin = await loadRaw("function down(n) { return down(n + 1) + 1; }\nmodule.exports = { nd_x() { down(0); }, nd_y() { Host.outputString('fine'); } };");

    const error = expectError(plugin.call("nd_x", "", createBridge()));

    expect(error.message).toBe("Maximum call stack size exceeded");
    expect(plugin.call("nd_y", "", createBridge())).toEqual({ kind: "output", output: "fine" });
  });

  // The first run can spend seconds growing the wasm memory, inside one native call that the time
  // limit cannot interrupt, hence the generous timeouts.
  test("runaway allocation hits the memory limit", async () => {
    const plugin = await loadRaw("module.exports = { nd_x() { const chunks = []; for (;;) chunks.push(new Uint8Array(1 << 20)); } };", {
      memoryLimitBytes: 32 * 1024 * 1024,
      timeoutMs: 30_000,
    });

    const error = expectError(plugin.call("nd_x", "", createBridge()));

    expect(error.message).toBe("out of memory");
    expect(error.text).toContain("loadBundle(source, { memoryLimitBytes })");
  }, 60_000);

  test("many calls do not leak", async () => {
    const plugin = await loadRaw('module.exports = { nd_x() { Memory.fromString("x".repeat(1000)); Host.outputString(Host.inputString()); } };');

    for (let i = 0; i < 200; i++) expect(plugin.call("nd_x", String(i), createBridge())).toEqual({ kind: "output", output: String(i) });
  });
});
