/**
 * Results of `nd-pdk build` and `nd-pdk validate`: the result object, its human and JSON renderings,
 * and the exit codes.
 */
import path from "node:path";

import type { MinimumRelease } from "./validate/release.js";
import { describeMinimumRelease } from "./validate/release.js";

/** Exit codes of `nd-pdk build` and `nd-pdk validate`. */
export const ExitCode = {
  /** Every check passed; warnings do not change the code. */
  success: 0,
  /** A check failed, and each error names its fix. */
  checkFailed: 1,
  /** An invalid command line: an unknown option, a missing directory or file, an invalid value. */
  usageError: 2,
  /** The wasm compiler failed, wrote nothing, or wrote a module that does not match the interface file. */
  compilerFailed: 3,
} as const;
/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code section of each command's --help. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success (warnings do not change it)
  1  a check failed: the errors say what to fix
  2  usage error: unknown option, missing directory or file, invalid value
  3  the compiler failed (build only): its output is shown`;

/**
 * Returns the --json section of a command's --help, where `files` names the files the list contains
 * and `compiler`, for build, adds the key of the compiler that ran.
 */
export function jsonOutputHelp(files: string, compiler = false): string {
  const compilerKey = compiler ? `,\n    "compiler": string | null` : "";
  const compilerLine = compiler ? `\n  compiler is "extism-js", "engine" or the --compiler path; null when none ran.` : "";
  return `
JSON output (--json): one object on standard output and nothing else:
  { "ok": boolean, "exports": string[], "imports": string[],
    "minNavidrome": { "release": string, "requiredBy": string[] } | null,
    "files": string[], "warnings": string[], "errors": string[]${compilerKey} }
  files contains the absolute paths of ${files}.${compilerLine}
  release is the oldest Navidrome release that can load the plugin, such as
  "v0.61.0", or "unreleased" when it needs host functions in no release yet.`;
}

/** An invalid command line or option value: exit code 2. */
export class UsageError extends Error {
  /** Creates the error with a message that names the option or path and the fix. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One stage of a build or validation, for the human output. */
export interface Step {
  /**
   * The stage name. A build has manifest, bundle, exports, imports, trim, checks, interface, compile
   * and package; a validation has manifest, interface, package, plugin.wasm and checks.
   */
  readonly stage: string;
  /** The result of the stage. */
  readonly status: "ok" | "failed" | "skipped";
  /** A few words on what the stage found or wrote. */
  readonly detail: string;
}

/**
 * The result of a build or a validation. `--json` prints the documented keys: ok, exports, imports,
 * minNavidrome, files, warnings and errors.
 */
export interface CheckResult {
  /** True when no check failed and every stage that ran succeeded. */
  readonly ok: boolean;
  /** The wasm exports, sorted. */
  readonly exports: readonly string[];
  /** The `extism:host/user` imports, sorted. */
  readonly imports: readonly string[];
  /** The oldest Navidrome release that can load the plugin, or null when it could not be determined. */
  readonly minNavidrome: MinimumRelease | null;
  /** Absolute paths of the files written (build) or read (validate). */
  readonly files: readonly string[];
  /** Problems that do not stop the build, each with its fix. */
  readonly warnings: readonly string[];
  /** Problems that fail the build or validation, each with its fix. */
  readonly errors: readonly string[];
  /** The stages in order, for the human output. */
  readonly steps: readonly Step[];
  /**
   * Build only: the compiler that made plugin.wasm, `extism-js`, `engine` (the built-in
   * @nd/pdk-engine) or the path of a `--compiler` command. Null when none ran.
   */
  readonly compiler?: string | null;
  /** The exit code the command ends with. */
  readonly exitCode: ExitCode;
}

/** Output streams of a command: standard output and standard error, replaceable in tests. */
export interface OutputStreams {
  out(text: string): void;
  err(text: string): void;
}

export const processStreams: OutputStreams = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/**
 * Makes the process exit quietly when standard output or standard error is a pipe whose reader has
 * closed it, as with `nd-pdk init my-plugin | head -1`. Node reports the closed pipe as an EPIPE
 * `error` event, which would otherwise end the process with a stack trace. The exit code is the one
 * the command has set by then (0 when none), and any other stream error is thrown again.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      process.exit();
    });
  }
}

/** Renders the result as the JSON object `--json` prints; `compiler` appears in build results only. */
export function toJson(result: CheckResult): string {
  const { ok, exports, imports, minNavidrome, files, warnings, errors, compiler } = result;
  return `${JSON.stringify({ ok, exports, imports, minNavidrome, files, warnings, errors, compiler }, null, 2)}\n`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Shows a path relative to the working directory when it is inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/** Prints the result for a person: one line per stage, then warnings, errors and a summary. */
export function printHuman(result: CheckResult, command: "build" | "validate", streams: OutputStreams): void {
  const stageWidth = Math.max(...result.steps.map((step) => step.stage.length), 0);
  for (const step of result.steps) {
    const status = step.status.padEnd(7);
    streams.out(`  ${status}  ${step.stage.padEnd(stageWidth)}  ${step.detail}\n`);
  }

  for (const warning of result.warnings) streams.err(`warning: ${warning}\n`);
  for (const error of result.errors) streams.err(`error: ${error}\n`);

  if (result.minNavidrome !== null) streams.out(`${describeMinimumRelease(result.minNavidrome)}\n`);

  const counts = [result.errors.length > 0 ? plural(result.errors.length, "error") : "", result.warnings.length > 0 ? plural(result.warnings.length, "warning") : ""].filter(Boolean);
  const verb = command === "build" ? "Build" : "Validation";
  const summary = result.ok ? `${verb} succeeded` : `${verb} failed`;
  streams.out(`${summary}${counts.length > 0 ? ` with ${counts.join(" and ")}` : ""}.\n`);
}

/** Prints a result in the form the options ask for, and returns its exit code. */
export function report(result: CheckResult, command: "build" | "validate", options: { json?: boolean | undefined }, streams: OutputStreams): ExitCode {
  if (options.json === true) streams.out(toJson(result));
  else printHuman(result, command, streams);
  return result.exitCode;
}

/** Reports a usage error in the form the options ask for, and returns exit code 2. */
export function reportUsageError(error: UsageError, options: { json?: boolean | undefined }, streams: OutputStreams): ExitCode {
  if (options.json === true) {
    streams.out(`${JSON.stringify({ ok: false, exports: [], imports: [], minNavidrome: null, files: [], warnings: [], errors: [error.message] }, null, 2)}\n`);
  } else {
    streams.err(`error: ${error.message}\n`);
  }
  return ExitCode.usageError;
}
