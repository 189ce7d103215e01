// Validation of .ndp packages made in the tests from hand-assembled wasm modules, and of plugin
// directories with a hand-written dist/plugin.d.ts.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { strToU8, zipSync } from "fflate";
import { describe, expect, test } from "vitest";

import { renderInterfaceFile, UsageError, validatePlugin } from "../src/index.js";
import { scratch } from "./fixtures/projects.js";
import { wasmModule } from "./fixtures/wasm-module.mjs";

const HOST = "extism:host/user";

interface PackageShape {
  readonly manifest?: Record<string, unknown> | string;
  readonly imports?: readonly string[];
  readonly otherImports?: ReadonlyArray<{ module: string; name: string }>;
  readonly exports?: readonly string[];
  readonly wasm?: Uint8Array | null;
  readonly extraEntries?: Readonly<Record<string, string>>;
}

const baseManifest = { name: "Test plugin", author: "nd-pdk tests", version: "1.0.0" };
let packages = 0;

/** Writes a .ndp with the given manifest and a module with the given imports and exports. */
function writePackage(shape: PackageShape): string {
  const entries: Record<string, Uint8Array> = {};
  if (shape.manifest !== undefined) {
    entries["manifest.json"] = strToU8(typeof shape.manifest === "string" ? shape.manifest : JSON.stringify(shape.manifest));
  }
  if (shape.wasm !== null) {
    const imports = [...(shape.imports ?? []).map((name) => ({ module: HOST, name })), ...(shape.otherImports ?? [])];
    entries["plugin.wasm"] = shape.wasm ?? wasmModule({ imports, exports: [...(shape.exports ?? [])] });
  }
  for (const [name, text] of Object.entries(shape.extraEntries ?? {})) entries[name] = strToU8(text);

  packages += 1;
  const file = path.join(scratch(), `plugin-${packages}.ndp`);
  writeFileSync(file, zipSync(entries));
  return file;
}

/** Writes a plugin directory with manifest.json and, when given, dist/plugin.d.ts and dist/plugin.js. */
function writeDirectory(manifest: Record<string, unknown>, declared?: { exports: string[]; imports: string[] }, bundle?: string): string {
  packages += 1;
  const dir = path.join(scratch(), `plugin-dir-${packages}`);
  mkdirSync(path.join(dir, "dist"), { recursive: true });
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  if (declared !== undefined) writeFileSync(path.join(dir, "dist", "plugin.d.ts"), renderInterfaceFile(declared.exports, declared.imports));
  if (bundle !== undefined) writeFileSync(path.join(dir, "dist", "plugin.js"), bundle);
  return dir;
}

/** The line of a bundle that uses the files API, as esbuild keeps it from @nd/pdk. */
const FILES_BUNDLE = 'var FILE_NATIVES_KEY = "nd-pdk.files";\n';

