// Runs small Extism plugins, written in WebAssembly text and assembled with binaryen, in the wasm
// runtime: @extism/extism on a worker thread, with host functions backed by the simulated Navidrome.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { build } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";

import type { HostBridge } from "../../src/index.js";
import { createNavidrome, readWasm } from "../../src/index.js";
import { ENGINE_FRAMES, StackMapper } from "../../src/runtime/quickjs-stack.js";
import { compileWasmPlugin, mapErrorTextFrames, messageOfErrorText } from "../../src/runtime/wasm.js";
import { buildPlugin } from "../support/extism-wat.js";

const manifest = {
  name: "Wasm test plugin",
  author: "Tests",
  version: "1.0.0",
  permissions: { kvstore: {}, scheduler: {} },
};

const ERROR_TEXT = "Exception: boom\n    at fail (eval_script:3)\n    at call (native)\n";

// One plugin with an export per behaviour under test. Export names are Navidrome's, because
// LoadedPlugin.call only calls those.
const fullPlugin = {
  hostFunctions: ["kvstore_set", "scheduler_scheduleonetime"],
  strings: {
    errorText: ERROR_TEXT,
    apiKey: "apiKey",
    empty: "empty",
    kvRequest: '{"key":"greeting","value":"aGk="}',
    schedule: '{"delaySeconds":60,"payload":"tick","scheduleId":"tick-1"}',
    traceText: "tracing the call",
    warnText: "something looks off",
  },
  imports: '(import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))',
  body: `
  (global $calls (mut i32) (i32.const 0))

  ;; Writes the 16 lower-case hex digits of $value at $ptr.
  (func $hex (param $value i64) (param $ptr i32)
    (local $i i32) (local $nibble i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 16)))
        (local.set $nibble (i32.wrap_i64 (i64.and
          (i64.shr_u (local.get $value) (i64.extend_i32_u (i32.mul (i32.sub (i32.const 15) (local.get $i)) (i32.const 4))))
          (i64.const 15))))
        (i32.store8 (i32.add (local.get $ptr) (local.get $i))
          (i32.add (local.get $nibble) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $nibble) (i32.const 10)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Echoes the input as the output.
  (func (export "nd_get_artist_biography") (result i32)
    (call $output (i32.const 0) (call $input (i32.const 0)))
    (i32.const 0))

  ;; Copies the 5-byte input into a 10-byte block and sets only those 5 bytes as the output.
  (func (export "nd_get_similar_songs_by_artist") (result i32)
    (local $offset i64)
    (drop (call $input (i32.const 0)))
    (local.set $offset (call $store (i32.const 0) (i32.const 10)))
    (call $output_set (local.get $offset) (i64.const 5))
    (i32.const 0))

  ;; Writes no output, and logs at trace and warn level.
  (func (export "nd_get_artist_url") (result i32)
    (call $log_trace (call $store {{traceText}}))
    (call $log_warn (call $store {{warnText}}))
    (i32.const 0))

  ;; Fails the way extism-js does for a thrown error: error text, then -1.
  (func (export "nd_get_artist_mbid") (result i32)
    (call $error_set (call $store {{errorText}}))
    (i32.const -1))

  ;; Returns a code other than 0 without an error text.
  (func (export "nd_get_similar_artists") (result i32)
    (i32.const 7))

  ;; Never returns.
  (func (export "nd_get_artist_images") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))

  ;; Traps.
  (func (export "nd_get_artist_top_songs") (result i32)
    (unreachable))

  ;; Calls kvstore_set and writes its reply as the output.
  (func (export "nd_get_album_info") (result i32)
    (call $output (i32.const 0) (call $load (call $kvstore_set (call $store {{kvRequest}})) (i32.const 0)))
    (i32.const 0))

  ;; Writes Config.get("apiKey") as the output, or nothing when absent.
  (func (export "nd_get_album_images") (result i32)
    (local $offset i64)
    (local.set $offset (call $config_get (call $store {{apiKey}})))
    (if (i64.ne (local.get $offset) (i64.const 0))
      (then (call $output (i32.const 0) (call $load (local.get $offset) (i32.const 0)))))
    (i32.const 0))

  ;; Writes Config.get("empty") as the output, or nothing when absent.
  (func (export "nd_lyrics_get_lyrics") (result i32)
    (local $offset i64)
    (local.set $offset (call $config_get (call $store {{empty}})))
    (if (i64.ne (local.get $offset) (i64.const 0))
      (then (call $output (i32.const 0) (call $load (local.get $offset) (i32.const 0)))))
    (i32.const 0))

  ;; Counts its calls in a global and writes the count as one digit.
  (func (export "nd_get_similar_songs_by_track") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 0) (i32.add (i32.const 48) (global.get $calls)))
    (call $output (i32.const 0) (i32.const 1))
    (i32.const 0))

  ;; Writes the WASI real-time clock, in milliseconds, as 16 hex digits.
  (func (export "nd_get_similar_songs_by_album") (result i32)
    (drop (call $clock_time_get (i32.const 0) (i64.const 1000) (i32.const 0)))
    (call $hex (i64.div_u (i64.load (i32.const 0)) (i64.const 1000000)) (i32.const 16))
    (call $output (i32.const 16) (i32.const 16))
    (i32.const 0))

  ;; Schedules a one-time callback in 60 s.
  (func (export "nd_on_init") (result i32)
    (drop (call $scheduler_scheduleonetime (call $store {{schedule}})))
    (i32.const 0))

  ;; Logs its input at info level.
  (func (export "nd_scheduler_callback") (result i32)
    (call $log_info (call $store (i32.const 0) (call $input (i32.const 0))))
    (i32.const 0))
`,
};

