import type { ScrobbleRef } from "@nd/pdk";

import { formatRecord, parseCsv } from "./csv.js";

/**
 * How far a user's export has come: the last exported scrobble, in the order Navidrome lists them
 * (submission time, then id), and the number of scrobbles exported so far.
 */
export interface Progress {
  lastTimestamp: number;
  lastId: number;
  exported: number;
}

/** Scrobbles of one UTC day, in listing order. */
export interface DayGroup {
  /** UTC date, YYYY-MM-DD. */
  day: string;
  scrobbles: ScrobbleRef[];
}

/** First record of each day's CSV file: the names of the fields. */
export const CSV_HEADER = formatRecord(["submission_time", "scrobble_id", "media_file_id"]);

/**
 * Returns the name of a user's folder and progress file: the user name with every character other
 * than ASCII letters, digits, "-", "_" and "." percent-encoded as UTF-8. A leading "." is encoded too.
 * No name is then hidden, "." or "..", or contains a character that Windows rejects in file names.
 */
export function userFileName(userName: string): string {
  const encoded = encodeURIComponent(userName).replace(/[!'()*~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded.startsWith(".") ? `%2E${encoded.slice(1)}` : encoded;
}

/** Returns the folder of a user's CSV files under the storage folder `root`. */
export function exportFolder(root: string, userName: string): string {
  return `${root}/scrobbles/${userFileName(userName)}`;
}

/** Returns the CSV file of a user's scrobbles of one UTC day. */
export function dayFile(root: string, userName: string, day: string): string {
  return `${exportFolder(root, userName)}/${day}.csv`;
}

/** Returns the folder of the progress files under the storage folder `root`. */
export function progressFolder(root: string): string {
  return `${root}/progress`;
}

/** Returns the file of a user's {@link Progress}, as JSON. */
export function progressFile(root: string, userName: string): string {
  return `${progressFolder(root)}/${userFileName(userName)}.json`;
}

/** Returns the UTC date of Unix seconds as YYYY-MM-DD. */
export function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Formats Unix seconds as ISO 8601 UTC text without milliseconds. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Formats one scrobble as a CSV record: submission time in Unix seconds, scrobble id, media file id. */
export function toCsvRecord(scrobble: ScrobbleRef): string {
  return formatRecord([scrobble.submissionTime, scrobble.id, scrobble.mediaFileId]);
}

/** Returns whether a scrobble comes after a position in listing order. Without a position, every scrobble does. */
export function comesAfter(scrobble: ScrobbleRef, lastTimestamp: number | undefined, lastId: number | undefined): boolean {
  if (lastTimestamp === undefined || lastId === undefined) return true;
  return scrobble.submissionTime > lastTimestamp || (scrobble.submissionTime === lastTimestamp && scrobble.id > lastId);
}

/**
 * Returns the submission time and id of the last scrobble in a day's CSV text, or undefined when the
 * text has none. The header and records whose time or id is not an integer are passed over.
 */
export function lastRecordOf(csv: string): { submissionTime: number; id: number } | undefined {
  const records = parseCsv(csv);
  for (let index = records.length - 1; index >= 0; index--) {
    const [time, id] = records[index] ?? [];
    if (time === undefined || id === undefined || !/^\d+$/.test(time) || !/^\d+$/.test(id)) continue;
    return { submissionTime: Number(time), id: Number(id) };
  }
  return undefined;
}

/** Splits scrobbles in listing order into runs of the same UTC day. */
export function groupByDay(scrobbles: readonly ScrobbleRef[]): DayGroup[] {
  const groups: DayGroup[] = [];
  for (const scrobble of scrobbles) {
    const day = dayOf(scrobble.submissionTime);
    const current = groups[groups.length - 1];
    if (current !== undefined && current.day === day) current.scrobbles.push(scrobble);
    else groups.push({ day, scrobbles: [scrobble] });
  }
  return groups;
}
