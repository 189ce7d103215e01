/**
 * The folders the simulated Navidrome mounts into the plugin, from `NavidromeOptions.mounts` and the
 * manifest: `/storage` with `permissions.storage`, and `/libraries/<id>` with
 * `permissions.library.filesystem`.
 *
 * @module
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";

import { LIBRARY_MOUNT_POINT, STORAGE_MOUNT_POINT } from "@nd/pdk-types/internal";

import type { Manifest } from "./manifest/types.js";
import type { NavidromeOptions } from "./options.js";
import type { MountedFolder } from "./runtime/files.js";
import { hasLibraryFilesystem, isLibraryAllowed, libraryMountPoint } from "./services/library.js";
import { createTemporaryStorage } from "./temporary-storage.js";

function requireFolder(mountPoint: string, dir: unknown): string {
  if (typeof dir !== "string" || dir === "") {
    throw new Error(`mounts["${mountPoint}"] must be a host folder path or { dir, writable }, received ${JSON.stringify(dir) ?? String(dir)}`);
  }
  const absolute = resolve(dir);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch {
    throw new Error(`mounts["${mountPoint}"]: the host folder ${absolute} does not exist; create it before createNavidrome`);
  }
  if (!isDirectory) throw new Error(`mounts["${mountPoint}"]: ${absolute} is a file, not a folder`);
  return absolute;
}

/**
 * Returns the mounted folders by guest mount point, sorted. Without a `/storage` entry in
 * `options.mounts`, a manifest that grants `storage` gets a new temporary folder, writable.
 *
 * @throws {Error} when a mount point is not `/storage` or `/libraries/<id>`, when the manifest lacks
 * its permission, when the library is not allowed, or when the host folder does not exist.
 */
export function resolveMounts(manifest: Manifest, options: NavidromeOptions): Map<string, MountedFolder> {
  const mounts = new Map<string, MountedFolder>();
  const requested = options.mounts ?? {};

  for (const mountPoint of Object.keys(requested).sort()) {
    const value = requested[mountPoint];
    const spec: { readonly dir: unknown; readonly writable?: boolean | undefined } = typeof value === "object" && value !== null ? value : { dir: value };
    const library = LIBRARY_MOUNT_POINT.exec(mountPoint);

    if (mountPoint === STORAGE_MOUNT_POINT) {
      if (manifest.permissions?.storage === undefined) {
        throw new Error(`mounts["${STORAGE_MOUNT_POINT}"]: the manifest does not grant "storage", so Navidrome mounts no storage folder; add permissions.storage to manifest.json`);
      }
      mounts.set(mountPoint, { dir: requireFolder(mountPoint, spec.dir), writable: spec.writable ?? true });
    } else if (library !== null) {
      const id = Number(library[1]);
      if (!hasLibraryFilesystem(manifest)) {
        throw new Error(`mounts["${mountPoint}"]: the manifest does not grant library filesystem access, so Navidrome mounts no library; set permissions.library.filesystem to true in manifest.json`);
      }
      if (!isLibraryAllowed(options, id)) {
        throw new Error(`mounts["${mountPoint}"]: library ${id} is not in allowedLibraries, so Navidrome would not mount it; add ${id} to allowedLibraries or leave the mount out`);
      }
      mounts.set(libraryMountPoint(id), { dir: requireFolder(mountPoint, spec.dir), writable: spec.writable ?? false });
    } else {
      throw new Error(`mounts: "${mountPoint}" is not a folder Navidrome mounts; use "${STORAGE_MOUNT_POINT}" or "/libraries/<id>" (such as "/libraries/1")`);
    }
  }

  if (manifest.permissions?.storage !== undefined && !mounts.has(STORAGE_MOUNT_POINT)) {
    mounts.set(STORAGE_MOUNT_POINT, { dir: createTemporaryStorage(), writable: true });
  }
  const sorted = [...mounts.keys()].sort();
  return new Map(sorted.map((mountPoint) => [mountPoint, mounts.get(mountPoint) as MountedFolder]));
}