let fullWasm: Uint8Array;

beforeAll(() => {
  fullWasm = buildPlugin(fullPlugin);
});

async function loadFull(config: Record<string, string> = {}, timeoutMs?: number) {
  const navidrome = createNavidrome({ manifest, config });
  const plugin = await navidrome.loadWasm({ wasm: fullWasm }, timeoutMs === undefined ? {} : { timeoutMs });
  return { navidrome, plugin };
}

describe("loadWasm calls", () => {
  test("output is the text the plugin wrote", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_get_artist_biography", { id: "ar-1", name: "Nina Simone" })).toEqual({
      kind: "output",
      output: '{"id":"ar-1","name":"Nina Simone"}',
    });
  });

  test("output has the length output_set gives", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_get_similar_songs_by_artist", "hello")).toEqual({ kind: "output", output: "hello" });
  });

  test("no output reads as no data", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_get_artist_url", { id: "ar-1", name: "Nina Simone" })).toEqual({ kind: "no-data" });
  });

  test("error text gives message and text", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_get_artist_mbid", { id: "ar-1", name: "Nina Simone" })).toEqual({ kind: "error", message: "boom", text: ERROR_TEXT });
  });

  test("return code other than 0 fails", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_get_similar_artists", {})).toEqual({
      kind: "error",
      message: "plugin call exited with code 7",
      text: "plugin call exited with code 7",
    });
  });

  test("trap fails the call", async () => {
    const { plugin } = await loadFull();
    const outcome = plugin.call("nd_get_artist_top_songs", {});
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.text : "").toBe("trap: unreachable");
  });

  test("export the wasm lacks is not exported", async () => {
    const { plugin } = await loadFull();
    expect(plugin.call("nd_scrobbler_scrobble", {})).toEqual({ kind: "not-exported" });
  });

  test("exports lists Navidrome's export names only", async () => {
    const { plugin } = await loadFull();
    expect(plugin.exports).toContain("nd_get_artist_biography");
    expect(plugin.exports).not.toContain("memory");
    expect(plugin.exports).toEqual([...plugin.exports].sort());
  });

  test("error text frames map through the source map", async () => {
    const navidrome = createNavidrome({ manifest });
    // Generated line 3 maps to line 7 of src/plugin.ts.
    const sourceMap = JSON.stringify({ version: 3, sources: ["src/plugin.ts"], names: [], mappings: ";;AAMA" });
    const plugin = await navidrome.loadWasm({ wasm: fullWasm, sourceMap });
    expect(plugin.call("nd_get_artist_mbid", { id: "ar-1", name: "Nina Simone" })).toEqual({
      kind: "error",
      message: "boom",
      text: "Exception: boom\n    at fail (src/plugin.ts:7)\n    at call (native)\n",
    });
  });

  test("each call starts a fresh instance", async () => {
    const { plugin } = await loadFull();
    const first = plugin.call("nd_get_similar_songs_by_track", {});
    const second = plugin.call("nd_get_similar_songs_by_track", {});
    expect(first).toEqual({ kind: "output", output: "1" });
    expect(second).toEqual({ kind: "output", output: "1" });
  });

  test("wall clock is the simulated clock", async () => {
    const { navidrome, plugin } = await loadFull();
    navidrome.advance(1234);
    const outcome = plugin.call("nd_get_similar_songs_by_album", {});
    expect(outcome.kind).toBe("output");
    expect(Number.parseInt(outcome.kind === "output" ? outcome.output : "", 16)).toBe(navidrome.clock.now());
  });

  test("endless loop times out and the next call runs", async () => {
    const { plugin } = await loadFull({}, 200);
    const outcome = plugin.call("nd_get_artist_images", {});
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain("ran longer than 200 ms of wall time and was stopped");
    expect(plugin.call("nd_get_similar_artists", {}).kind).toBe("error");
    expect(plugin.call("nd_get_artist_biography", "again")).toEqual({ kind: "output", output: "again" });
  });
});

