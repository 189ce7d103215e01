const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** Formats a byte count with binary units and two decimals, such as "1.29 TiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${BINARY_UNITS[unit]}`;
}

/** Formats a duration in seconds as hours and minutes, such as "3169h 31m". */
export function formatDuration(seconds: number): string {
  const totalMinutes = Math.round(seconds / 60);
  return `${Math.floor(totalMinutes / 60)}h ${totalMinutes % 60}m`;
}

/**
 * Returns whether a library's `lastScanAt` means "never scanned".
 *
 * NOTE: the simulator reports 0 for a library that was never scanned. Whether Navidrome sends 0 or the
 * Unix time of Go's zero time (-62135596800) was not verified, so both count as never.
 */
export function neverScanned(lastScanAt: number): boolean {
  return lastScanAt <= 0;
}

/** Formats Unix seconds as an ISO 8601 UTC time without milliseconds, or "never" for a library never scanned. */
export function formatScanTime(unixSeconds: number): string {
  if (neverScanned(unixSeconds)) return "never";
  return new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z");
}

/** Formats a change in a count with its sign, such as "+37", "-2" or "0". */
export function formatChange(change: number): string {
  return change > 0 ? `+${change}` : String(change);
}
