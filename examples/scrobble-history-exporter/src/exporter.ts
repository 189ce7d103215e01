import { FileError, files, HostCallError, log, type ScrobbleOptions, type ScrobbleRef, scrobbleRetriever, storage, type User, users } from "@nd/pdk";

import { RECORD_END } from "./csv.js";
import { CSV_HEADER, comesAfter, dayFile, exportFolder, formatTime, groupByDay, lastRecordOf, type Progress, progressFile, progressFolder, toCsvRecord } from "./export-format.js";
import type { Settings } from "./settings.js";

interface UserRun {
  /** Scrobbles exported in this run. */
  exported: number;
  /** True when the run's budget ran out before the end of the user's history. */
  limitReached: boolean;
}

/** Returns the text of a file, or undefined when it does not exist. */
function readTextIfExists(path: string): string | undefined {
  try {
    return files.readText(path);
  } catch (error) {
    if (FileError.isInstance(error) && error.code === "not-found") return undefined;
    throw error;
  }
}

/**
 * Returns the user's stored progress, or undefined when there is none or it is not valid JSON. Starting
 * over is safe because {@link appendDay} skips the records a day's file already contains.
 *
 * @throws {FileError} when the progress file exists but cannot be read.
 */
function readProgress(root: string, userName: string): Progress | undefined {
  const path = progressFile(root, userName);
  const text = readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Progress;
  } catch {
    log.warn("export progress is not valid JSON, so the export starts over and skips the records already written", { user: userName, path });
    return undefined;
  }
}

/**
 * Appends a day's scrobbles to the user's CSV file for that day, and creates the file with its header
 * when it does not exist. Scrobbles at or before the file's last record are skipped, so repeating an
 * append whose progress was not written adds nothing.
 *
 * @throws {FileError} when reading or writing the file fails.
 */
function appendDay(root: string, userName: string, day: string, scrobbles: readonly ScrobbleRef[]): void {
  const path = dayFile(root, userName, day);
  const existing = readTextIfExists(path);

  const last = existing === undefined ? undefined : lastRecordOf(existing);
  const records = scrobbles
    .filter((scrobble) => comesAfter(scrobble, last?.submissionTime, last?.id))
    .map(toCsvRecord)
    .join("");
  if (records === "") return;

  if (existing === undefined) {
    files.makeDirectory(exportFolder(root, userName));
    files.write(path, CSV_HEADER + records);
    return;
  }
  // A file whose last write was cut short ends inside a record, which the new records must not extend.
  const separator = existing === "" || existing.endsWith("\n") ? "" : RECORD_END;
  files.write(path, separator + records, { append: true });
}

/**
 * Returns the options of the first page, or undefined when the user has nothing new to export. Logs
 * the size of the history on the first export, and the number of scrobbles later than the last
 * exported second on the next ones.
 */
function firstPage(userName: string, progress: Progress | undefined, pageSize: number): ScrobbleOptions | undefined {
  if (progress === undefined) {
    const last = scrobbleRetriever.getLastTimestamp(userName);
    if (last === undefined) {
      log.debug("no scrobbles to export", { user: userName });
      return undefined;
    }
    const first = scrobbleRetriever.getFirstTimestamp(userName) ?? last;
    log.info("export started", { user: userName, scrobbles: scrobbleRetriever.getScrobbleCount(userName), from: formatTime(first), to: formatTime(last) });
    return { maxItems: pageSize };
  }

  // NOTE: the count leaves out unexported scrobbles in the same second as the last exported one. The
  // page below starts at that second and exports them, but when they are all that is new they wait
  // until a later scrobble arrives.
  const later = scrobbleRetriever.getScrobbleCount(userName, { fromTimestamp: progress.lastTimestamp + 1 });
  if (later === 0) {
    log.debug("export up to date", { user: userName, exported: progress.exported });
    return undefined;
  }
  log.info("export continued", { user: userName, laterScrobbles: later, after: formatTime(progress.lastTimestamp) });
  return { fromTimestamp: progress.lastTimestamp, maxItems: pageSize };
}

