import type { ScrobbleRef } from "@nd/pdk";

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

/** Returns the key-value store key of a user's CSV lines for one UTC day. */
export function exportKey(userName: string, day: string): string {
  return `export:${userName}:${day}`;
}

/** Returns the key-value store key of a user's {@link Progress}, as JSON. */
export function progressKey(userName: string): string {
  return `progress:${userName}`;
}

/** Returns the UTC date of Unix seconds as YYYY-MM-DD. */
export function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** Formats Unix seconds as ISO 8601 UTC text without milliseconds. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Formats one scrobble as a CSV line: submission time in Unix seconds, scrobble id, media file id. */
export function toCsvLine(scrobble: ScrobbleRef): string {
  return `${scrobble.submissionTime},${scrobble.id},${scrobble.mediaFileId}\n`;
}

/** Returns whether a scrobble comes after a position in listing order. Without a position, every scrobble does. */
export function comesAfter(scrobble: ScrobbleRef, lastTimestamp: number | undefined, lastId: number | undefined): boolean {
  if (lastTimestamp === undefined || lastId === undefined) return true;
  return scrobble.submissionTime > lastTimestamp || (scrobble.submissionTime === lastTimestamp && scrobble.id > lastId);
}

/** Returns the submission time and id of the last line of a day's CSV text, or undefined for empty text. */
export function lastLineOf(csv: string): { submissionTime: number; id: number } | undefined {
  const lines = csv.split("\n").filter((line) => line !== "");
  const fields = lines[lines.length - 1]?.split(",");
  if (fields === undefined || fields.length < 3) return undefined;
  return { submissionTime: Number(fields[0]), id: Number(fields[1]) };
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
