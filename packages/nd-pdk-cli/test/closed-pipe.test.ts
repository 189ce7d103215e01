import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { afterEach, beforeAll, describe, expect, test } from "vitest";

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const launcher = path.join(packageDir, "bin", "nd-pdk.js");

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

/**
 * Runs the built CLI with standard output on a pipe whose reading end is closed right after the
 * spawn. The CLI's writes to standard output then fail with EPIPE, as when `head` has already exited.
 */
function runWithClosedStdout(args: readonly string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();

    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe("nd-pdk with standard output closed early", () => {
  let workDir: string | undefined;

  beforeAll(() => {
    if (!existsSync(path.join(packageDir, "dist", "cli.js"))) {
      throw new Error("dist/cli.js is missing: run `pnpm --filter @nd/pdk-cli build` before these tests");
    }
  });

  afterEach(() => {
    if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
    workDir = undefined;
  });

  test("init exits 0 without a stack trace", async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "nd-pdk-closed-pipe-"));
    const projectDir = path.join(workDir, "plugin");

    const exit = await runWithClosedStdout(["init", projectDir]);

    expect(exit.stderr).toBe("");
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    // The files are written before the summary is printed, so the closed pipe cut nothing short.
    expect(existsSync(path.join(projectDir, "package.json"))).toBe(true);
  }, 60_000);

  test("failed validate keeps exit code 1", async () => {
    const exit = await runWithClosedStdout(["validate", path.join("test", "fixtures", "manifest-invalid"), "--json"]);

    expect(exit.stderr).toBe("");
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(1);
  }, 60_000);
});
