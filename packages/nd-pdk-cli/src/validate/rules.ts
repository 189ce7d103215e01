/**
 * Cross-checks between a plugin's manifest, its exports and its host imports: what Navidrome
 * enforces when it loads the plugin (errors), and what loads but does not work as intended (warnings).
 */
import type { Manifest } from "@nd/pdk-simulator";
import { manifestLoadRules } from "@nd/pdk-simulator";

import { declaredPermissions } from "./manifest.js";
import type { HostImport } from "./navidrome-api.js";
import { capabilities, capabilityExports, hostImports, isAtOrBefore, pdkName, permissionServices, UNRELEASED } from "./navidrome-api.js";

/** Errors and warnings of one group of checks. */
export interface Findings {
  readonly errors: string[];
  readonly warnings: string[];
}

export function emptyFindings(): Findings {
  return { errors: [], warnings: [] };
}

export function mergeFindings(target: Findings, source: Findings): void {
  target.errors.push(...source.errors);
  target.warnings.push(...source.warnings);
}

/** Joins words as English lists them: "a", "a and b", "a, b and c". */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words.at(-1) as string}`;
}

/**
 * Checks that every export is one Navidrome calls, and that a capability whose methods are all
 * required is not only partly provided. Navidrome itself loads such a plugin, but then fails every
 * call of a missing method.
 */
export function checkExports(exports: readonly string[]): Findings {
  const findings = emptyFindings();

  for (const name of exports) {
    if (!capabilityExports.has(name)) {
      findings.errors.push(
        `${name} is not an export Navidrome calls. Export only what definePlugin returns from the entry module's default export; Navidrome's exports are named nd_* after the capability methods`,
      );
    }
  }

  const exported = new Set(exports);
  for (const capability of capabilities) {
    if (!capability.required) continue;
    const present = capability.exports.filter((entry) => exported.has(entry.exportName));
    const missing = capability.exports.filter((entry) => !exported.has(entry.exportName));
    if (present.length === 0 || missing.length === 0) continue;
    findings.errors.push(
      `the ${capability.capability} capability needs every method, but ${listWords(missing.map((entry) => `${capability.key}.${entry.method} (${entry.exportName})`))} ${missing.length === 1 ? "is" : "are"} missing: implement ${missing.length === 1 ? "it" : "them"}, because Navidrome fails the calls of a missing method`,
    );
  }

  return findings;
}

/**
 * Checks that every host import is a Navidrome host function whose service the manifest permits.
 * Navidrome registers only the functions of permitted services, so any other import stays unresolved
 * and the plugin fails to load.
 *
 * @param subject - How to name the use in messages: "is used" for a bundle, "is imported by
 * plugin.wasm" for a compiled plugin.
 */
export function checkImports(manifest: Manifest, imports: readonly string[], subject: { singular: string; plural: string }): Findings {
  const findings = emptyFindings();
  const granted = new Set(declaredPermissions(manifest));
  const missingByPermission = new Map<string, HostImport[]>();

  for (const name of imports) {
    const entry = hostImports.get(name);
    if (entry === undefined) {
      findings.errors.push(`${name} ${subject.singular}, but Navidrome has no host function of that name, so the plugin would fail to load: remove the import`);
      continue;
    }
    const permission = entry.service.permission;
    if (permission === null || granted.has(permission)) continue;
    missingByPermission.set(permission, [...(missingByPermission.get(permission) ?? []), entry]);
  }

  for (const [permission, entries] of missingByPermission) {
    const names = entries.map(pdkName);
    findings.errors.push(
      `${listWords(names)} ${names.length === 1 ? subject.singular : subject.plural} but manifest.json does not grant "${permission}"; add "${permission}": {} under permissions`,
    );
  }

  return findings;
}

/** Applies the load-time rules that Navidrome checks once it has read the exports (a scrobbler needs users, ...). */
export function checkLoadRules(manifest: Manifest, exports: readonly string[]): Findings {
  return { errors: manifestLoadRules(manifest, exports).map((problem) => `manifest.json: ${problem}`), warnings: [] };
}

/** Checks whether a host pattern can match any host name in Navidrome's matcher. */
function isMatchablePattern(pattern: string): boolean {
  if (pattern === "*") return true;
  const host = pattern.startsWith("*.") ? pattern.slice(2) : pattern;
  return host !== "" && !/[*/:\s@?#]/.test(host);
}

function hostPatternWarnings(manifest: Manifest, permission: "http" | "websocket"): string[] {
  const hosts = manifest.permissions?.[permission]?.requiredHosts ?? [];
  return hosts
    .filter((pattern) => !isMatchablePattern(pattern))
    .map(
      (pattern) =>
        `manifest.json: permissions.${permission}.requiredHosts entry ${JSON.stringify(pattern)} never matches a host. Navidrome compares patterns with the bare host name: write "api.example.com", "*.example.com" for its subdomains, or "*", without scheme, port or path`,
    );
}

/** Whether a plugin uses something, or "unknown" when the checked files do not show it. */
export type Usage = "used" | "unused" | "unknown";

/** The bundle's use of facilities besides host functions that permissions also govern. */
export interface BundleUse {
  /** Extism's built-in HTTP client, which the `http` permission's requiredHosts also governs. */
  readonly extismHttp: Usage;
  /** The `files` API of `@nd/pdk`, which reads the folders `storage` and `library.filesystem` mount. */
  readonly files: Usage;
}

/**
 * Warnings for manifests that load but do not work as intended: permissions nothing uses, rules
 * Navidrome does not enforce, host lists that block every connection, and file access without a
 * mounted folder.
 */
export function checkPermissionUse(manifest: Manifest, imports: readonly string[], exports: readonly string[], bundle: BundleUse): Findings {
  const findings = emptyFindings();
  const permissions = manifest.permissions ?? {};
  const exported = new Set(exports);
  const filesystem = permissions.library?.filesystem === true;

  const usedPermissions = new Set<string>();
  for (const name of imports) {
    const permission = hostImports.get(name)?.service.permission;
    if (permission !== undefined && permission !== null) usedPermissions.add(permission);
  }

  // Permissions that other permissions or exports require, or that act without any host function.
  const isScrobbler = capabilities.some((capability) => capability.capability === "Scrobbler" && capability.exports.some((entry) => exported.has(entry.exportName)));
  if (isScrobbler || permissions.subsonicapi !== undefined || permissions.scrobbleRetriever !== undefined) usedPermissions.add("users");
  if (permissions.matcher !== undefined) usedPermissions.add("library");
  if (bundle.extismHttp !== "unused") usedPermissions.add("http");
  // Navidrome mounts /storage with the storage permission and /libraries/<id> with library.filesystem.
  if (bundle.files !== "unused") {
    usedPermissions.add("storage");
    if (filesystem) usedPermissions.add("library");
  }

  for (const permission of declaredPermissions(manifest)) {
    if (usedPermissions.has(permission)) continue;
    const mountsFolder = permission === "storage" || (permission === "library" && filesystem);
    const unused = mountsFolder ? "neither the files API nor a host function that needs it" : "no host function that needs it";
    findings.warnings.push(
      `manifest.json: permissions.${permission} is declared, but the plugin uses ${unused}: remove it, so that administrators are not asked to grant access the plugin does not use`,
    );
  }

  if (bundle.files === "unused" && filesystem && usedPermissions.has("library")) {
    findings.warnings.push(
      'manifest.json: permissions.library has "filesystem": true, but the plugin does not use the files API, so it never reads the library folders Navidrome mounts: remove "filesystem": true, so that administrators are not asked for file access the plugin does not use',
    );
  }
  if (bundle.files === "used" && permissions.storage === undefined && !filesystem) {
    findings.warnings.push(
      'the plugin uses the files API, but manifest.json grants neither permissions.storage nor "filesystem": true under permissions.library, so Navidrome mounts no folder and every files call fails with FileError "not-mounted": add "storage": {} under permissions to use /storage, or "filesystem": true under permissions.library to use /libraries/<id>',
    );
  }

  const websocketExports = capabilities.find((capability) => capability.capability === "WebSocket")?.exports ?? [];
  if (permissions.websocket !== undefined && !websocketExports.some((entry) => exported.has(entry.exportName))) {
    findings.warnings.push(
      "manifest.json: permissions.websocket is declared, but the plugin implements no websocket callback, so Navidrome drops every message and close event of its connections: implement the websocket capability in definePlugin",
    );
  }
  if (permissions.websocket !== undefined && (permissions.websocket.requiredHosts ?? []).length === 0) {
    findings.warnings.push(
      'manifest.json: permissions.websocket has no requiredHosts, so Navidrome rejects every WebSocket connection: list the hosts the plugin connects to, for example "requiredHosts": ["stream.example.com"]',
    );
  }
  findings.warnings.push(...hostPatternWarnings(manifest, "http"), ...hostPatternWarnings(manifest, "websocket"));

  return findings;
}

/** The findings of {@link checkAgainstRelease}, with what the release lacks that does not stop the load. */
export interface ReleaseFindings extends Findings {
  /** Phrases such as "ignores permissions.storage" or "never calls nd_on_init", one per warning. */
  readonly gaps: string[];
}

/**
 * Checks a plugin against one Navidrome release: an import the release lacks makes the load fail,
 * while a permission newer than the release is ignored and an export newer than it is never called.
 */
export function checkAgainstRelease(release: string, label: string, imports: readonly string[], exports: readonly string[], permissions: readonly string[]): ReleaseFindings {
  const findings: ReleaseFindings = { ...emptyFindings(), gaps: [] };

  for (const name of imports) {
    const entry = hostImports.get(name);
    if (entry === undefined) continue;
    const since = entry.fn.wireSince ?? entry.fn.since;
    if (isAtOrBefore(since, release)) continue;
    const reason =
      entry.fn.wireSince !== undefined && isAtOrBefore(entry.fn.since, release)
        ? `${label} has ${name}, but with an older wire format that the PDK does not read (the current one is from ${since})`
        : `${name} (${pdkName(entry)}) ${availability(since)}, so ${label} cannot load the plugin`;
    findings.errors.push(`${reason}: stop using ${pdkName(entry)}, or require ${requiredNavidrome(since)}`);
  }

  for (const permission of permissions) {
    const since = permissionServices.get(permission)?.permissionSince;
    if (since === undefined || since === null || isAtOrBefore(since, release)) continue;
    if (imports.some((name) => hostImports.get(name)?.service.permission === permission)) continue;
    findings.warnings.push(`manifest.json: permissions.${permission} ${availability(since)}, so ${label} ignores it`);
    findings.gaps.push(`ignores permissions.${permission}`);
  }

  for (const name of exports) {
    const entry = capabilityExports.get(name);
    if (entry === undefined || isAtOrBefore(entry.info.since, release)) continue;
    findings.warnings.push(`${name} (${entry.capability.key}.${entry.info.method}) ${availability(entry.info.since)}, so ${label} never calls it`);
    findings.gaps.push(`never calls ${name}`);
  }

  return findings;
}

/** "is in Navidrome v0.61.0 and later", or "is in no Navidrome release yet". */
function availability(since: string): string {
  return since === UNRELEASED ? "is in no Navidrome release yet" : `is in Navidrome ${since} and later`;
}

function requiredNavidrome(since: string): string {
  return since === UNRELEASED ? "a Navidrome built from the main branch" : `Navidrome ${since} or later`;
}