describe("validatePlugin for a .ndp package", () => {
  test("reads the imports and exports of plugin.wasm", async () => {
    const file = writePackage({
      manifest: { ...baseManifest, permissions: { taskqueue: {}, kvstore: {} } },
      imports: ["task_enqueue", "kvstore_get"],
      exports: ["nd_task_execute", "nd_on_init"],
    });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.imports).toEqual(["kvstore_get", "task_enqueue"]);
    expect(result.exports).toEqual(["nd_on_init", "nd_task_execute"]);
    expect(result.minNavidrome).toEqual({ release: "v0.61.0", requiredBy: ["task_enqueue", "permissions.taskqueue"] });
    expect(result.files).toEqual([file]);
  });

  test("flags an import the manifest does not permit", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { taskqueue: {} } }, imports: ["task_enqueue", "kvstore_get"], exports: ["nd_task_execute"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual(['kvstore.get is imported by plugin.wasm but manifest.json does not grant "kvstore"; add "kvstore": {} under permissions']);
    expect(result.exitCode).toBe(1);
  });

  test("flags an import missing from an older release", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { taskqueue: {} } }, imports: ["task_enqueue"], exports: ["nd_task_execute"] });

    const result = await validatePlugin(file, { navidrome: "v0.60.0" });

    expect(result.errors).toEqual([
      "task_enqueue (task.enqueue) is in Navidrome v0.61.0 and later, so Navidrome v0.60.0 cannot load the plugin: stop using task.enqueue, or require Navidrome v0.61.0 or later",
    ]);
    expect(result.warnings).toContain("nd_task_execute (taskWorker.onTaskExecute) is in Navidrome v0.61.0 and later, so Navidrome v0.60.0 never calls it");
  });

  test("accepts the release that added it", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { taskqueue: {} } }, imports: ["task_enqueue"], exports: ["nd_task_execute"] });

    const result = await validatePlugin(file, { navidrome: "v0.61.0" });

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test("maps an unlisted patch release back", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { taskqueue: {} } }, imports: ["task_enqueue"], exports: ["nd_task_execute"] });

    const result = await validatePlugin(file, { navidrome: "0.60.1" });

    expect(result.errors).toContainEqual(expect.stringContaining("so Navidrome 0.60.1 cannot load the plugin"));
  });

  test("flags an import that is in no release yet", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { storage: {} } }, imports: ["storage_getstoragepath"], exports: ["nd_on_init"] });

    const result = await validatePlugin(file, { navidrome: "v0.63.2" });

    expect(result.errors).toEqual([
      "storage_getstoragepath (storage.getStoragePath) is in no Navidrome release yet, so Navidrome v0.63.2 cannot load the plugin: stop using storage.getStoragePath, or require a Navidrome built from the main branch",
    ]);
    expect(result.minNavidrome).toEqual({ release: "unreleased", requiredBy: ["storage_getstoragepath", "permissions.storage"] });
  });

  test("flags the old wire format of subsonicapi_callraw", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { subsonicapi: {}, users: {} } }, imports: ["subsonicapi_callraw"], exports: ["nd_on_init"] });

    const result = await validatePlugin(file, { navidrome: "v0.60.2" });

    expect(result.errors).toEqual([
      "Navidrome v0.60.2 has subsonicapi_callraw, but with an older wire format that the PDK does not read (the current one is from v0.61.0): stop using subsonicApi.callRaw, or require Navidrome v0.61.0 or later",
    ]);
  });

  test("flags names Navidrome does not know", async () => {
    const file = writePackage({ manifest: baseManifest, imports: ["kvstore_frobnicate"], exports: ["nd_on_init", "nd_frobnicate"] });

    const result = await validatePlugin(file);

    expect(result.errors).toContainEqual("kvstore_frobnicate is imported by plugin.wasm, but Navidrome has no host function of that name, so the plugin would fail to load: remove the import");
    expect(result.errors).toContainEqual(expect.stringMatching(/^nd_frobnicate is not an export Navidrome calls\./));
  });

  test("flags an import module Navidrome does not provide", async () => {
    const file = writePackage({ manifest: baseManifest, otherImports: [{ module: "env", name: "abort" }], exports: ["nd_on_init"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([expect.stringMatching(/^plugin\.wasm imports "abort" from module "env", which Navidrome does not provide/)]);
  });

  test("ignores runtime exports and kernel imports", async () => {
    const file = writePackage({
      manifest: baseManifest,
      otherImports: [
        { module: "extism:host/env", name: "alloc" },
        { module: "wasi_snapshot_preview1", name: "fd_write" },
      ],
      exports: ["nd_on_init", "__invokeHostFunc"],
    });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([]);
    expect(result.exports).toEqual(["nd_on_init"]);
  });

  test("flags a partly exported required capability", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { users: {} } }, exports: ["nd_scrobbler_scrobble", "nd_scrobbler_is_authorized"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([
      "the Scrobbler capability needs every method, but scrobbler.nowPlaying (nd_scrobbler_now_playing) and scrobbler.playbackReport (nd_scrobbler_playback_report) are missing: implement them, because Navidrome fails the calls of a missing method",
    ]);
  });

  test("applies the load rules to the exports", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { scheduler: {} } }, imports: ["scheduler_schedulerecurring"], exports: ["nd_on_init"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([expect.stringContaining("manifest.json: permissions.scheduler requires the export nd_scheduler_callback")]);
  });

  test("flags entries besides manifest.json and plugin.wasm", async () => {
    const file = writePackage({ manifest: baseManifest, exports: ["nd_on_init"], extraEntries: { "README.md": "# Test" } });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([
      `${path.basename(file)} contains "README.md" besides manifest.json and plugin.wasm, the only files Navidrome reads from a package: remove it, or rebuild the package with nd-pdk build`,
    ]);
  });

  test("flags a missing plugin.wasm", async () => {
    const file = writePackage({ manifest: baseManifest, wasm: null });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([`${path.basename(file)} has no plugin.wasm at the root of the archive: rebuild it with nd-pdk build`]);
  });

  test("flags a plugin.wasm that is not WebAssembly", async () => {
    const file = writePackage({ manifest: baseManifest, wasm: strToU8("not wasm") });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([expect.stringMatching(/^plugin\.wasm is not a valid WebAssembly module \(.*\): rebuild it with nd-pdk build$/)]);
  });

  test("keeps storage of a package", async () => {
    const file = writePackage({ manifest: { ...baseManifest, permissions: { storage: {}, library: { filesystem: true } } }, exports: ["nd_on_init"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test("flags a file that is not a zip archive", async () => {
    const file = path.join(scratch(), "not-a-zip.ndp");
    writeFileSync(file, "plain text");

    const result = await validatePlugin(file);

    expect(result.errors).toEqual([expect.stringMatching(/^not-a-zip\.ndp is not a valid zip archive/)]);
  });

  test("validates the packed manifest", async () => {
    const file = writePackage({ manifest: { name: "No author", version: "1.0.0", permisions: {} }, exports: ["nd_on_init"] });

    const result = await validatePlugin(file);

    expect(result.errors).toEqual(['manifest.json: author is missing: add a non-empty "author" string to manifest.json']);
    expect(result.warnings).toEqual([expect.stringMatching(/^manifest\.json: Navidrome ignores permisions, because it reads only /)]);
  });
});

describe("validatePlugin for a directory", () => {
  test("checks only the manifest without dist/plugin.d.ts", async () => {
    const dir = writeDirectory({ ...baseManifest, permissions: { users: {} } });

    const result = await validatePlugin(dir);

    expect(result.ok).toBe(true);
    expect(result.steps.map((step) => `${step.status} ${step.stage}`)).toEqual(["ok manifest", "skipped interface"]);
    expect(result.minNavidrome).toBeNull();
  });

  test("checks the dist/plugin.d.ts declarations", async () => {
    const dir = writeDirectory(baseManifest, { exports: ["nd_on_init"], imports: ["kvstore_set"] });

    const result = await validatePlugin(dir);

    expect(result.imports).toEqual(["kvstore_set"]);
    expect(result.errors).toEqual([
      'kvstore.set is declared in dist/plugin.d.ts but manifest.json does not grant "kvstore"; add "kvstore": {} under permissions',
    ]);
  });

  test("counts files in dist/plugin.js as storage use", async () => {
    const dir = writeDirectory({ ...baseManifest, permissions: { storage: {} } }, { exports: ["nd_on_init"], imports: [] }, FILES_BUNDLE);

    const result = await validatePlugin(dir);

    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.files).toContain(path.join(dir, "dist", "plugin.js"));
  });

  test("flags files without a mounted folder", async () => {
    const dir = writeDirectory(baseManifest, { exports: ["nd_on_init"], imports: [] }, FILES_BUNDLE);

    const result = await validatePlugin(dir);

    expect(result.warnings).toEqual([expect.stringMatching(/^the plugin uses the files API, but manifest\.json grants neither permissions\.storage nor "filesystem": true under permissions\.library/)]);
  });

  test("flags storage that dist/plugin.js does not use", async () => {
    const dir = writeDirectory({ ...baseManifest, permissions: { storage: {} } }, { exports: ["nd_on_init"], imports: [] }, "module.exports = {};\n");

    const result = await validatePlugin(dir);

    expect(result.warnings).toEqual([expect.stringMatching(/^manifest\.json: permissions\.storage is declared, but the plugin uses neither the files API nor a host function that needs it/)]);
  });

  test("summary names what an older release ignores", async () => {
    const dir = writeDirectory({ ...baseManifest, permissions: { storage: {} } }, { exports: ["nd_on_init"], imports: [] }, FILES_BUNDLE);

    const result = await validatePlugin(dir, { navidrome: "v0.63.2" });

    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual(["manifest.json: permissions.storage is in no Navidrome release yet, so Navidrome v0.63.2 ignores it"]);
    expect(result.steps.at(-1)).toEqual({
      stage: "checks",
      status: "ok",
      detail: "exports, host functions and permissions agree, and Navidrome v0.63.2 can load it but ignores permissions.storage",
    });
    expect(result.minNavidrome).toEqual({ release: "unreleased", requiredBy: ["permissions.storage"] });
  });

  test("warns about a permission an older release ignores", async () => {
    const dir = writeDirectory({ ...baseManifest, permissions: { storage: {} } });

    const result = await validatePlugin(dir, { navidrome: "v0.63.2" });

    expect(result.warnings).toEqual(["manifest.json: permissions.storage is in no Navidrome release yet, so Navidrome v0.63.2 ignores it"]);
  });
});

describe("validatePlugin usage errors", () => {
  test.each([
    { navidrome: "banana", message: /^--navidrome "banana" is not a Navidrome version/ },
    { navidrome: "v0.59.0", message: /^--navidrome v0\.59\.0 is older than v0\.60\.0, the first release with the plugin system/ },
  ])("for --navidrome $navidrome", async ({ navidrome, message }) => {
    const dir = writeDirectory(baseManifest);

    await expect(validatePlugin(dir, { navidrome })).rejects.toThrow(message);
    await expect(validatePlugin(dir, { navidrome })).rejects.toBeInstanceOf(UsageError);
  });

  test("for a path that does not exist", async () => {
    await expect(validatePlugin(path.join(scratch(), "missing.ndp"))).rejects.toThrow(/missing\.ndp does not exist: give a plugin directory or a \.ndp package$/);
  });
});
