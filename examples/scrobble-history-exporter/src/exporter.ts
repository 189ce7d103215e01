import { HostCallError, kvstore, log, type ScrobbleOptions, type ScrobbleRef, scrobbleRetriever, storage, type User, users } from "@nd/pdk";

import { comesAfter, exportKey, formatTime, groupByDay, lastLineOf, type Progress, progressKey, toCsvLine } from "./export-format.js";
import type { Settings } from "./settings.js";

/** Reason a user's export stopped before the end of the history. */
type StopReason = "write-failed" | "limit";

interface UserRun {
  /** Scrobbles exported in this run. */
  exported: number;
  stop?: StopReason;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Returns the user's stored progress, or undefined when there is none or it is not valid JSON. Starting
 * over is safe because {@link appendDay} skips the lines a day already has.
 */
function readProgress(userName: string): Progress | undefined {
  const bytes = kvstore.get(progressKey(userName));
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes)) as Progress;
  } catch {
    log.warn("export progress is not valid JSON, so the export starts over and skips the lines already stored", { user: userName, key: progressKey(userName) });
    return undefined;
  }
}

/**
 * Appends a day's scrobbles to the user's CSV entry for that day. Scrobbles at or before the entry's
 * last line are skipped, so repeating an append whose progress was not stored adds nothing.
 *
 * @throws {HostCallError} when the store rejects the read or the write, for example over its quota.
 */
function appendDay(userName: string, day: string, scrobbles: readonly ScrobbleRef[]): void {
  const key = exportKey(userName, day);
  const stored = kvstore.get(key);
  const text = stored === undefined ? "" : decoder.decode(stored);

  const last = lastLineOf(text);
  const lines = scrobbles
    .filter((scrobble) => comesAfter(scrobble, last?.submissionTime, last?.id))
    .map(toCsvLine)
    .join("");
  if (lines === "") return;
  kvstore.set(key, encoder.encode(text + lines));
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
 * Exports one user's scrobbles after the stored progress, page by page, until the history ends, the
 * budget is spent or a write fails. Progress is stored after each day, so a stop loses nothing.
 *
 * @throws {HostCallError} when reading the progress or the scrobbles fails.
 */
function exportUser(userName: string, pageSize: number, budget: number): UserRun {
  let progress = readProgress(userName);
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
      try {
        appendDay(userName, group.day, group.scrobbles);
        kvstore.set(progressKey(userName), encoder.encode(JSON.stringify(next)));
      } catch (error) {
        if (!HostCallError.isInstance(error) || error.service !== "kvstore") throw error;
        log.error("export paused: the kvstore rejected a write, and the next run continues after the last stored scrobble", {
          user: userName,
          day: group.day,
          error: error.hostMessage,
        });
        return { exported, stop: "write-failed" };
      }
      progress = next;
      exported += group.scrobbles.length;
    }

    if (batch.length < fresh.length) return { exported, stop: "limit" };
    options = page.next;
  }

  if (exported > 0 && progress !== undefined) {
    log.info("export up to date", { user: userName, exported, total: progress.exported, lastScrobble: formatTime(progress.lastTimestamp) });
  }
  return { exported };
}

/**
 * Runs one export over every user the plugin may see. Each failure is logged and ends only what it
 * must: a failed read skips that user, and a failed write ends the run because later writes would
 * fail the same way.
 */
export function runExport(settings: Settings): void {
  // TODO: write each day as a CSV file under the storage folder once the engine gives plugin code a
  // file API. extism-js offers QuickJS no way to write files, so the export stays in the kvstore.
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

  let exported = 0;
  for (const user of allUsers) {
    if (exported >= settings.maxScrobblesPerRun) {
      log.info("maxScrobblesPerRun reached; the next run continues", { maxScrobblesPerRun: settings.maxScrobblesPerRun, exported });
      return;
    }

    let result: UserRun;
    try {
      result = exportUser(user.userName, settings.pageSize, settings.maxScrobblesPerRun - exported);
    } catch (error) {
      if (!HostCallError.isInstance(error)) throw error;
      log.error("export failed for user, continuing with the next user", { user: user.userName, call: `${error.service}.${error.function}`, error: error.hostMessage });
      continue;
    }
    exported += result.exported;

    if (result.stop === "write-failed") return;
    if (result.stop === "limit") {
      log.info("maxScrobblesPerRun reached; the next run continues", { maxScrobblesPerRun: settings.maxScrobblesPerRun, exported });
      return;
    }
  }
  log.info("export run finished", { users: allUsers.length, exported });
}
