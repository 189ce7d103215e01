/**
 * `nd-pdk validate` as a function: checks a plugin directory or a .ndp package against Navidrome's
 * rules, and optionally against one Navidrome release.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import type { Manifest } from "@nd/pdk-simulator";

import { parseInterfaceFile } from "../build/interface-file.js";
import { usesExtismHttp, usesFiles } from "../build/scan-imports.js";
import type { CheckResult, Step } from "../output.js";
import { displayPath, ExitCode, UsageError } from "../output.js";
import type { ManifestCheck } from "./manifest.js";
import { checkManifest, declaredPermissions } from "./manifest.js";
import { readPackage } from "./package.js";
import type { MinimumRelease, TargetRelease } from "./release.js";
import { minimumRelease, resolveTargetRelease } from "./release.js";
import type { BundleUse, Findings } from "./rules.js";
import { checkAgainstRelease, checkExports, checkImports, checkLoadRules, checkPermissionUse, emptyFindings, listWords, mergeFindings } from "./rules.js";
import { readWasmInterface } from "./wasm.js";

/** Options of {@link validatePlugin}. */
export interface ValidateOptions {
  /** A Navidrome version (`v0.61.0`) the plugin must load on. */
  readonly navidrome?: string | undefined;
}

interface Validation {
  readonly steps: Step[];
  readonly findings: Findings;
  readonly files: string[];
  exports: readonly string[] | undefined;
  imports: readonly string[] | undefined;
  /** The bundle's use of `files` and Extism's HTTP client, unknown without dist/plugin.js. */
  bundleUse: BundleUse;
}

function listOrNone(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.join(", ");
}

function recordManifest(validation: Validation, check: ManifestCheck): void {
  mergeFindings(validation.findings, { errors: [...check.errors], warnings: [...check.warnings] });
  const manifest = check.manifest;
  validation.steps.push({
    stage: "manifest",
    status: manifest === undefined ? "failed" : "ok",
    detail: manifest === undefined ? `${check.errors.length} ${check.errors.length === 1 ? "error" : "errors"}` : `${manifest.name} ${manifest.version}, permissions: ${listOrNone(declaredPermissions(manifest))}`,
  });
}

/** Runs the checks that need the exports and imports, once they are known. */
function checkSurface(validation: Validation, manifest: Manifest | undefined, subject: { singular: string; plural: string }, target: TargetRelease | undefined): void {
  const { exports, imports, bundleUse } = validation;
  if (exports === undefined || imports === undefined) return;

  const errorsBefore = validation.findings.errors.length;
  mergeFindings(validation.findings, checkExports(exports));
  if (manifest !== undefined) {
    mergeFindings(validation.findings, checkImports(manifest, imports, subject));
    mergeFindings(validation.findings, checkLoadRules(manifest, exports));
    mergeFindings(validation.findings, checkPermissionUse(manifest, imports, exports, bundleUse));
  }
  let gaps: readonly string[] = [];
  if (target !== undefined) {
    const permissions = manifest === undefined ? [] : declaredPermissions(manifest);
    const release = checkAgainstRelease(target.release, `Navidrome ${target.requested}`, imports, exports, permissions);
    mergeFindings(validation.findings, release);
    gaps = release.gaps;
  }
  const failed = validation.findings.errors.length - errorsBefore;
  let detail = "exports, host functions and permissions agree";
  if (target !== undefined) detail += `, and Navidrome ${target.requested} can load it${gaps.length > 0 ? ` but ${listWords(gaps)}` : ""}`;
  if (failed > 0) detail = `${failed} failed`;
  validation.steps.push({ stage: "checks", status: failed > 0 ? "failed" : "ok", detail });
}

