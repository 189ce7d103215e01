/**
 * Finds the host functions a bundle uses.
 */
import { hostImports, sortNames } from "../validate/navidrome-api.js";

/**
 * Returns the import names of the host functions whose wrappers are in the bundle, sorted.
 *
 * Each generated host wrapper contains its import name as a string literal (`importName: "kvstore_set"`)
 * and esbuild keeps only the modules a plugin reaches, so the literals present are the functions the
 * plugin can call. A literal must match a whole import name, so `"kvstore_setwithttl"` does not count
 * as `kvstore_set`.
 *
 * The bundle step rewrites `import { kvstore } from "@nd/pdk"` into a namespace import of the service
 * module (see host-namespaces.ts), so only the functions a plugin calls are left. A plugin that passes
 * a service namespace around as a value keeps all of that service's functions.
 */
export function scanHostImports(code: string): string[] {
  const found = new Set<string>();
  for (const match of code.matchAll(/(["'`])([a-z][a-z0-9]*_[a-z0-9_]+)\1/g)) {
    const name = match[2] as string;
    if (hostImports.has(name)) found.add(name);
  }
  return sortNames(found);
}

/**
 * Whether the bundle calls Extism's built-in HTTP client (`Http.request` or `fetch`), which the
 * `http` permission's requiredHosts also governs.
 */
export function usesExtismHttp(code: string): boolean {
  return /\bHttp\.request\s*\(|\bfetch\s*\(/.test(code);
}

/**
 * Whether the bundle uses the `files` API of `@nd/pdk`. Its functions look up their runtime through
 * `Symbol.for("nd-pdk.files")`, and esbuild keeps that key as a string literal, minified or not,
 * exactly when a plugin reaches one of them: a bundle that only imports `FileError` lacks it.
 */
export function usesFiles(code: string): boolean {
  return /(["'`])nd-pdk\.files\1/.test(code);
}
