/**
 * Lookups over the Navidrome plugin API facts generated into the simulator: which service each host
 * import belongs to, which capability each export belongs to, and in which release each appeared.
 */
import type { CapabilityInfo, ExportInfo, HostFunctionInfo, ServiceInfo } from "@nd/pdk-simulator/api";
import { capabilities, releases, services } from "@nd/pdk-simulator/api";

/** The wasm import module of every Navidrome host function. */
export const HOST_MODULE = "extism:host/user";

/** The tag used for API that is in Navidrome's main branch but in no release yet. */
export const UNRELEASED = "unreleased";

export interface HostImport {
  readonly service: ServiceInfo;
  readonly fn: HostFunctionInfo;
}

export interface CapabilityExport {
  readonly capability: CapabilityInfo;
  readonly info: ExportInfo;
}

export const hostImports: ReadonlyMap<string, HostImport> = new Map(
  services.flatMap((service) => service.functions.map((fn) => [fn.importName, { service, fn }] as const)),
);

export const capabilityExports: ReadonlyMap<string, CapabilityExport> = new Map(
  capabilities.flatMap((capability) => capability.exports.map((info) => [info.exportName, { capability, info }] as const)),
);

export const permissionServices: ReadonlyMap<string, ServiceInfo> = new Map(
  services.filter((service) => service.permission !== null).map((service) => [service.permission as string, service] as const),
);

export { capabilities, releases, services };

/** The PDK name of a host function (`kvstore.set`), as plugin code calls it. */
export function pdkName(entry: HostImport): string {
  return `${entry.service.module}.${entry.fn.name}`;
}

/**
 * Returns the first release whose Navidrome can serve an import as the PDK calls it: `wireSince` when
 * the wire format changed after the import appeared (`subsonicapi_callraw`), otherwise `since`.
 */
export function importSince(entry: HostImport): string {
  return entry.fn.wireSince ?? entry.fn.since;
}

/** Returns the position of a release in `releases`, oldest first; unknown tags sort after every release. */
export function releaseIndex(release: string): number {
  const index = releases.indexOf(release);
  return index === -1 ? releases.length : index;
}

/** Checks whether `release` is `target` or older. */
export function isAtOrBefore(release: string, target: string): boolean {
  return releaseIndex(release) <= releaseIndex(target);
}

/** Returns the newest published release, skipping "unreleased". */
export function newestRelease(): string {
  return releases.filter((release) => release !== UNRELEASED).at(-1) ?? UNRELEASED;
}

/** Sorts names the way extism-js orders exports and imports: by UTF-16 code unit, as `Array.sort` does. */
export function sortNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}
