/**
 * Reads a .ndp plugin package: a zip archive that contains exactly manifest.json and plugin.wasm.
 */
import { strFromU8, unzipSync } from "fflate";

/** The files Navidrome reads from a package, at the root of the archive. */
export const PACKAGE_ENTRIES = ["manifest.json", "plugin.wasm"] as const;

/** The contents of a package, and what is wrong with its list of entries. */
export interface PackageContents {
  readonly manifestText: string | undefined;
  readonly wasm: Uint8Array | undefined;
  /** Every entry name in the archive, in archive order. */
  readonly entries: readonly string[];
  readonly errors: readonly string[];
}

/** Unzips a package and checks that it contains exactly the two files Navidrome reads. */
export function readPackage(bytes: Uint8Array, fileName: string): PackageContents {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    return {
      manifestText: undefined,
      wasm: undefined,
      entries: [],
      errors: [`${fileName} is not a valid zip archive (${(error as Error).message}): rebuild it with nd-pdk build`],
    };
  }

  const entries = Object.keys(files);
  const errors: string[] = [];
  for (const required of PACKAGE_ENTRIES) {
    if (!(required in files)) errors.push(`${fileName} has no ${required} at the root of the archive: rebuild it with nd-pdk build`);
  }
  const extra = entries.filter((name) => !(PACKAGE_ENTRIES as readonly string[]).includes(name));
  if (extra.length > 0) {
    errors.push(`${fileName} contains ${extra.map((name) => JSON.stringify(name)).join(", ")} besides manifest.json and plugin.wasm, the only files Navidrome reads from a package: remove ${extra.length === 1 ? "it" : "them"}, or rebuild the package with nd-pdk build`);
  }

  const manifestBytes = files["manifest.json"];
  return {
    manifestText: manifestBytes === undefined ? undefined : strFromU8(manifestBytes),
    wasm: files["plugin.wasm"],
    entries,
    errors,
  };
}
