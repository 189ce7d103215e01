// `nd-pdk validate` as a command: help, usage errors through commander, human and JSON output.
import { writeFileSync } from "node:fs";
import path from "node:path";

import { strToU8, zipSync } from "fflate";
import { Command } from "commander";
import { afterEach, describe, expect, test, vi } from "vitest";

import { registerValidate, runValidateCommand } from "../src/commands/validate.js";
import { captureStreams, scratch } from "./fixtures/projects.js";
import { wasmModule } from "./fixtures/wasm-module.mjs";

class ExitCalled extends Error {
  constructor(readonly code: number | undefined) {
    super(`process.exit(${String(code)})`);
  }
}

/** Parses `args` with a program that has only the validate command, returning the exit code and output. */
async function parseValidate(args: string[]): Promise<{ exitCode: number | undefined; out: string; err: string }> {
  let out = "";
  let err = "";
  const program = new Command("nd-pdk").configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (err += text) });
  registerValidate(program);
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

/** Writes a package whose plugin imports task_enqueue and kvstore_get but may use only the task queue. */
function writeUnpermittedPackage(): string {
  const manifest = { name: "Queue", author: "nd-pdk tests", version: "1.0.0", permissions: { taskqueue: {} } };
  const wasm = wasmModule({
    imports: [
      { module: "extism:host/user", name: "task_enqueue" },
      { module: "extism:host/user", name: "kvstore_get" },
    ],
    exports: ["nd_task_execute"],
  });
  const file = path.join(scratch(), "queue.ndp");
  writeFileSync(file, zipSync({ "manifest.json": strToU8(JSON.stringify(manifest)), "plugin.wasm": wasm }));
  return file;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("nd-pdk validate", () => {
  test("--help lists options, JSON and exit codes", async () => {
    const { exitCode, out } = await parseValidate(["validate", "--help"]);

    expect(exitCode).toBe(0);
    expect(out).toContain("Usage: nd-pdk validate [options] <path>");
    expect(out).toContain("--navidrome <version>");
    expect(out).toContain("--json");
    expect(out).toContain('"minNavidrome": { "release": string, "requiredBy": string[] } | null,');
    expect(out).toContain("Exit codes:");
  });

  test("exits with 2 without a path", async () => {
    const { exitCode, err } = await parseValidate(["validate"]);

    expect(exitCode).toBe(2);
    expect(err).toContain("missing required argument 'path'");
  });

  test("exits with 2 for a version that is not one", async () => {
    const streams = captureStreams();

    const exitCode = await runValidateCommand(writeUnpermittedPackage(), { navidrome: "latest" }, streams);

    expect(exitCode).toBe(2);
    expect(streams.stderr()).toBe('error: --navidrome "latest" is not a Navidrome version: give one such as v0.63.2, or "unreleased" for the main branch\n');
  });

  test("prints stages, errors and oldest release", async () => {
    const streams = captureStreams();

    const exitCode = await runValidateCommand(writeUnpermittedPackage(), { navidrome: "v0.60.0" }, streams);

    expect(exitCode).toBe(1);
    const stages = streams
      .stdout()
      .split("\n")
      .filter((line) => line.startsWith("  "))
      .map((line) => line.trim().split(/\s+/).slice(0, 2).join(" "));
    expect(stages).toEqual(["ok package", "ok manifest", "ok plugin.wasm", "failed checks"]);
    expect(streams.stderr()).toContain('error: kvstore.get is imported by plugin.wasm but manifest.json does not grant "kvstore"; add "kvstore": {} under permissions\n');
    expect(streams.stderr()).toContain("error: task_enqueue (task.enqueue) is in Navidrome v0.61.0 and later, so Navidrome v0.60.0 cannot load the plugin");
    expect(streams.stdout()).toContain("Oldest Navidrome release that can load it: v0.61.0 (needed by task_enqueue, permissions.taskqueue).\n");
    expect(streams.stdout()).toMatch(/Validation failed with 2 errors and 1 warning\.\n$/);
  });

  test("--json prints one object with the documented keys", async () => {
    const file = writeUnpermittedPackage();
    const streams = captureStreams();

    const exitCode = await runValidateCommand(file, { json: true }, streams);
    const output = JSON.parse(streams.stdout()) as Record<string, unknown>;

    expect(exitCode).toBe(1);
    expect(output).toEqual({
      ok: false,
      exports: ["nd_task_execute"],
      imports: ["kvstore_get", "task_enqueue"],
      minNavidrome: { release: "v0.61.0", requiredBy: ["task_enqueue", "permissions.taskqueue"] },
      files: [file],
      warnings: [],
      errors: ['kvstore.get is imported by plugin.wasm but manifest.json does not grant "kvstore"; add "kvstore": {} under permissions'],
    });
    expect(streams.stderr()).toBe("");
  });

  test("reports a plugin that needs unreleased Navidrome", async () => {
    const manifest = { name: "Storage", author: "nd-pdk tests", version: "1.0.0", permissions: { storage: {} } };
    const wasm = wasmModule({ imports: [{ module: "extism:host/user", name: "storage_getstoragepath" }], exports: ["nd_on_init"] });
    const file = path.join(scratch(), "storage.ndp");
    writeFileSync(file, zipSync({ "manifest.json": strToU8(JSON.stringify(manifest)), "plugin.wasm": wasm }));
    const streams = captureStreams();

    const exitCode = await runValidateCommand(file, {}, streams);

    expect(exitCode).toBe(0);
    expect(streams.stdout()).toContain(
      "Needs a Navidrome built from the main branch: storage_getstoragepath, permissions.storage are in no release yet, the newest being v0.63.2.\n",
    );
  });

  test("names permissions a release ignores", async () => {
    const manifest = { name: "Storage", author: "nd-pdk tests", version: "1.0.0", permissions: { storage: {} } };
    const file = path.join(scratch(), "files-only.ndp");
    writeFileSync(file, zipSync({ "manifest.json": strToU8(JSON.stringify(manifest)), "plugin.wasm": wasmModule({ imports: [], exports: ["nd_on_init"] }) }));
    const streams = captureStreams();

    const exitCode = await runValidateCommand(file, { navidrome: "v0.63.2" }, streams);

    expect(exitCode).toBe(0);
    expect(streams.stdout()).toMatch(/^ {2}ok\s+checks\s+exports, host functions and permissions agree, and Navidrome v0\.63\.2 can load it but ignores permissions\.storage$/m);
    expect(streams.stderr()).toBe("warning: manifest.json: permissions.storage is in no Navidrome release yet, so Navidrome v0.63.2 ignores it\n");
    expect(streams.stdout()).toContain(
      "Needs a Navidrome built from the main branch to grant every permission it declares: permissions.storage is in no release yet, the newest being v0.63.2, and releases ignore it.\n",
    );
  });
});
