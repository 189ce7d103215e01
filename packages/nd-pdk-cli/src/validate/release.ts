/**
 * Navidrome releases: reading `--navidrome`, and finding the oldest release that can load a plugin.
 */
import { UsageError } from "../output.js";
import type { HostImport } from "./navidrome-api.js";
import { hostImports, importSince, newestRelease, permissionServices, releaseIndex, releases, UNRELEASED } from "./navidrome-api.js";

/** The release a plugin is checked against, resolved from `--navidrome`. */
export interface TargetRelease {
  /** The version as given. */
  readonly requested: string;
  /** The entry of `releases` whose API that version has. */
  readonly release: string;
  /** Set when the version is newer than every release the API data covers. */
  readonly note?: string;
}

function parseVersion(text: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Resolves a Navidrome version such as `v0.61.1` or `0.62.0` to the release whose plugin API it has.
 * A version between two listed releases (a patch release the API data skips) has the API of the
 * newest listed release before it.
 *
 * @throws {UsageError} when the text is not a version, or names a version older than the plugin
 * system this PDK targets.
 */
export function resolveTargetRelease(text: string): TargetRelease {
  const known = releases.filter((release) => release !== UNRELEASED);
  if (text === UNRELEASED) return { requested: text, release: UNRELEASED };

  const version = parseVersion(text);
  if (version === undefined) {
    throw new UsageError(`--navidrome ${JSON.stringify(text)} is not a Navidrome version: give one such as ${known.at(-1) ?? "v0.63.2"}, or "${UNRELEASED}" for the main branch`);
  }

  let match: string | undefined;
  for (const release of known) {
    const releaseVersion = parseVersion(release);
    if (releaseVersion !== undefined && compareVersions(releaseVersion, version) <= 0) match = release;
  }
  if (match === undefined) {
    throw new UsageError(
      `--navidrome ${text} is older than ${known[0] ?? "v0.60.0"}, the first release with the plugin system these plugins are built for (older releases use a different plugin format): give ${known[0] ?? "v0.60.0"} or later`,
    );
  }

  const newest = newestRelease();
  const newestVersion = parseVersion(newest);
  if (newestVersion !== undefined && compareVersions(version, newestVersion) > 0) {
    return {
      requested: text,
      release: UNRELEASED,
      note: `Navidrome ${text} is newer than ${newest}, the newest release in the API data of this nd-pdk, so it is checked as if it had every host function and export in that data, including unreleased ones`,
    };
  }
  return { requested: text, release: match };
}

/** The oldest Navidrome release that can load a plugin, with what requires it. */
export interface MinimumRelease {
  /** A release tag such as `v0.61.0`, or "unreleased" when something used is in no release yet. */
  readonly release: string;
  /** The imports and permissions that need exactly this release (`task_enqueue`, `permissions.taskqueue`). */
  readonly requiredBy: readonly string[];
}

/**
 * Finds the oldest release that has every used import and every declared permission. Permissions
 * count even when unused, because a release ignores a permission key it does not define, so the
 * plugin would run there without the access it requested.
 */
export function minimumRelease(imports: readonly string[], permissions: readonly string[]): MinimumRelease {
  const requirements: Array<[what: string, since: string]> = [];
  for (const name of imports) {
    const entry: HostImport | undefined = hostImports.get(name);
    if (entry !== undefined) requirements.push([name, importSince(entry)]);
  }
  for (const permission of permissions) {
    const since = permissionServices.get(permission)?.permissionSince;
    if (since !== undefined && since !== null) requirements.push([`permissions.${permission}`, since]);
  }

  let release = releases[0] ?? "v0.60.0";
  for (const [, since] of requirements) {
    if (releaseIndex(since) > releaseIndex(release)) release = since;
  }
  const requiredBy = requirements.filter(([, since]) => since === release).map(([what]) => what);
  return { release, requiredBy: release === releases[0] ? [] : requiredBy };
}

/**
 * Describes the minimum release for the human output. A release ignores permission keys it does not
 * define, so when only permissions require the minimum, the sentence speaks of granting, not loading.
 */
export function describeMinimumRelease(minimum: MinimumRelease): string {
  const because = minimum.requiredBy.length > 0 ? ` (needed by ${minimum.requiredBy.join(", ")})` : "";
  const onlyPermissions = minimum.requiredBy.length > 0 && minimum.requiredBy.every((requirement) => requirement.startsWith("permissions."));
  const them = minimum.requiredBy.length === 1 ? "it" : "them";
  if (minimum.release === UNRELEASED) {
    const missing = `${minimum.requiredBy.join(", ")} ${minimum.requiredBy.length === 1 ? "is" : "are"} in no release yet, the newest being ${newestRelease()}`;
    if (onlyPermissions) return `Needs a Navidrome built from the main branch to grant every permission it declares: ${missing}, and releases ignore ${them}.`;
    return `Needs a Navidrome built from the main branch: ${missing}.`;
  }
  if (onlyPermissions) return `Oldest Navidrome release that grants every permission it declares: ${minimum.release}${because}; older releases ignore ${them}.`;
  return `Oldest Navidrome release that can load it: ${minimum.release}${because}.`;
}