function validateDirectory(dir: string, validation: Validation, target: TargetRelease | undefined): ManifestCheck | undefined {
  const manifestFile = path.join(dir, "manifest.json");
  if (!existsSync(manifestFile)) {
    validation.findings.errors.push(`manifest.json is missing in ${displayPath(dir)}: give the plugin directory, or its .ndp package`);
    validation.steps.push({ stage: "manifest", status: "failed", detail: "manifest.json is missing" });
    return undefined;
  }
  validation.files.push(manifestFile);
  const check = checkManifest(readFileSync(manifestFile, "utf8"));
  recordManifest(validation, check);

  const interfaceFile = path.join(dir, "dist", "plugin.d.ts");
  if (!existsSync(interfaceFile)) {
    validation.steps.push({ stage: "interface", status: "skipped", detail: `${displayPath(interfaceFile)} not found: run nd-pdk build to check exports and host functions too` });
    // Without exports and imports, only the permissions can be held against the release.
    if (target !== undefined && check.manifest !== undefined) {
      mergeFindings(validation.findings, checkAgainstRelease(target.release, `Navidrome ${target.requested}`, [], [], declaredPermissions(check.manifest)));
    }
    return check;
  }
  validation.files.push(interfaceFile);
  const declared = parseInterfaceFile(readFileSync(interfaceFile, "utf8"));
  validation.exports = declared.exports;
  validation.imports = declared.imports;
  validation.steps.push({ stage: "interface", status: "ok", detail: `${displayPath(interfaceFile)}: exports ${listOrNone(declared.exports)}; imports ${listOrNone(declared.imports)}` });

  // nd-pdk build writes the bundle next to the interface file, and a build removes both first.
  const bundleFile = path.join(dir, "dist", "plugin.js");
  if (existsSync(bundleFile)) {
    validation.files.push(bundleFile);
    const code = readFileSync(bundleFile, "utf8");
    validation.bundleUse = { extismHttp: usesExtismHttp(code) ? "used" : "unused", files: usesFiles(code) ? "used" : "unused" };
  }

  checkSurface(validation, check.manifest, { singular: "is declared in dist/plugin.d.ts", plural: "are declared in dist/plugin.d.ts" }, target);
  return check;
}

async function validatePackage(file: string, validation: Validation, target: TargetRelease | undefined): Promise<ManifestCheck | undefined> {
  const fileName = path.basename(file);
  validation.files.push(file);
  const contents = readPackage(new Uint8Array(readFileSync(file)), fileName);
  validation.findings.errors.push(...contents.errors);
  validation.steps.push({ stage: "package", status: contents.errors.length > 0 ? "failed" : "ok", detail: `${fileName}: ${listOrNone(contents.entries)}` });

  let check: ManifestCheck | undefined;
  if (contents.manifestText !== undefined) {
    check = checkManifest(contents.manifestText);
    recordManifest(validation, check);
  }

  if (contents.wasm !== undefined) {
    try {
      const wasm = await readWasmInterface(contents.wasm);
      mergeFindings(validation.findings, wasm.findings);
      validation.exports = wasm.exports;
      validation.imports = wasm.imports;
      validation.steps.push({ stage: "plugin.wasm", status: wasm.findings.errors.length > 0 ? "failed" : "ok", detail: `exports ${listOrNone(wasm.exports)}; imports ${listOrNone(wasm.imports)}` });
    } catch (error) {
      validation.findings.errors.push((error as Error).message);
      validation.steps.push({ stage: "plugin.wasm", status: "failed", detail: "not a valid WebAssembly module" });
    }
  }

  checkSurface(validation, check?.manifest, { singular: "is imported by plugin.wasm", plural: "are imported by plugin.wasm" }, target);
  return check;
}

/**
 * Validates a plugin directory (manifest.json, and dist/plugin.d.ts when it exists) or a .ndp
 * package (its entries, manifest.json, and the imports and exports of plugin.wasm).
 *
 * @throws {UsageError} when the path does not exist or `navidrome` is not a version.
 *
 * @example
 * ```ts
 * const result = await validatePlugin("dist/lastfm.ndp", { navidrome: "v0.61.0" });
 * for (const error of result.errors) console.error(error);
 * ```
 */
export async function validatePlugin(target: string, options: ValidateOptions = {}): Promise<CheckResult> {
  const resolved = path.resolve(target);
  if (!existsSync(resolved)) {
    throw new UsageError(`${target} does not exist: give a plugin directory or a .ndp package`);
  }
  const release = options.navidrome === undefined ? undefined : resolveTargetRelease(options.navidrome);

  // A compiled module shows neither: every extism-js plugin imports Extism's HTTP function, and the
  // engine's runtime contains the files API's key whether the plugin uses it or not.
  const validation: Validation = { steps: [], findings: emptyFindings(), files: [], exports: undefined, imports: undefined, bundleUse: { extismHttp: "unknown", files: "unknown" } };
  if (release?.note !== undefined) validation.findings.warnings.push(release.note);

  const check = statSync(resolved).isDirectory() ? validateDirectory(resolved, validation, release) : await validatePackage(resolved, validation, release);

  let minNavidrome: MinimumRelease | null = null;
  if (check?.manifest !== undefined && validation.imports !== undefined) {
    minNavidrome = minimumRelease(validation.imports, declaredPermissions(check.manifest));
  }

  const exitCode = validation.findings.errors.length > 0 ? ExitCode.checkFailed : ExitCode.success;
  return {
    ok: exitCode === ExitCode.success,
    exports: validation.exports ?? [],
    imports: validation.imports ?? [],
    minNavidrome,
    files: validation.files,
    warnings: validation.findings.warnings,
    errors: validation.findings.errors,
    steps: validation.steps,
    exitCode,
  };
}
