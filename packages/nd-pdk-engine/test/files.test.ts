// The files API of @nd/pdk in a plugin compiled by the engine and run in @extism/extism 1.0.3, with
// temporary folders preopened as /storage and /libraries/1. The plugin and the expected transcripts
// are the simulator's fixtures, so the engine must behave as both simulator runtimes do.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { createNavidrome } from "@nd/pdk-simulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { TranscriptStep } from "../../nd-pdk-simulator/test/fixtures/files-plugin.js";
import {
  bundleFilesPlugin,
  createEscapeFolders,
  createLibraryFolder,
  createTemporaryFolder,
  EXPECTED_TRANSCRIPTS,
  removeTemporaryFolders,
} from "../../nd-pdk-simulator/test/fixtures/files-scenarios.js";
import { compilePlugin } from "../src/index.js";
import { callPlugin } from "./support/extism-host.js";
import { SKIP_ENGINE } from "./support/skip.js";

const INTERFACE = 'declare module "main" { export function nd_get_artist_biography(): I32; }';

afterAll(removeTemporaryFolders);

describe.skipIf(SKIP_ENGINE)("files API compiled by the engine", () => {
  let wasm: Uint8Array<ArrayBuffer>;
  let module: WebAssembly.Module;

  beforeAll(async () => {
    ({ wasm } = await compilePlugin({ bundle: await bundleFilesPlugin(), interfaceText: INTERFACE }));
    module = await WebAssembly.compile(wasm);
  });

  /** Runs one scenario in a fresh instance and returns its transcript. */
  async function runScenario(scenario: string, allowedPaths: Readonly<Record<string, string>>): Promise<TranscriptStep[]> {
    const outcome = await callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: scenario, name: "" }), { allowedPaths });
    if (outcome.output === null) throw new Error(`scenario ${scenario} gave no output`);
    return JSON.parse((JSON.parse(outcome.output) as { biography: string }).biography) as TranscriptStep[];
  }

  test("storage scenario", async () => {
    const storage = createTemporaryFolder("storage");

    expect(await runScenario("storage", { "/storage": storage })).toEqual(EXPECTED_TRANSCRIPTS["storage"]);
    expect(readdirSync(storage).sort()).toEqual(["café ☕.txt", "data.bin"]);
    expect([...readFileSync(join(storage, "data.bin"))]).toEqual([9, 8, 7]);
  });

  test("library read scenario", async () => {
    const library = createLibraryFolder();

    expect(await runScenario("library-read", { "/libraries/1": library })).toEqual(EXPECTED_TRANSCRIPTS["library-read"]);
  });

  // node:wasi in plain @extism/extism mounts every folder writable, so this scenario runs in the
  // simulator's wasm runtime, which rejects changes to a read-only mount as Navidrome does.
  test("library write scenario", async () => {
    const library = createLibraryFolder();
    const navidrome = createNavidrome({
      manifest: { name: "Files", author: "Tests", version: "1.0.0", permissions: { library: { filesystem: true } } },
      allowedLibraries: [1],
      mounts: { "/libraries/1": library },
    });
    const plugin = await navidrome.loadWasm({ wasm });

    const outcome = plugin.call("nd_get_artist_biography", { id: "library-write", name: "" });
    const biography = outcome.kind === "output" ? (JSON.parse(outcome.output) as { biography: string }).biography : JSON.stringify(outcome);

    expect(JSON.parse(biography)).toEqual(EXPECTED_TRANSCRIPTS["library-write"]);
    expect(readdirSync(library).sort()).toEqual(["Nina Simone", "cover.jpg"]);
  });

  // NOTE: node:wasi follows a link out of a preopen when it opens a file (its documentation says it
  // lacks the sandboxing of other WASI runtimes), so only steps that do not depend on the host's
  // confinement are checked here. Rejecting links out of a mount is the host's job, and the simulator
  // checks its own confinement with the whole scenario.
  test("links inside a mount are followed", async () => {
    const { storage } = createEscapeFolders();
    const steps = new Map(await runScenario("escapes", { "/storage": storage }));

    expect(steps.get("list with links")).toContainEqual({ name: "alias", kind: "directory" });
    expect(steps.get("read through a link inside")).toBe("inside");
    expect(steps.get("list a folder with a link to its parent")).toEqual([
      { name: "kept.txt", kind: "file" },
      { name: "up", kind: "directory" },
    ]);
    expect(steps.get("read through a link to a parent")).toBe("inside");
  });

  test("nothing mounted fails as not mounted", async () => {
    const transcript = await runScenario("storage", {});

    expect(transcript[0]).toEqual([
      "exists root",
      { code: "not-mounted", message: "files.exists: /storage is not mounted, so /storage cannot be accessed; add permissions.storage to manifest.json" },
    ]);
  });
});

describe.skipIf(SKIP_ENGINE)("files API at build time", () => {
  test("top-level use fails the build", async () => {
    const build = compilePlugin({
      bundle: 'globalThis[Symbol.for("nd-pdk.files")].mounts(); module.exports = { nd_run: function () { return 0; } };',
      interfaceText: 'declare module "main" { export function nd_run(): I32; }',
    });

    await expect(build).rejects.toThrow(/the files API cannot be used at module top level/);
  });
});