describe("loadWasm host", () => {
  test("host function call reaches the service", async () => {
    const { navidrome, plugin } = await loadFull();
    expect(plugin.call("nd_get_album_info", {})).toEqual({ kind: "output", output: "{}" });
    expect(navidrome.services.kvstore.entries().get("greeting")).toEqual(new TextEncoder().encode("hi"));
    expect(navidrome.hostCalls).toEqual([
      { importName: "kvstore_set", function: "kvstore.set", request: { key: "greeting", value: "aGk=" }, reply: {}, time: navidrome.clock.now() },
    ]);
  });

  test("failNext reaches the plugin as the reply's error", async () => {
    const { navidrome, plugin } = await loadFull();
    navidrome.failNext("kvstore_set", "disk full");
    expect(plugin.call("nd_get_album_info", {})).toEqual({ kind: "output", output: '{"error":"disk full"}' });
  });

  test("scheduler callback runs on advance", async () => {
    const { navidrome, plugin } = await loadFull();
    expect(plugin.call("nd_on_init")).toEqual({ kind: "no-data" });
    navidrome.advance(60_000);
    expect(navidrome.services.scheduler.firings()).toMatchObject([{ scheduleId: "tick-1", outcome: { kind: "no-data" } }]);
    expect(navidrome.logs).toEqual([
      { level: "info", message: '{"scheduleId":"tick-1","payload":"tick","isRecurring":false}', source: "plugin", time: navidrome.clock.now() },
    ]);
  });

  test("logs reach navidrome.logs with their level", async () => {
    const { navidrome, plugin } = await loadFull();
    plugin.call("nd_get_artist_url", { id: "ar-1", name: "Nina Simone" });
    expect(navidrome.logs).toEqual([
      { level: "trace", message: "tracing the call", source: "plugin", time: navidrome.clock.now() },
      { level: "warn", message: "something looks off", source: "plugin", time: navidrome.clock.now() },
    ]);
  });

  test("Config.get reads the plugin configuration", async () => {
    const { plugin } = await loadFull({ apiKey: "secret", empty: "" });
    expect(plugin.call("nd_get_album_images", {})).toEqual({ kind: "output", output: "secret" });
    expect(plugin.call("nd_lyrics_get_lyrics", {})).toEqual({ kind: "no-data" });
  });

  test("Config.get of a missing key finds nothing", async () => {
    const { plugin } = await loadFull({});
    expect(plugin.call("nd_get_album_images", {})).toEqual({ kind: "no-data" });
  });
});

