// The compile and pack stages of a build, with two stand-ins for extism-js: one that writes a small
// module with the imports and exports of the interface file, and one that fails.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { unzipSync } from "fflate";
import { describe, expect, test } from "vitest";

import { runBuildCommand } from "../src/commands/build.js";
import { buildPlugin, validatePlugin } from "../src/index.js";
import { captureStreams, copyFixture, fakeCompiler, fakeExtismJsOnPath, failingCompiler, noCompiler } from "./fixtures/projects.js";

describe("buildPlugin with a compiler", () => {
  test("packs manifest.json and plugin.wasm into <id>.ndp", async () => {
    const dir = copyFixture("sample");

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    const packageFile = path.join(dir, "dist", "refresh-queue.ndp");
    expect(result.files).toEqual(expect.arrayContaining([path.join(dir, "dist", "plugin.wasm"), packageFile]));
    const entries = unzipSync(readFileSync(packageFile));
    expect(Object.keys(entries).sort()).toEqual(["manifest.json", "plugin.wasm"]);
    expect(Buffer.from(entries["manifest.json"] as Uint8Array).toString("utf8")).toBe(readFileSync(path.join(dir, "manifest.json"), "utf8"));
    expect(Buffer.compare(Buffer.from(entries["plugin.wasm"] as Uint8Array), readFileSync(path.join(dir, "dist", "plugin.wasm")))).toBe(0);
  });

  test("writes a package that validates", async () => {
    const dir = copyFixture("sample");
    const built = await buildPlugin({ dir, compiler: fakeCompiler });

    const validated = await validatePlugin(path.join(dir, "dist", "refresh-queue.ndp"));

    expect(validated.errors).toEqual([]);
    expect(validated.exports).toEqual(built.exports);
    expect(validated.imports).toEqual(built.imports);
    expect(validated.minNavidrome).toEqual(built.minNavidrome);
  });

  test("writes reproducible package bytes", async () => {
    const dir = copyFixture("sample");

    await buildPlugin({ dir, compiler: fakeCompiler });
    const first = readFileSync(path.join(dir, "dist", "refresh-queue.ndp"));
    await buildPlugin({ dir, compiler: fakeCompiler });
    const second = readFileSync(path.join(dir, "dist", "refresh-queue.ndp"));

    expect(Buffer.compare(first, second)).toBe(0);
  });

  test("names the package after --id", async () => {
    const dir = copyFixture("sample");

    const result = await buildPlugin({ dir, compiler: fakeCompiler, id: "nightly-refresh" });

    expect(result.files).toContain(path.join(dir, "dist", "nightly-refresh.ndp"));
  });

  test("prefers extism-js on the search path to the engine", async () => {
    const dir = copyFixture("sample");

    // The engine file is left at its default, so the engine is available too when it was built.
    const result = await buildPlugin({ dir, searchPath: fakeExtismJsOnPath() });

    expect(result.ok).toBe(true);
    expect(result.compiler).toBe("extism-js");
    expect(result.steps.find((step) => step.stage === "compile")?.detail).toMatch(/^extism-js -> .*plugin\.wasm \(\d+ B\)$/);
    expect(existsSync(path.join(dir, "dist", "refresh-queue.ndp"))).toBe(true);
  });

  test("runs extism-js for --compiler extism-js", async () => {
    const dir = copyFixture("sample");

    const result = await buildPlugin({ dir, compiler: "extism-js", searchPath: fakeExtismJsOnPath() });

    expect(result.ok).toBe(true);
    expect(result.compiler).toBe("extism-js");
  });

  test("exits with 2 for --compiler extism-js without extism-js", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(copyFixture("sample"), { compiler: "extism-js" }, streams, noCompiler);

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toMatch(/^error: --compiler extism-js: extism-js was not found on PATH; install extism-js from .*, or use --compiler engine\n$/);
  });

  test("exits with 2 for --compiler engine without the engine", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(copyFixture("sample"), { compiler: "engine" }, streams, { engineWasmFile: noCompiler.engineWasmFile });

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toBe(`error: --compiler engine: the built-in engine is unavailable because ${noCompiler.engineWasmFile} does not exist. Use --compiler extism-js instead\n`);
  });

  test("compiles nothing when a check fails", async () => {
    const dir = copyFixture("missing-permission");

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.exitCode).toBe(1);
    expect(result.steps.map((step) => step.stage)).not.toContain("compile");
    expect(existsSync(path.join(dir, "dist", "plugin.wasm"))).toBe(false);
  });

  test("names the compiler when top-level code throws", async () => {
    const dir = copyFixture("sample");
    writeFileSync(path.join(dir, "src", "index.ts"), 'import { definePlugin } from "@nd/pdk";\nthrow new Error("not configured");\nexport default definePlugin({ lifecycle: { onInit() {} } });\n');

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.errors).toEqual([expect.stringMatching(/^top-level code threw, so the compiler fake-compiler\.mjs cannot build the plugin: Exception: not configured/)]);
  });

  test("failed check removes the earlier package", async () => {
    const dir = copyFixture("sample");
    const dist = path.join(dir, "dist");
    expect((await buildPlugin({ dir, compiler: fakeCompiler })).ok).toBe(true);
    writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ name: "Refresh queue", author: "nd-pdk tests", version: "1.0.0" }));

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.exitCode).toBe(1);
    expect(existsSync(path.join(dist, "plugin.wasm"))).toBe(false);
    expect(existsSync(path.join(dist, "refresh-queue.ndp"))).toBe(false);
  });

  test("failed bundle removes every earlier output", async () => {
    const dir = copyFixture("sample");
    const dist = path.join(dir, "dist");
    expect((await buildPlugin({ dir, compiler: fakeCompiler })).ok).toBe(true);
    writeFileSync(path.join(dir, "src", "index.ts"), 'import { definePlugin } from "@nd/pdk";\nexport default definePlugin({ lifecycle: { onInit() { return } } }\n');

    const result = await buildPlugin({ dir, compiler: fakeCompiler });

    expect(result.steps.at(-1)).toMatchObject({ stage: "bundle", status: "failed" });
    for (const file of ["plugin.js", "plugin.js.map", "plugin.d.ts", "plugin.wasm", "refresh-queue.ndp"]) {
      expect(existsSync(path.join(dist, file)), file).toBe(false);
    }
  });

  test("failed compiler removes the earlier package", async () => {
    const dir = copyFixture("sample");
    expect((await buildPlugin({ dir, compiler: fakeCompiler })).ok).toBe(true);

    const result = await buildPlugin({ dir, compiler: failingCompiler });

    expect(result.exitCode).toBe(3);
    expect(existsSync(path.join(dir, "dist", "plugin.wasm"))).toBe(false);
    expect(existsSync(path.join(dir, "dist", "refresh-queue.ndp"))).toBe(false);
  });

  test("exits with 3 showing compiler stderr", async () => {
    const dir = copyFixture("sample");
    const streams = captureStreams();

    const exitCode = await runBuildCommand(dir, { compiler: failingCompiler }, streams);

    expect(exitCode).toBe(3);
    expect(streams.stderr()).toContain(`error: the compiler ${failingCompiler} exited with code 1:\n  Error: wasm-merge was not found on PATH; install binaryen`);
    expect(streams.stdout()).toMatch(/^ {2}failed {3}compile {4}failing-compiler\.mjs exited with code 1$/m);
    expect(existsSync(path.join(dir, "dist", "refresh-queue.ndp"))).toBe(false);
  });

  test("reports the failure in --json output", async () => {
    const dir = copyFixture("sample");
    const streams = captureStreams();

    const exitCode = await runBuildCommand(dir, { compiler: failingCompiler, json: true }, streams);
    const output = JSON.parse(streams.stdout()) as { ok: boolean; errors: string[]; compiler: string };

    expect(exitCode).toBe(3);
    expect(output.ok).toBe(false);
    expect(output.compiler).toBe(failingCompiler);
    expect(output.errors[0]).toContain("wasm-merge was not found on PATH");
    expect(streams.stderr()).toBe("");
  });

  test("exits with 2 for a compiler that does not exist", async () => {
    const dir = copyFixture("sample");
    const streams = captureStreams();

    const exitCode = await runBuildCommand(dir, { compiler: "./no/such/compiler" }, streams);

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toBe("error: --compiler ./no/such/compiler was not found: give the path of the compiler, a command on PATH, or the keyword extism-js or engine\n");
  });
});
