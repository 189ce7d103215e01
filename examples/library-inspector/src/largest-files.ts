import { type DirectoryEntry, FileError, files, log } from "@nd/pdk";

import { formatBytes } from "./format.js";
import type { FileReport, LargeFile, LibraryStats } from "./summary.js";

/** Bounds of one library's walk. */
export interface WalkLimits {
  /** Number of files to report. 0 turns the walk off. */
  largestFiles: number;
  /** Folder levels to list, the library's top folder being level 1. */
  maxWalkDepth: number;
  /** Directory entries to look at before the walk stops. */
  maxWalkEntries: number;
}

interface PendingFolder {
  /** Guest path, such as "/libraries/1/Nina Simone". */
  path: string;
  /** Path relative to the mount point, or "" for the mount point itself. */
  relative: string;
  /** Folder level, 1 for the mount point. */
  level: number;
}

function isNotFound(error: unknown): boolean {
  return FileError.isInstance(error) && error.code === "not-found";
}

/** Inserts `file` into `largest`, which is sorted largest first and keeps at most `count` files. */
function keepLargest(largest: LargeFile[], file: LargeFile, count: number): void {
  const before = (other: LargeFile): boolean => file.sizeBytes > other.sizeBytes || (file.sizeBytes === other.sizeBytes && file.path < other.path);
  const index = largest.findIndex(before);
  if (index === -1) {
    if (largest.length < count) largest.push(file);
    return;
  }
  largest.splice(index, 0, file);
  if (largest.length > count) largest.pop();
}

/**
 * Walks the folders under `mountPoint` depth first, in name order, and returns the largest files.
 * The walk is bounded because a library can contain hundreds of thousands of files, and a link to a
 * parent folder makes its tree endless. An entry removed while the walk runs is skipped.
 *
 * @throws {FileError} when listing the mount point fails, or any file operation fails for another
 * reason than a missing entry.
 */
export function walkLibrary(mountPoint: string, limits: WalkLimits): FileReport {
  const report: FileReport = { largestFiles: [], files: 0, folders: 0 };
  const pending: PendingFolder[] = [{ path: mountPoint, relative: "", level: 1 }];
  let entries = 0;

  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    let listing: DirectoryEntry[];
    try {
      listing = files.list(folder.path);
    } catch (error) {
      if (folder.level > 1 && isNotFound(error)) continue;
      throw error;
    }

    const subfolders: PendingFolder[] = [];
    for (const entry of listing) {
      if (entries === limits.maxWalkEntries) {
        report.limitReached = "maxWalkEntries";
        return report;
      }
      entries++;

      const path = `${folder.path}/${entry.name}`;
      const relative = folder.relative === "" ? entry.name : `${folder.relative}/${entry.name}`;
      if (entry.kind === "directory") {
        report.folders++;
        if (folder.level < limits.maxWalkDepth) subfolders.push({ path, relative, level: folder.level + 1 });
        else report.limitReached = "maxWalkDepth";
      } else if (entry.kind === "file") {
        const info = files.stat(path);
        if (info === undefined) continue;
        report.files++;
        keepLargest(report.largestFiles, { path: relative, sizeBytes: info.size }, limits.largestFiles);
      }
    }

    // Pushed in reverse, so that the stack hands the subfolders out in name order.
    for (let index = subfolders.length - 1; index >= 0; index--) pending.push(subfolders[index] as PendingFolder);
  }
  return report;
}

function logReport(stats: LibraryStats, report: FileReport, limits: WalkLimits): void {
  log.info("library files", { id: stats.id, name: stats.name, files: report.files, folders: report.folders });
  report.largestFiles.forEach((file, index) => {
    log.info("large file", { id: stats.id, rank: index + 1, size: formatBytes(file.sizeBytes), path: file.path });
  });

  if (report.limitReached === "maxWalkEntries") {
    log.warn("file walk stopped at maxWalkEntries, so the largest files are those of the part walked", { id: stats.id, name: stats.name, maxWalkEntries: limits.maxWalkEntries });
  } else if (report.limitReached === "maxWalkDepth") {
    log.warn("file walk left out folders deeper than maxWalkDepth", { id: stats.id, name: stats.name, maxWalkDepth: limits.maxWalkDepth });
  }
}

/**
 * Walks the library's mount point, logs its largest files and records them in `stats.files`. Does
 * nothing when `largestFiles` is 0, or for a library without a mount point, which Navidrome sends only
 * with `permissions.library.filesystem`. A failed walk is logged and leaves `stats.files` unset.
 *
 * @returns false when the plugin has no file access at all, so that the caller skips the other libraries.
 */
export function inspectFiles(stats: LibraryStats, limits: WalkLimits): boolean {
  if (stats.mountPoint === undefined || limits.largestFiles === 0) return true;

  let report: FileReport;
  try {
    report = walkLibrary(stats.mountPoint, limits);
  } catch (error) {
    if (!FileError.isInstance(error)) throw error;
    if (error.code === "unavailable") {
      log.error("library files not inspected: this build of the plugin has no file access; build it with nd-pdk build --compiler engine", { error: error.message });
      return false;
    }
    if (error.code === "not-mounted") {
      log.warn("library files not inspected: Navidrome did not mount the library", { id: stats.id, name: stats.name, error: error.message });
      return true;
    }
    log.error("library files not inspected: a file operation failed", { id: stats.id, name: stats.name, path: error.path, code: error.code, error: error.message });
    return true;
  }

  stats.files = report;
  logReport(stats, report, limits);
  return true;
}