describe("loadWasm mounts", () => {
  // Names its first WASI preopen (fd 3) in the output, and writes "hello" to hello.txt there.
  const filePlugin = {
    imports: `
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`,
    strings: { fileName: "hello.txt", content: "hello" },
    body: `
  (func (export "nd_get_artist_biography") (result i32)
    (local $errno i32)
    (local.set $errno (call $fd_prestat_get (i32.const 3) (i32.const 0)))
    (if (local.get $errno) (then (return (local.get $errno))))
    ;; The prestat record is a tag byte, then the name length as u32 at offset 4.
    (local.set $errno (call $fd_prestat_dir_name (i32.const 3) (i32.const 16) (i32.load (i32.const 4))))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $output (i32.const 16) (i32.load (i32.const 4)))
    (i32.const 0))

  (func (export "nd_get_artist_url") (result i32)
    (local $errno i32)
    ;; oflags 1 creates the file; rights FD_WRITE (64); the new fd lands at address 0.
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) {{fileName}} (i32.const 1) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 0)))
    (if (local.get $errno) (then (return (local.get $errno))))
    (call $iovec {{content}})
    (call $fd_write (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 24)))

  ;; Writes one iovec (address and length) at address 8.
  (func $iovec (param $ptr i32) (param $len i32)
    (i32.store (i32.const 8) (local.get $ptr))
    (i32.store (i32.const 12) (local.get $len)))
`,
  };

  test("storage folder is the /storage preopen", async () => {
    const navidrome = createNavidrome({ manifest: { ...manifest, permissions: { storage: {} } } });
    const plugin = await navidrome.loadWasm({ wasm: buildPlugin(filePlugin) });
    const storageDir = navidrome.mounts.get("/storage")?.dir ?? "";

    expect(plugin.call("nd_get_artist_biography", {})).toEqual({ kind: "output", output: "/storage" });
    expect(plugin.call("nd_get_artist_url", {})).toEqual({ kind: "no-data" });
    expect(readFileSync(join(storageDir, "hello.txt"), "utf8")).toBe("hello");
  });
});

