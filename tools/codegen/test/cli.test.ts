import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

const codegenDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsx = join(codegenDir, "node_modules/.bin/tsx");
const schemaDir = join(codegenDir, "test/golden/shared-type/schema");

const HOST_FILE = "packages/nd-pdk-host/src/generated/genres.ts";
const CAPABILITY_FILE = "packages/nd-pdk-capabilities/src/generated/genre-source.ts";

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(...args: string[]): CliResult {
  const result = spawnSync(tsx, ["src/cli.ts", ...args], { cwd: codegenDir, encoding: "utf8", timeout: 60_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Formats a CLI run for assertion messages, so a failure shows what the CLI printed. */
function describeRun(result: CliResult): string {
  return `exit code ${String(result.status)}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

describe("cli", () => {
  let outDir: string;

  beforeEach(() => {
    outDir = mkdtempSync(join(tmpdir(), "nd-codegen-cli-"));
  });

  afterEach(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("check fails when nothing was generated", () => {
    const result = runCli("--check", "--schema", schemaDir, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(1);
    expect(result.stderr).toContain("run `pnpm gen`");
    expect(result.stderr).toContain(`  ${HOST_FILE}\n`);
    expect(result.stderr).toContain(`  ${CAPABILITY_FILE}\n`);
  });

  it("check passes after a generating run", () => {
    const generated = runCli("--schema", schemaDir, "--out", outDir);
    expect(generated.status, describeRun(generated)).toBe(0);
    expect(generated.stdout).toContain("Generated 8 files");
    expect(existsSync(join(outDir, HOST_FILE))).toBe(true);

    const result = runCli("--check", "--schema", schemaDir, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(0);
    expect(result.stdout).toContain("Generated code is up to date (8 files).");
  });

  it("check names a generated file that was edited", () => {
    const generated = runCli("--schema", schemaDir, "--out", outDir);
    expect(generated.status, describeRun(generated)).toBe(0);
    appendFileSync(join(outDir, HOST_FILE), "// edited by hand\n");

    const result = runCli("--check", "--schema", schemaDir, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(1);
    expect(result.stderr).toContain("run `pnpm gen`");
    expect(result.stderr).toContain(`  ${HOST_FILE}\n`);
    expect(result.stderr).not.toContain(CAPABILITY_FILE);
  });

  it("check names a leftover file in a generated folder", () => {
    const generated = runCli("--schema", schemaDir, "--out", outDir);
    expect(generated.status, describeRun(generated)).toBe(0);
    writeFileSync(join(outDir, "packages/nd-pdk-host/src/generated/old.ts"), "export {};\n");

    const result = runCli("--check", "--schema", schemaDir, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(1);
    expect(result.stderr).toContain("packages/nd-pdk-host/src/generated/old.ts (no longer generated)");
  });

  it("removes a leftover file and rewrites an edited one", () => {
    const generated = runCli("--schema", schemaDir, "--out", outDir);
    expect(generated.status, describeRun(generated)).toBe(0);
    const leftover = join(outDir, "packages/nd-pdk-host/src/generated/old.ts");
    writeFileSync(leftover, "export {};\n");
    appendFileSync(join(outDir, HOST_FILE), "// edited by hand\n");

    const result = runCli("--schema", schemaDir, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(0);
    expect(result.stdout).toContain("(1 changed)");
    expect(existsSync(leftover)).toBe(false);
    expect(runCli("--check", "--schema", schemaDir, "--out", outDir).status).toBe(0);
  });

  it("prints schema problems without a stack trace", () => {
    const badSchema = join(outDir, "schema");
    mkdirSync(join(badSchema, "host"), { recursive: true });
    writeFileSync(join(badSchema, "releases.yaml"), "releases: [v0.60.0]\n");
    writeFileSync(join(badSchema, "host/clock.yaml"), "service: Clock\n");

    const result = runCli("--check", "--schema", badSchema, "--out", outDir);

    expect(result.status, describeRun(result)).toBe(1);
    expect(result.stderr).toContain("the API schema has");
    expect(result.stderr).toContain(join(badSchema, "host/clock.yaml"));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
