/**
 * Collects the steps, findings and files of a build as its stages run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { CheckResult, Step } from "../output.js";
import { ExitCode } from "../output.js";
import type { MinimumRelease } from "../validate/release.js";
import type { Findings } from "../validate/rules.js";
import { emptyFindings } from "../validate/rules.js";

/** A byte count for the step lines: `812 B`, `42.8 kB`, `1.3 MB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}

export class BuildRecorder {
  readonly steps: Step[] = [];
  readonly findings: Findings = emptyFindings();
  readonly files: string[] = [];
  exports: readonly string[] = [];
  imports: readonly string[] = [];
  minNavidrome: MinimumRelease | null = null;
  /** The compiler that ran, as `--json` reports it, or null until one runs. */
  compiler: string | null = null;

  step(stage: string, status: Step["status"], detail: string): void {
    this.steps.push({ stage, status, detail });
  }

  /** Writes an output file, creating its folder, and lists it in the result once. */
  write(file: string, contents: string | Uint8Array): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, contents);
    if (!this.files.includes(file)) this.files.push(file);
  }

  /** The result; the exit code is 1 when any error was recorded, unless a stage gives another. */
  finish(exitCode?: ExitCode): CheckResult {
    const code = exitCode ?? (this.findings.errors.length > 0 ? ExitCode.checkFailed : ExitCode.success);
    return {
      ok: code === ExitCode.success,
      exports: this.exports,
      imports: this.imports,
      minNavidrome: this.minNavidrome,
      files: this.files,
      warnings: this.findings.warnings,
      errors: this.findings.errors,
      steps: this.steps,
      compiler: this.compiler,
      exitCode: code,
    };
  }
}
