// Builds with the real built-in engine (@nd/pdk-engine), whose engine.wasm `pnpm build` makes with
// clang-14 and wasi-libc. Without it these tests fail, unless ND_PDK_ENGINE_SKIP=1 opts out.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { engineStatus } from "@nd/pdk-engine";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, test } from "vitest";

import { compileAndPack } from "../src/build/compile-and-pack.js";
import { BuildRecorder } from "../src/build/recorder.js";
import { runBuildCommand } from "../src/commands/build.js";
import { buildPlugin, renderInterfaceFile, validatePlugin } from "../src/index.js";
import { captureStreams, copyFixture } from "./fixtures/projects.js";

const SKIP_ENGINE = process.env["ND_PDK_ENGINE_SKIP"] === "1";
if (SKIP_ENGINE) console.warn("@nd/pdk-cli: ND_PDK_ENGINE_SKIP=1 is set, so the builds with the built-in engine are skipped.");

// Compiling runs Wizer and binaryen, which takes a few seconds when other tests share the CPU.
const ENGINE_TIMEOUT_MS = 60_000;

/** The part of the WebAssembly API used here; this package compiles without the DOM library that declares it. */
interface WebAssemblyApi {
  readonly Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
    exports(module: object): Array<{ name: string; kind: string }>;
  };
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Every function export, with the runtime's own, unlike readWasmInterface. */
function functionExports(module: object): string[] {
  return webAssembly.Module.exports(module)
    .filter((entry) => entry.kind === "function")
    .map((entry) => entry.name)
    .sort();
}

function hostImports(module: object): string[] {
  return webAssembly.Module.imports(module)
    .filter((entry) => entry.module === "extism:host/user")
    .map((entry) => entry.name)
    .sort();
}

describe.skipIf(SKIP_ENGINE)("buildPlugin with the built-in engine", () => {
  beforeAll(() => {
    const status = engineStatus();
    if (!status.available) throw new Error(`the engine tests need the built engine: ${status.reason}`);
  });

  test(
    "packs a plugin.wasm with exactly the declared exports and imports",
    async () => {
      const dir = copyFixture("sample");

      // An empty PATH has no extism-js, so the engine is chosen.
      const result = await buildPlugin({ dir, searchPath: "" });

      expect(result.errors).toEqual([]);
      expect(result.compiler).toBe("engine");
      expect(result.steps.find((step) => step.stage === "compile")?.detail).toMatch(/^engine -> .*plugin\.wasm \(\d+(\.\d)? [kM]B\)$/);
      const entries = unzipSync(readFileSync(path.join(dir, "dist", "refresh-queue.ndp")));
      const module = new webAssembly.Module(entries["plugin.wasm"] as Uint8Array);
      expect(result.exports.length).toBeGreaterThan(1);
      expect(functionExports(module)).toEqual(result.exports);
      expect(result.imports.length).toBeGreaterThan(1);
      expect(hostImports(module)).toEqual(result.imports);
    },
    ENGINE_TIMEOUT_MS,
  );

  test(
    "writes a package that validates, naming the engine in --json",
    async () => {
      const dir = copyFixture("sample");
      const streams = captureStreams();

      const exitCode = await runBuildCommand(dir, { compiler: "engine", json: true }, streams);
      const output = JSON.parse(streams.stdout()) as { compiler: string; errors: string[] };
      const validated = await validatePlugin(path.join(dir, "dist", "refresh-queue.ndp"));

      expect(output.errors).toEqual([]);
      expect(exitCode).toBe(0);
      expect(output.compiler).toBe("engine");
      expect(validated.errors).toEqual([]);
    },
    ENGINE_TIMEOUT_MS,
  );

  test(
    "compiles a files plugin without warnings",
    async () => {
      const dir = copyFixture("files-storage");

      const result = await buildPlugin({ dir, compiler: "engine" });

      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
      expect(result.steps.at(-1)).toMatchObject({ stage: "package", status: "ok" });
    },
    ENGINE_TIMEOUT_MS,
  );

  test("names the engine for top-level files use", async () => {
    const dir = copyFixture("files-storage");
    writeFileSync(path.join(dir, "src", "index.ts"), 'import { definePlugin, files } from "@nd/pdk";\nconst seen = files.exists("/storage/started.txt");\nexport default definePlugin({ lifecycle: { onInit() { void seen; } } });\n');

    const result = await buildPlugin({ dir, compiler: "engine" });

    expect(result.errors).toEqual([
      "the files API cannot be used at module top level: the built-in engine runs top-level code once at build time, when no host is attached, so the build fails. Call it inside an exported function (or code an export calls) instead. (at src/index.ts:2:20)",
    ]);
  });

  test(
    "names the engine when its snapshot fails",
    async () => {
      // The simulator's evaluation is skipped here, so that the error comes from the engine itself.
      const outDir = path.join(copyFixture("files-storage"), "dist");
      mkdirSync(outDir, { recursive: true });
      const bundleFile = path.join(outDir, "plugin.js");
      const interfaceFile = path.join(outDir, "plugin.d.ts");
      writeFileSync(bundleFile, 'globalThis[Symbol.for("nd-pdk.files")].mounts();\nmodule.exports = { nd_on_init() { return 0; } };\n');
      writeFileSync(interfaceFile, renderInterfaceFile(["nd_on_init"], []));
      const status = engineStatus();
      if (!status.available) throw new Error(status.reason);
      const recorder = new BuildRecorder();

      const result = await compileAndPack({ recorder, compiler: { kind: "engine", wasmFile: status.wasmFile }, dir: outDir, outDir, bundleFile, interfaceFile, manifestText: "{}", id: "start-log" });

      expect(result.exitCode).toBe(3);
      expect(result.errors[0]).toContain("the files API cannot be used at module top level: the built-in engine runs top-level code once at build time");
      expect(result.errors[0]).not.toContain("extism-js");
    },
    ENGINE_TIMEOUT_MS,
  );
});
