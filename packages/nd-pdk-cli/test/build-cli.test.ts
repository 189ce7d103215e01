// `nd-pdk build` as a command: help, usage errors through commander, human and JSON output.
import { Command } from "commander";
import { afterEach, describe, expect, test, vi } from "vitest";

import { registerBuild, runBuildCommand } from "../src/commands/build.js";
import { captureStreams, copyFixture, noCompiler, scratch } from "./fixtures/projects.js";

class ExitCalled extends Error {
  constructor(readonly code: number | undefined) {
    super(`process.exit(${String(code)})`);
  }
}

/** Parses `args` with a program that has only the build command, returning the exit code and output. */
async function parseBuild(args: string[]): Promise<{ exitCode: number | undefined; out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command("nd-pdk").configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  registerBuild(program);
  vi.spyOn(process, "exit").mockImplementation((code) => {
    throw new ExitCalled(typeof code === "number" ? code : undefined);
  });

  try {
    await program.parseAsync(args, { from: "user" });
    return { exitCode: undefined, out, err };
  } catch (error) {
    if (error instanceof ExitCalled) return { exitCode: error.code, out, err };
    throw error;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("nd-pdk build", () => {
  test("--help lists options, JSON and exit codes", async () => {
    const { exitCode, out } = await parseBuild(["build", "--help"]);

    expect(exitCode).toBe(0);
    for (const option of ["--entry <file>", "--out-dir <dir>", "--compiler <name>", "--id <id>", "--json"]) expect(out).toContain(option);
    expect(out.replace(/\s+/g, " ")).toContain("compiler to use: extism-js (from PATH), engine (the built-in @nd/pdk-engine)");
    expect(out).toContain('{ "ok": boolean, "exports": string[], "imports": string[],');
    expect(out).toContain('"compiler": string | null }');
    expect(out).toContain("Exit codes:");
    expect(out).toContain("  3  the compiler failed (build only): its output is shown");
  });

  test("exits with 2 for an unknown option", async () => {
    const { exitCode, err } = await parseBuild(["build", "--minify"]);

    expect(exitCode).toBe(2);
    expect(err).toContain("unknown option '--minify'");
  });

  test("exits with 2 for a directory that does not exist", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(`${scratch()}/no-such-plugin`, {}, streams);

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toMatch(/^error: .*no-such-plugin is not a directory: give the plugin directory, the one with package\.json and manifest\.json\n$/);
  });

  test("exits with 2 for an --entry that does not exist", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(copyFixture("sample"), { entry: "src/main.ts" }, streams);

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toContain("error: --entry src/main.ts:");
  });

  test("prints step lines and a summary", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(copyFixture("sample"), {}, streams, noCompiler);

    expect(exitCode).toBe(0);
    const stages = streams
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => line.trim().split(/\s+/).slice(0, 2).join(" "));
    expect(stages).toEqual(["ok manifest", "ok bundle", "ok exports", "ok imports", "ok trim", "ok checks", "ok interface", "skipped compile"]);
    expect(streams.stdout()).toContain("Oldest Navidrome release that can load it: v0.61.0 (needed by ");
    expect(streams.stdout()).toMatch(/Build succeeded with 1 warning\.\n$/);
    expect(streams.stderr()).toMatch(/^warning: no compiler was found, .*\n$/);
  });

  test("exits with 1 when a check fails", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(copyFixture("missing-permission"), {}, streams);

    expect(exitCode).toBe(1);
    expect(streams.stderr()).toContain('error: http.send is used but manifest.json does not grant "http"; add "http": {} under permissions\n');
    expect(streams.stdout()).toMatch(/Build failed with 1 error\.\n$/);
  });

  test("--json prints one object with the documented keys", async () => {
    const dir = copyFixture("missing-permission");
    const streams = captureStreams();

    const exitCode = await runBuildCommand(dir, { json: true }, streams);
    const output = JSON.parse(streams.stdout()) as Record<string, unknown>;

    expect(exitCode).toBe(1);
    expect(Object.keys(output)).toEqual(["ok", "exports", "imports", "minNavidrome", "files", "warnings", "errors", "compiler"]);
    expect(output).toMatchObject({
      ok: false,
      exports: ["nd_get_artist_url"],
      imports: ["http_send"],
      minNavidrome: { release: "v0.61.0", requiredBy: ["http_send"] },
      errors: ['http.send is used but manifest.json does not grant "http"; add "http": {} under permissions'],
      compiler: null,
    });
    expect(output["files"]).toEqual([`${dir}/dist/plugin.js`, `${dir}/dist/plugin.js.map`, `${dir}/dist/plugin.d.ts`]);
    expect(streams.stderr()).toBe("");
  });

  test("--json reports a usage error as an object too", async () => {
    const streams = captureStreams();

    const exitCode = await runBuildCommand(`${scratch()}/no-such-plugin`, { json: true }, streams);
    const output = JSON.parse(streams.stdout()) as { ok: boolean; errors: string[] };

    expect(exitCode).toBe(2);
    expect(output.ok).toBe(false);
    expect(output.errors).toHaveLength(1);
  });
});
