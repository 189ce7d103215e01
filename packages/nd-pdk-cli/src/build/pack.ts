/**
 * Packs a plugin into the .ndp zip Navidrome installs.
 */
import { strToU8, zipSync } from "fflate";

/**
 * Every entry gets this modification time, so that the same inputs always give the same package
 * bytes. 1980-01-01 is the earliest date a zip entry can hold.
 */
const ENTRY_TIME = new Date(1980, 0, 1);

/** Zips manifest.json (as written by the author) and plugin.wasm, deflated, at the archive root. */
export function packPlugin(manifestText: string, wasm: Uint8Array): Uint8Array {
  return zipSync(
    {
      "manifest.json": strToU8(manifestText),
      "plugin.wasm": wasm,
    },
    { level: 9, mtime: ENTRY_TIME },
  );
}

/**
 * The plugin id that names the package: `--id` when given, else the package.json name without its
 * npm scope (`@acme/lastfm-scrobbler` gives `lastfm-scrobbler`).
 */
export function pluginId(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, "");
}

/** Why an id cannot name a package file, or undefined when it can. */
export function invalidIdReason(id: string): string | undefined {
  if (id === "") return "it is empty";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) return "use only letters, digits, '.', '_' and '-', starting with a letter or digit";
  return undefined;
}
