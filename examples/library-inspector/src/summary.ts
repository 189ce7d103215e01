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
  /** Result of the walk under `mountPoint`, present when the walk finished without an error. */
  files?: FileReport;
}

/** One file of a {@link FileReport}. */
export interface LargeFile {
  /** Path relative to the library's mount point, such as "Nina Simone/Pastel Blues/01.flac". */
  path: string;
  sizeBytes: number;
}

/** Result of walking a library's mount point. */
export interface FileReport {
  /** The largest files, largest first, and files of the same size in path order. */
  largestFiles: LargeFile[];
  /** Numbers of files and folders the walk reached. Links count as what they point to. */
  files: number;
  folders: number;
  /** The setting that stopped the walk before it reached every entry. Absent when it reached them all. */
  limitReached?: "maxWalkDepth" | "maxWalkEntries";
}

/** Result of one inspection, stored under {@link SUMMARY_KEY}. */
export interface InspectionSummary {
  /** Unix seconds. */
  inspectedAt: number;
  libraries: LibraryStats[];
  /** Sums over the libraries. An artist found in two libraries counts twice. */
  totals: { songs: number; albums: number; artists: number; sizeBytes: number; durationSeconds: number };
}
