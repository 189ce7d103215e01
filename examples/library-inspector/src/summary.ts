/** Key-value store key of the latest {@link InspectionSummary}, as JSON. */
export const SUMMARY_KEY = "summary";

/** Statistics of one library, as the stored summary keeps them. */
export interface LibraryStats {
  id: number;
  name: string;
  songs: number;
  albums: number;
  artists: number;
  sizeBytes: number;
  durationSeconds: number;
  /** Unix seconds; 0 or less when the library was never scanned. */
  lastScanAt: number;
  /** Server path and WASI mount point, present only with `permissions.library.filesystem`. */
  path?: string;
  mountPoint?: string;
}

/** Result of one inspection, stored under {@link SUMMARY_KEY}. */
export interface InspectionSummary {
  /** Unix seconds. */
  inspectedAt: number;
  libraries: LibraryStats[];
  /** Sums over the libraries. An artist found in two libraries counts twice. */
  totals: { songs: number; albums: number; artists: number; sizeBytes: number; durationSeconds: number };
}
