/**
 * The contract between the `files` API of `@nd/pdk` and the runtimes that implement file access:
 * the @nd/pdk engine (C natives over wasi-libc) and the simulator (Node's file system). extism-js
 * provides no implementation, so the global is absent there.
 *
 * @module
 */

/**
 * The `Symbol.for` key of the global that contains the {@link FileNatives}. A symbol keeps the global
 * out of `Object.keys(globalThis)` and away from plugin names.
 */
export const FILE_NATIVES_KEY = "nd-pdk.files";

/** Mount point of the plugin's private folder, which Navidrome mounts with `permissions.storage`. */
export const STORAGE_MOUNT_POINT = "/storage";

/**
 * Mount point of an allowed music library, which Navidrome mounts with
 * `permissions.library.filesystem`. Group 1 is the library id, a decimal integer without leading zeros.
 */
export const LIBRARY_MOUNT_POINT: RegExp = /^\/libraries\/(0|[1-9][0-9]*)$/;

/** Kind of a file system entry. Symbolic links are followed; `other` covers devices, sockets and broken links. */
export type NativeFileKind = "file" | "directory" | "other";

/** One entry of a directory, as {@link FileNatives.list} returns it, in no particular order. */
export interface NativeDirectoryEntry {
  /** The entry's name inside the directory. */
  readonly name: string;
  /** Type of the entry, after following a link. */
  readonly kind: NativeFileKind;
}

/** Metadata of a file system entry, as {@link FileNatives.stat} returns it. */
export interface NativeFileInfo {
  /** Type of the entry, after following a link. */
  readonly kind: NativeFileKind;
  /** Size in bytes. */
  readonly size: number;
  /** Time of the last modification, Unix milliseconds. */
  readonly modifiedMs: number;
}

/**
 * The file primitives of a runtime. Every path is absolute, normalized (no `.`, `..` or empty
 * segments, no trailing slash) and under a mount point; `@nd/pdk` checks that before it calls.
 *
 * A failure throws an `Error` whose `code` property is the POSIX errno name (`ENOENT`, `EEXIST`,
 * `ENOTDIR`, `EISDIR`, `ENOTEMPTY`, `EACCES`, `EPERM`, `EROFS`, `ENOTCAPABLE`, ...) and whose
 * message describes the failure.
 */
export interface FileNatives {
  /** Returns the guest paths of the mounted folders (the WASI preopens), such as `/storage`. */
  mounts(): string[];
  /** Returns the whole content of a file. */
  read(path: string): ArrayBuffer;
  /** Creates or replaces a file with `data`, or appends `data` to it when `append` is true. */
  write(path: string, data: ArrayBuffer, append: boolean): void;
  /** Returns the entries of a directory, without `.` and `..`. */
  list(path: string): NativeDirectoryEntry[];
  /** Returns the metadata of an entry, following symbolic links. */
  stat(path: string): NativeFileInfo;
  /** Removes a file, a symbolic link or an empty directory. */
  remove(path: string): void;
  /** Creates one directory; its parent must exist. */
  mkdir(path: string): void;
}