describe("loadWasm read-only mounts", () => {
  // Calls WASI functions that change files, on the read-only library (the first preopen, fd 3) and on
  // the writable storage (fd 4), and writes each errno in decimal, separated by commas.
  const changesPlugin = {
    imports: `
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times"
    (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))`,
    strings: { newFile: "new.txt", secondFile: "second.txt", folder: "Playlists", album: "Album", cover: "cover.jpg", renamed: "front.jpg", link: "link.jpg", content: "hello" },
    body: `
  (global $cursor (mut i32) (i32.const 256))

  ;; Appends $errno (below 100) in decimal and a comma to the output text.
  (func $record (param $errno i32)
    (if (i32.ge_u (local.get $errno) (i32.const 10))
      (then
        (i32.store8 (global.get $cursor) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
        (global.set $cursor (i32.add (global.get $cursor) (i32.const 1)))))
    (i32.store8 (global.get $cursor) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.add (global.get $cursor) (i32.const 1)) (i32.const 44))
    (global.set $cursor (i32.add (global.get $cursor) (i32.const 2))))

  ;; Records the errno of path_open and returns the opened descriptor (written at address 0).
  (func $open (param $fd i32) (param $lookup i32) (param $ptr i32) (param $len i32) (param $oflags i32) (param $base i64) (param $inheriting i64) (result i32)
    (i32.store (i32.const 0) (i32.const -1))
    (call $record (call $path_open (local.get $fd) (local.get $lookup) (local.get $ptr) (local.get $len) (local.get $oflags)
      (local.get $base) (local.get $inheriting) (i32.const 0) (i32.const 0)))
    (i32.load (i32.const 0)))

  ;; Records the errno of writing the bytes at $ptr to $fd, with the iovec at 16 and the count at 24.
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 16) (local.get $ptr))
    (i32.store (i32.const 20) (local.get $len))
    (call $record (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 24))))

  (func (export "nd_get_artist_biography") (result i32)
    (local $readFd i32) (local $dirFd i32) (local $storageFd i32) (local $secondFd i32)
    ;; oflags: 1 creates, 2 opens a folder, 9 creates and truncates; lookup 1 follows links.
    ;; Rights: 2 reads, 64 writes; 288256 opens, creates and lists in a folder; 102 reads, writes, seeks.
    (drop (call $open (i32.const 3) (i32.const 0) {{newFile}} (i32.const 1) (i64.const 64) (i64.const 0)))
    (call $record (call $path_create_directory (i32.const 3) {{folder}}))
    (call $record (call $path_remove_directory (i32.const 3) {{album}}))
    (call $record (call $path_unlink_file (i32.const 3) {{cover}}))
    (call $record (call $path_rename (i32.const 3) {{cover}} (i32.const 3) {{renamed}}))
    (call $record (call $path_symlink {{cover}} (i32.const 3) {{link}}))
    (call $record (call $path_filestat_set_times (i32.const 3) (i32.const 0) {{cover}} (i64.const 0) (i64.const 0) (i32.const 10)))

    (local.set $readFd (call $open (i32.const 3) (i32.const 1) {{cover}} (i32.const 0) (i64.const 2) (i64.const 0)))
    (call $write (local.get $readFd) {{content}})
    (call $record (call $fd_filestat_set_size (local.get $readFd) (i64.const 0)))
    (local.set $dirFd (call $open (i32.const 3) (i32.const 1) {{album}} (i32.const 2) (i64.const 288256) (i64.const 102)))
    (drop (call $open (local.get $dirFd) (i32.const 0) {{newFile}} (i32.const 1) (i64.const 64) (i64.const 0)))

    ;; node:wasi hands out the lowest free descriptor, so the storage files reuse the numbers of the
    ;; closed and of the renumbered library file, and must be writable all the same.
    (call $record (call $fd_close (local.get $readFd)))
    (local.set $storageFd (call $open (i32.const 4) (i32.const 0) {{newFile}} (i32.const 9) (i64.const 64) (i64.const 0)))
    (call $write (local.get $storageFd) {{content}})
    (call $record (call $path_link (i32.const 4) (i32.const 0) {{newFile}} (i32.const 3) {{link}}))
    (local.set $readFd (call $open (i32.const 3) (i32.const 1) {{cover}} (i32.const 0) (i64.const 2) (i64.const 0)))
    (call $record (call $fd_renumber (local.get $readFd) (local.get $storageFd)))
    (call $write (local.get $storageFd) {{content}})
    (local.set $secondFd (call $open (i32.const 4) (i32.const 0) {{secondFile}} (i32.const 1) (i64.const 64) (i64.const 0)))
    (call $write (local.get $secondFd) {{content}})

    ;; The last comma is left out.
    (call $output (i32.const 256) (i32.sub (global.get $cursor) (i32.const 257)))
    (i32.const 0))
`,
  };

  const steps = [
    ["create a library file", 69],
    ["make a library folder", 69],
    ["remove a library folder", 69],
    ["remove a library file", 69],
    ["rename a library file", 69],
    ["make a link in the library", 69],
    ["set a library file's times", 69],
    ["open a library file for reading", 0],
    ["write through it", 69],
    ["truncate through it", 69],
    ["open a library folder", 0],
    ["create a file beneath it", 69],
    ["close the library file", 0],
    ["create a storage file", 0],
    ["write to it", 0],
    ["link it into the library", 69],
    ["open the library file again", 0],
    ["renumber it onto the storage file", 0],
    ["write through the renumbered descriptor", 69],
    ["create another storage file", 0],
    ["write to the other file", 0],
  ] as const;

  test("changes to a read-only mount fail with EROFS", async () => {
    const root = mkdtempSync(join(tmpdir(), "nd-pdk-wasm-mounts-"));
    try {
      const library = join(root, "library");
      const storage = join(root, "storage");
      mkdirSync(join(library, "Album"), { recursive: true });
      mkdirSync(storage);
      writeFileSync(join(library, "cover.jpg"), "JPEG");
      const navidrome = createNavidrome({
        manifest: { ...manifest, permissions: { storage: {}, library: { filesystem: true } } },
        allowedLibraries: [1],
        mounts: { "/libraries/1": library, "/storage": storage },
      });
      const plugin = await navidrome.loadWasm({ wasm: buildPlugin(changesPlugin) });

      const outcome = plugin.call("nd_get_artist_biography", {});
      const errnos = outcome.kind === "output" ? outcome.output.split(",").map(Number) : [];

      expect(Object.fromEntries(steps.map(([label], index) => [label, errnos[index]]))).toEqual(Object.fromEntries(steps));
      expect(readdirSync(library).sort()).toEqual(["Album", "cover.jpg"]);
      expect(readdirSync(join(library, "Album"))).toEqual([]);
      expect(readFileSync(join(library, "cover.jpg"), "utf8")).toBe("JPEG");
      expect(readFileSync(join(storage, "new.txt"), "utf8")).toBe("hello");
      expect(readFileSync(join(storage, "second.txt"), "utf8")).toBe("hello");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("loadWasm loading", () => {
  test("unpermitted import fails to load", async () => {
    const navidrome = createNavidrome({ manifest: { name: "No permissions", author: "Tests", version: "1.0.0" } });
    await expect(navidrome.loadWasm({ wasm: fullWasm })).rejects.toThrow(
      'Navidrome would refuse to load this plugin: "kvstore_set" is not exported in module "extism:host/user"; "scheduler_scheduleonetime" is not exported in module "extism:host/user". "kvstore_set" needs permissions.kvstore; "scheduler_scheduleonetime" needs permissions.scheduler; add the permission to manifest.json.',
    );
  });

  test("manifest load rules apply to the wasm exports", async () => {
    const navidrome = createNavidrome({ manifest: { ...manifest, permissions: { ...manifest.permissions, taskqueue: {} } } });
    await expect(navidrome.loadWasm({ wasm: fullWasm })).rejects.toThrow("permissions.taskqueue requires the export nd_task_execute");
  });

  test("invalid bytes fail with a clear error", async () => {
    const navidrome = createNavidrome({ manifest });
    await expect(navidrome.loadWasm({ wasm: new TextEncoder().encode("not wasm") })).rejects.toThrow("the plugin's wasm is not a valid WebAssembly module");
  });

  test("unknown import module fails to load", async () => {
    const wasm = buildPlugin({ imports: '(import "env" "abort" (func $abort))', body: "" });
    const navidrome = createNavidrome({ manifest });
    await expect(navidrome.loadWasm({ wasm })).rejects.toThrow("@extism/extism could not instantiate the plugin's wasm");
  });

  test("readWasm reads the bundle's source map", () => {
    const projectDir = mkdtempSync(join(tmpdir(), "nd-pdk-wasm-"));
    try {
      mkdirSync(join(projectDir, "dist"));
      writeFileSync(join(projectDir, "dist", "plugin.wasm"), fullWasm);
      expect(readWasm(projectDir).sourceMap).toBeUndefined();

      const sourceMap = '{"version":3,"sources":["src/plugin.ts"],"names":[],"mappings":"AAAA"}';
      writeFileSync(join(projectDir, "dist", "plugin.js.map"), sourceMap);
      expect(readWasm(projectDir).sourceMap).toBe(sourceMap);
    } finally {
      rmSync(projectDir, { recursive: true });
    }
  });

  test("readWasm names the build command when the wasm is missing", () => {
    const projectDir = mkdtempSync(join(tmpdir(), "nd-pdk-wasm-"));
    try {
      expect(() => readWasm(projectDir)).toThrow(`no plugin wasm at ${join(projectDir, "dist", "plugin.wasm")}: run \`nd-pdk build\``);
    } finally {
      rmSync(projectDir, { recursive: true });
    }
  });
});

describe("wasm runtime", () => {
  const relayPlugin = {
    hostFunctions: ["kvstore_get"],
    strings: { request: '{"key":"k"}' },
    body: `
  (func (export "nd_get_artist_biography") (result i32)
    (call $output (i32.const 0) (call $input (i32.const 0)))
    (i32.const 0))

  (func (export "nd_get_album_info") (result i32)
    (call $output (i32.const 0) (call $load (call $kvstore_get (call $store {{request}})) (i32.const 0)))
    (i32.const 0))
`,
  };

  function bridgeWith(kvstoreGet: (request: string) => string | undefined): HostBridge {
    return {
      functions: new Map([["kvstore_get", kvstoreGet]]),
      config: new Map(),
      logLevel: "trace",
      log: () => undefined,
      now: () => 0,
    };
  }

  test("host function that throws aborts the call", async () => {
    const bridge = bridgeWith(() => {
      throw new Error("the simulator broke");
    });
    const plugin = (await compileWasmPlugin(buildPlugin(relayPlugin))).load({ hostFunctions: ["kvstore_get"], bridge });
    const message = "host function kvstore_get failed, which aborts the call: the simulator broke";
    expect(plugin.call("nd_get_album_info", "{}", bridge)).toEqual({ kind: "error", message, text: `trap: ${message}` });
  });

  test("plugin call inside a host function runs", async () => {
    const compiled = await compileWasmPlugin(buildPlugin(relayPlugin));
    // Services call the plugin back while one of its host functions runs, as the task queue may.
    const bridge: HostBridge = bridgeWith((request) => {
      const inner = plugin.call("nd_get_artist_biography", `inner ${request}`, bridge);
      return inner.kind === "output" ? inner.output : "";
    });
    const plugin = compiled.load({ hostFunctions: ["kvstore_get"], bridge });
    expect(plugin.call("nd_get_album_info", "{}", bridge)).toEqual({ kind: "output", output: 'inner {"key":"k"}' });
  });

  test.each([
    ["error with stack", "Exception: boom\n    at f (eval_script:3)\n", "boom"],
    ["error without stack", "Exception: boom\n", "boom"],
    ["multi-line message", "Exception: first\nsecond\n    at f (eval_script:3)\n", "first\nsecond"],
    ["empty message", "Exception: \n    at f (eval_script:3)\n", ""],
    ["thrown string", 'Exception: String(Ok("say \\"hi\\"\\n\\u{7f}"))', 'say "hi"\n\u007f'],
    ["thrown number", "Exception: Int(42)", "Int(42)"],
    ["engine message", "module.exports has no key nd_on_init", "module.exports has no key nd_on_init"],
  ])("message of error text: %s", (_case, text, message) => {
    expect(messageOfErrorText(text)).toBe(message);
  });
});

describe("engine error text frames", () => {
  const source = [
    "export function parseSettings(text: string): unknown {",
    "  try {",
    "    return JSON.parse(text);",
    "  } catch {",
    "    throw new Error(`the settings are not valid JSON,",
    "correct them in Navidrome`);",
    "  }",
    "}",
    "",
    "export function nd_get_artist_biography(): number {",
    '  return parseSettings("{not json") === undefined ? 1 : 0;',
    "}",
  ].join("\n");
  let bundle: string;
  let mapper: StackMapper;

  beforeAll(async () => {
    // The options of a plugin build, so the bundle starts with esbuild's unmapped CommonJS helpers.
    const result = await build({
      stdin: { contents: source, resolveDir: process.cwd(), sourcefile: "src/plugin.ts", loader: "ts" },
      bundle: true,
      write: false,
      format: "cjs",
      target: "es2020",
      platform: "neutral",
      sourcemap: "external",
      outfile: join(process.cwd(), "plugin.js"),
      logLevel: "silent",
    });
    bundle = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text ?? "";
    const sourceMap = result.outputFiles.find((file) => file.path.endsWith(".js.map"))?.text;
    mapper = new StackMapper(sourceMap, undefined, ENGINE_FRAMES);
  });

  /** Returns the 1-based number of the first bundle line that contains `marker`. */
  function bundleLine(marker: string): number {
    const index = bundle.split("\n").findIndex((line) => line.includes(marker));
    if (index < 0) throw new Error(`marker not found in the bundle: ${marker}`);
    return index + 1;
  }

  /** Builds an error text as the engine sets it, with frames at the bundle lines of the markers. */
  function engineText(frames: [name: string, marker: string][]): string {
    const lines = frames.map(([name, marker]) => `    at ${name} (eval_script:${bundleLine(marker)})`);
    return `Exception: the settings are not valid JSON\n${lines.join("\n")}\n    at call (native)\n    at call (nd_dispatch:51)\n`;
  }

  test("bundle frames map to source lines", () => {
    const text = engineText([
      ["parseSettings", "throw new Error"],
      ["nd_get_artist_biography", "return parseSettings("],
    ]);
    expect(mapErrorTextFrames(text, mapper)).toBe(
      "Exception: the settings are not valid JSON\n    at parseSettings (src/plugin.ts:5)\n    at nd_get_artist_biography (src/plugin.ts:11)\n",
    );
  });

  test("line without mappings takes the line above", () => {
    const text = engineText([["parseSettings", "correct them in Navidrome"]]);
    expect(mapErrorTextFrames(text, mapper)).toBe("Exception: the settings are not valid JSON\n    at parseSettings (src/plugin.ts:5)\n");
  });

  test("frame the map does not cover stays", () => {
    const text = engineText([["__copyProps", "__defProp"]]);
    expect(bundleLine("__defProp")).toBeLessThan(bundleLine("throw new Error"));
    expect(mapErrorTextFrames(text, mapper)).toBe(`Exception: the settings are not valid JSON\n    at __copyProps (eval_script:${bundleLine("__defProp")})\n`);
  });

  test("dispatcher frames are dropped without a source map", () => {
    const text = "Exception: boom\n    at fail (eval_script:3)\n    at call (native)\n    at call (nd_dispatch:51)\n";
    expect(mapErrorTextFrames(text, new StackMapper(undefined, undefined, ENGINE_FRAMES))).toBe("Exception: boom\n    at fail (eval_script:3)\n");
  });

  test("message keeps a quoted bundle position", () => {
    const text = `Exception: bad line eval_script:${bundleLine("throw new Error")}\n    at parseSettings (eval_script:${bundleLine("throw new Error")})\n`;
    expect(mapErrorTextFrames(text, mapper)).toBe(`Exception: bad line eval_script:${bundleLine("throw new Error")}\n    at parseSettings (src/plugin.ts:5)\n`);
  });
});