/**
 * Exports one user's scrobbles after the stored progress, page by page, until the history ends or the
 * budget is spent. Progress is written after each day, so a failure loses nothing.
 *
 * @throws {HostCallError} when reading the scrobbles fails.
 * @throws {FileError} when reading or writing a file fails.
 */
function exportUser(root: string, userName: string, pageSize: number, budget: number): UserRun {
  let progress = readProgress(root, userName);
  let options = firstPage(userName, progress, pageSize);
  let exported = 0;

  while (options !== undefined) {
    const page = scrobbleRetriever.getScrobbles(userName, options);
    const fresh = page.scrobbles.filter((scrobble) => comesAfter(scrobble, progress?.lastTimestamp, progress?.lastId));
    const batch = fresh.slice(0, budget - exported);

    for (const group of groupByDay(batch)) {
      const last = group.scrobbles[group.scrobbles.length - 1];
      if (last === undefined) continue;
      const next: Progress = { lastTimestamp: last.submissionTime, lastId: last.id, exported: (progress?.exported ?? 0) + group.scrobbles.length };
      appendDay(root, userName, group.day, group.scrobbles);
      files.write(progressFile(root, userName), JSON.stringify(next));
      progress = next;
      exported += group.scrobbles.length;
    }

    if (batch.length < fresh.length) return { exported, limitReached: true };
    options = page.next;
  }

  if (exported > 0 && progress !== undefined) {
    log.info("export up to date", { user: userName, exported, total: progress.exported, lastScrobble: formatTime(progress.lastTimestamp) });
  }
  return { exported, limitReached: false };
}

/**
 * Creates the folders of the export under the storage folder `root`, so that a storage folder the
 * plugin cannot use fails the run before any scrobble is read.
 *
 * @throws {FileError} when a folder cannot be created.
 */
function createFolders(root: string): void {
  files.makeDirectory(`${root}/scrobbles`);
  files.makeDirectory(progressFolder(root));
}

/**
 * Runs one export over every user the plugin may see. Each failure is logged and ends only what it
 * must: a failed scrobble read skips that user, and a failed file operation ends the run because
 * later ones would most likely fail the same way.
 */
export function runExport(settings: Settings): void {
  const storagePath = storage.getStoragePath();

  let allUsers: User[];
  try {
    allUsers = users.getUsers();
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.error("export run failed: the users could not be listed", { error: error.hostMessage });
    return;
  }
  if (allUsers.length === 0) {
    log.warn("no users to export; select the users for the plugin in its settings in Navidrome");
    return;
  }
  log.info("export run started", { users: allUsers.length, storagePath });

  try {
    createFolders(storagePath);
  } catch (error) {
    if (!FileError.isInstance(error)) throw error;
    log.error("export run failed: the export folders could not be created in the storage folder", { code: error.code, error: error.message });
    return;
  }

  let exported = 0;
  for (const user of allUsers) {
    if (exported >= settings.maxScrobblesPerRun) {
      log.info("maxScrobblesPerRun reached; the next run continues", { maxScrobblesPerRun: settings.maxScrobblesPerRun, exported });
      return;
    }

    let result: UserRun;
    try {
      result = exportUser(storagePath, user.userName, settings.pageSize, settings.maxScrobblesPerRun - exported);
    } catch (error) {
      if (FileError.isInstance(error)) {
        log.error("export paused: a file operation failed, and the next run continues after the last scrobble written", {
          user: user.userName,
          path: error.path,
          code: error.code,
          error: error.message,
        });
        return;
      }
      if (!HostCallError.isInstance(error)) throw error;
      log.error("export failed for user, continuing with the next user", { user: user.userName, call: `${error.service}.${error.function}`, error: error.hostMessage });
      continue;
    }
    exported += result.exported;

    if (result.limitReached) {
      log.info("maxScrobblesPerRun reached; the next run continues", { maxScrobblesPerRun: settings.maxScrobblesPerRun, exported });
      return;
    }
  }
  log.info("export run finished", { users: allUsers.length, exported });
}
