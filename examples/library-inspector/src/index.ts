import { decodeUtf8, definePlugin, encodeUtf8, HostCallError, kvstore, type Library, library, log, scheduler } from "@nd/pdk";

import { formatBytes, formatChange, formatDuration, formatScanTime, neverScanned } from "./format.js";
import { inspectFiles } from "./largest-files.js";
import { readSettings, type Settings } from "./settings.js";
import { type InspectionSummary, type LibraryStats, SUMMARY_KEY } from "./summary.js";

const SECONDS_PER_DAY = 86_400;

function toStats(source: Library): LibraryStats {
  const stats: LibraryStats = {
    id: source.id,
    name: source.name,
    songs: source.totalSongs,
    albums: source.totalAlbums,
    artists: source.totalArtists,
    sizeBytes: source.totalSize,
    durationSeconds: source.totalDuration,
    lastScanAt: source.lastScanAt,
  };
  if (source.path !== undefined) stats.path = source.path;
  if (source.mountPoint !== undefined) stats.mountPoint = source.mountPoint;
  return stats;
}

function logLibrary(stats: LibraryStats): void {
  log.info("library", {
    id: stats.id,
    name: stats.name,
    songs: stats.songs,
    albums: stats.albums,
    artists: stats.artists,
    size: formatBytes(stats.sizeBytes),
    duration: formatDuration(stats.durationSeconds),
    lastScan: formatScanTime(stats.lastScanAt),
    ...(stats.path === undefined ? {} : { path: stats.path }),
    ...(stats.mountPoint === undefined ? {} : { mountPoint: stats.mountPoint }),
  });
}

function warnIfStale(stats: LibraryStats, now: number, staleAfterDays: number): void {
  if (neverScanned(stats.lastScanAt)) {
    log.warn("library has never been scanned; start a scan in Navidrome", { id: stats.id, name: stats.name });
    return;
  }
  const daysSinceScan = Math.floor((now - stats.lastScanAt) / SECONDS_PER_DAY);
  if (daysSinceScan > staleAfterDays) {
    log.warn("library is stale: last scan is older than staleAfterDays", { id: stats.id, name: stats.name, daysSinceScan, staleAfterDays });
  }
}

function logChanges(stats: LibraryStats, previous: InspectionSummary | undefined): void {
  const before = previous?.libraries.find((candidate) => candidate.id === stats.id);
  if (before === undefined) return;

  const songs = stats.songs - before.songs;
  const albums = stats.albums - before.albums;
  const artists = stats.artists - before.artists;
  if (songs === 0 && albums === 0 && artists === 0) return;
  log.info("library changed since the previous inspection", {
    id: stats.id,
    name: stats.name,
    songs: formatChange(songs),
    albums: formatChange(albums),
    artists: formatChange(artists),
  });
}

/** Returns the summary of the previous inspection, or undefined when there is none or it cannot be read. */
function readPreviousSummary(): InspectionSummary | undefined {
  let bytes: Uint8Array | undefined;
  try {
    bytes = kvstore.get(SUMMARY_KEY);
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.warn("previous summary not read, so no changes are reported", { key: SUMMARY_KEY, error: error.hostMessage });
    return undefined;
  }
  if (bytes === undefined) return undefined;

  try {
    return JSON.parse(decodeUtf8(bytes)) as InspectionSummary;
  } catch {
    log.warn("previous summary is not valid JSON and is replaced", { key: SUMMARY_KEY });
    return undefined;
  }
}

function summarize(libraries: LibraryStats[], now: number): InspectionSummary {
  const totals = { songs: 0, albums: 0, artists: 0, sizeBytes: 0, durationSeconds: 0 };
  for (const stats of libraries) {
    totals.songs += stats.songs;
    totals.albums += stats.albums;
    totals.artists += stats.artists;
    totals.sizeBytes += stats.sizeBytes;
    totals.durationSeconds += stats.durationSeconds;
  }
  return { inspectedAt: now, libraries, totals };
}

/** Stores the summary. A failed write, such as one over the store's quota, is logged and skipped. */
function storeSummary(summary: InspectionSummary): void {
  const bytes = encodeUtf8(JSON.stringify(summary));
  try {
    kvstore.set(SUMMARY_KEY, bytes);
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.error("summary not stored; the next inspection reports no changes", { key: SUMMARY_KEY, bytes: bytes.length, error: error.hostMessage });
  }
}

/** Logs the statistics and the largest files of every library the plugin may access, and stores the summary. */
function inspectLibraries(settings: Settings): void {
  let libraries: Library[];
  try {
    libraries = library.getAllLibraries();
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.error("library inspection failed: the libraries could not be read", { error: error.hostMessage });
    return;
  }

  const now = Math.floor(Date.now() / 1000);
  if (libraries.length === 0) log.warn("no library to inspect; allow the plugin at least one library in its settings in Navidrome");

  const previous = readPreviousSummary();
  const stats = libraries.map(toStats);
  let fileAccess = true;
  for (const entry of stats) {
    logLibrary(entry);
    if (fileAccess) fileAccess = inspectFiles(entry, settings);
    warnIfStale(entry, now, settings.staleAfterDays);
    logChanges(entry, previous);
  }

  const summary = summarize(stats, now);
  log.info("libraries inspected", {
    count: stats.length,
    songs: summary.totals.songs,
    albums: summary.totals.albums,
    size: formatBytes(summary.totals.sizeBytes),
    duration: formatDuration(summary.totals.durationSeconds),
  });
  storeSummary(summary);
}

/**
 * Schedules the recurring inspection and runs the first one at once, so the first report does not
 * wait for the first cron time. The settings are checked before anything is scheduled.
 *
 * @throws {ConfigValueError} naming an invalid setting.
 * @throws {Error} naming the `cron` setting when Navidrome rejects the expression.
 */
function start(): void {
  const settings = readSettings();
  const cron = settings.cron;

  let scheduleId: string;
  try {
    scheduleId = scheduler.scheduleRecurring(cron, "inspect");
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    throw new Error(`cannot schedule the library inspection with plugin configuration "cron" = ${JSON.stringify(cron)}: ${error.hostMessage}; correct it in the plugin's settings in Navidrome`);
  }
  log.info("library inspection scheduled", { cron, scheduleId });

  inspectLibraries(settings);
}

export default definePlugin({
  lifecycle: {
    onInit: start,
  },
  scheduler: {
    // An invalid setting throws here too, and Navidrome logs the error for each firing.
    onCallback: () => inspectLibraries(readSettings()),
  },
});
