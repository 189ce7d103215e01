import { decodeUtf8, encodeUtf8, NdPdkError } from "@nd/pdk-types";
import type { FileNatives, NativeFileInfo } from "@nd/pdk-types/internal";
import { FILE_NATIVES_KEY, hasErrorMarker, LIBRARY_MOUNT_POINT, setErrorMarker, STORAGE_MOUNT_POINT } from "@nd/pdk-types/internal";

const MARKER = "nd-pdk.error.file";
const LIBRARY_MOUNT_POINT_PATTERN = "/libraries/<id>";

/** Kind of a file system entry. Symbolic links are followed, and `other` is a device, a socket or a broken link. */
export type FileKind = "file" | "directory" | "other";

/** One entry of a directory listing. */
export interface DirectoryEntry {
  /** The entry's name inside the directory, without a path. */
  readonly name: string;
  /** Type of the entry. A link counts as the entry it points to. */
  readonly kind: FileKind;
}

/** Metadata of a file or directory. */
export interface FileInfo {
  /** Type of the entry. A link counts as the entry it points to. */
  readonly kind: FileKind;
  /** Size in bytes. For a directory, the value is whatever the host's file system reports. */
  readonly size: number;
  /** Time of the last modification, in Unix milliseconds. */
  readonly modifiedMs: number;
}

/** Options of {@link Files.write}. */
export interface WriteOptions {
  /** If true, adds the data at the end of an existing file instead of replacing its content. Default: false. */
  readonly append?: boolean;
}

/**
 * Reason a file operation failed.
 *
 * - `invalid-path`: the path is relative, contains `..`, or is outside `/storage` and `/libraries/<id>`.
 * - `not-mounted`: the host did not mount the folder, because the manifest lacks the permission.
 * - `not-found`: the file, directory or a parent folder does not exist.
 * - `exists`: the entry exists already.
 * - `not-a-directory`: the path or one of its parents is a file where a directory is needed.
 * - `is-a-directory`: the path is a directory where a file is needed.
 * - `not-empty`: the directory to remove still has entries.
 * - `permission-denied`: the host denied access.
 * - `read-only`: the folder is mounted read-only.
 * - `unavailable`: the runtime has no file access, as with plugins compiled by extism-js.
 * - `io`: any other failure of the host's file system. The message contains the host's error.
 */
export type FileErrorCode =
  | "invalid-path"
  | "not-mounted"
  | "not-found"
  | "exists"
  | "not-a-directory"
  | "is-a-directory"
  | "not-empty"
  | "permission-denied"
  | "read-only"
  | "unavailable"
  | "io";

/**
 * A file operation that failed. `code` is the reason, so that a plugin can react to a missing file
 * without parsing the message.
 *
 * @example
 * ```ts
 * try {
 *   files.remove("/storage/cache");
 * } catch (error) {
 *   if (FileError.isInstance(error) && error.code === "not-empty") log.warn("cache folder still has entries");
 *   else throw error;
 * }
 * ```
 */
export class FileError extends NdPdkError {
  /** Reason the operation failed. */
  readonly code: FileErrorCode;
  /** The operation, as named in the `files` API (`read`, `write`, ...). */
  readonly operation: string;
  /** The path the operation failed on: the path given, or the parent folder that `makeDirectory` could not create. */
  readonly path: string;

  /** Creates the error. `message` is the complete message, which starts with `files.<operation>:`. */
  constructor(code: FileErrorCode, operation: string, path: string, message: string) {
    super(message);
    this.name = "FileError";
    setErrorMarker(this, MARKER);
    this.code = code;
    this.operation = operation;
    this.path = path;
  }

  /** Returns true when `error` is a {@link FileError} from any copy of the PDK. */
  static override isInstance(error: unknown): error is FileError {
    return hasErrorMarker(error, MARKER);
  }
}

/**
 * Synchronous access to the folders Navidrome mounts into the plugin. `/storage` is the plugin's
 * private read-write folder (`permissions.storage`). `/libraries/<id>` is an allowed music library
 * (`permissions.library` with `filesystem: true`), read-only unless the administrator allows writes.
 *
 * Paths are absolute guest paths such as `/storage/cache/artists.json`. File access needs a plugin
 * compiled by the @nd/pdk engine (`nd-pdk build --compiler engine`); extism-js gives plugins no file
 * API, so there every call throws a {@link FileError} with code `unavailable`. Like every host
 * facility, the functions work only inside an exported function, never at module top level.
 *
 * Every function throws a {@link FileError} when it fails.
 */
export interface Files {
  /** Returns the whole content of a file. */
  read(path: string): Uint8Array;
  /** Returns the whole content of a file decoded as UTF-8. Invalid sequences become U+FFFD. */
  readText(path: string): string;
  /**
   * Creates or replaces a file, or appends to it with `{ append: true }`. Text is written as UTF-8.
   * The parent folder must exist; create it with {@link Files.makeDirectory}.
   */
  write(path: string, data: string | Uint8Array, options?: WriteOptions): void;
  /** Returns the entries of a directory, sorted by name (UTF-16 code unit order). */
  list(path: string): DirectoryEntry[];
  /** Returns the metadata of a file or directory, or `undefined` when it does not exist. */
  stat(path: string): FileInfo | undefined;
  /** Returns whether a file or directory exists at `path`. */
  exists(path: string): boolean;
  /** Removes a file or an empty directory. A mount point itself cannot be removed. */
  remove(path: string): void;
  /** Creates a directory and any missing parents. Does nothing when the directory exists. */
  makeDirectory(path: string): void;
}

/** A path checked by {@link checkPath}: normalized, with the mount point it belongs to. */
interface CheckedPath {
  /** The normalized path: no empty or `.` segments, no trailing slash. */
  readonly path: string;
  /** `/storage` or `/libraries/<id>`. */
  readonly root: string;
  /** The segments after the root. */
  readonly rest: readonly string[];
}

function invalidPath(operation: string, path: string, reason: string): FileError {
  return new FileError("invalid-path", operation, path, `files.${operation}: ${reason}; use an absolute path under ${STORAGE_MOUNT_POINT} or ${LIBRARY_MOUNT_POINT_PATTERN}`);
}

/** Normalizes `path` and finds its mount point, or throws an `invalid-path` error. */
function checkPath(operation: string, path: unknown): CheckedPath {
  if (typeof path !== "string") throw invalidPath(operation, String(path), `the path must be a string, received ${path === null ? "null" : typeof path}`);
  const quoted = JSON.stringify(path);
  if (path.includes("\0")) throw invalidPath(operation, path, `the path ${quoted} contains a NUL character`);
  if (!path.startsWith("/")) throw invalidPath(operation, path, `the path ${quoted} is not absolute`);

  const segments = path.split("/").filter((segment) => segment !== "" && segment !== ".");
  if (segments.includes("..")) throw invalidPath(operation, path, `the path ${quoted} contains a ".." segment, which is not allowed`);

  // The mount point is the first segment (`/storage`) or the first two (`/libraries/<id>`).
  let rootLength: number;
  if (`/${segments[0] ?? ""}` === STORAGE_MOUNT_POINT) rootLength = 1;
  else if (LIBRARY_MOUNT_POINT.test(`/${segments.slice(0, 2).join("/")}`)) rootLength = 2;
  else throw invalidPath(operation, path, `the path ${quoted} is outside the folders Navidrome mounts for plugins`);

  return {
    path: `/${segments.join("/")}`,
    root: `/${segments.slice(0, rootLength).join("/")}`,
    rest: segments.slice(rootLength),
  };
}

function requireNatives(operation: string, path: string): FileNatives {
  const natives = (globalThis as unknown as Record<symbol, FileNatives | undefined>)[Symbol.for(FILE_NATIVES_KEY)];
  if (natives === undefined) {
    throw new FileError(
      "unavailable",
      operation,
      path,
      `files.${operation}: file access needs a plugin compiled by the @nd/pdk engine (nd-pdk build --compiler engine), because extism-js gives plugins no file API. It is also unavailable outside an exported function, such as at module top level.`,
    );
  }
  return natives;
}

function isMounted(mounts: readonly string[], root: string): boolean {
  return mounts.some((mount) => mount === "/" || mount === root || root.startsWith(`${mount}/`));
}

/** Returns the runtime's natives after checking that the path's mount point is mounted. */
function open(operation: string, checked: CheckedPath): FileNatives {
  const natives = requireNatives(operation, checked.path);
  if (isMounted(natives.mounts(), checked.root)) return natives;

  const fix =
    checked.root === STORAGE_MOUNT_POINT
      ? "add permissions.storage to manifest.json"
      : `set permissions.library.filesystem to true in manifest.json, and give the plugin access to library ${checked.root.slice("/libraries/".length)} in Navidrome`;
  throw new FileError("not-mounted", operation, checked.path, `files.${operation}: ${checked.root} is not mounted, so ${checked.path} cannot be accessed; ${fix}`);
}

/** Returns the errno name of a native error, or undefined for an error that is not from the natives. */
function errnoOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

const CODES: Readonly<Record<string, FileErrorCode>> = {
  ENOENT: "not-found",
  EEXIST: "exists",
  ENOTDIR: "not-a-directory",
  EISDIR: "is-a-directory",
  ENOTEMPTY: "not-empty",
  EACCES: "permission-denied",
  EPERM: "permission-denied",
  ENOTCAPABLE: "permission-denied",
  EROFS: "read-only",
};

function describe(code: FileErrorCode, operation: string, checked: CheckedPath, errno: string, detail: string): string {
  const path = checked.path;
  switch (code) {
    case "not-found":
      return operation === "write" || operation === "makeDirectory"
        ? `${path} cannot be created because its parent folder does not exist; create the parent with files.makeDirectory first`
        : `${path} was not found`;
    case "exists":
      return `${path} already exists`;
    case "not-a-directory":
      return `${path} or one of its parent folders is a file, not a directory`;
    case "is-a-directory":
      return operation === "read" || operation === "readText" ? `${path} is a directory; read its entries with files.list` : `${path} is a directory, not a file`;
    case "not-empty":
      return `${path} is a directory that is not empty; remove its entries first`;
    case "permission-denied":
      // The host's text is left out because the engine and Node word it differently, and the errno names the cause.
      return `the host denied access to ${path} (${errno})`;
    case "read-only":
      return checked.root === STORAGE_MOUNT_POINT
        ? `${checked.root} is mounted read-only, so ${path} cannot be changed`
        : `${checked.root} is mounted read-only, so ${path} cannot be changed; the administrator can allow writes to the library in Navidrome`;
    default:
      return `the host's file system failed on ${path} (${errno}: ${detail})`;
  }
}

/** Converts an error thrown by a native into a {@link FileError}. Returns any other value unchanged. */
function toFileError(error: unknown, operation: string, checked: CheckedPath): unknown {
  const errno = errnoOf(error);
  if (errno === undefined) return error;
  // NOTE: wazero, Navidrome's WASI, rejects opening a file for writing on a read-only mount with ENOSYS
  // rather than EROFS, so a write that fails that way is a read-only mount. This was read in wazero's
  // source and has not been run.
  const code = errno === "ENOSYS" && operation === "write" ? "read-only" : (CODES[errno] ?? "io");
  const detail = error instanceof Error ? error.message : String(error);
  return new FileError(code, operation, checked.path, `files.${operation}: ${describe(code, operation, checked, errno, detail)}`);
}

/** Runs one native call and converts its failure. */
function run<T>(operation: string, checked: CheckedPath, call: (natives: FileNatives) => T): T {
  const natives = open(operation, checked);
  try {
    return call(natives);
  } catch (error) {
    throw toFileError(error, operation, checked);
  }
}

function toArrayBuffer(operation: string, data: unknown): ArrayBuffer {
  if (typeof data === "string") return toArrayBuffer(operation, encodeUtf8(data));
  if (data instanceof Uint8Array) {
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    return (whole ? data.buffer : data.slice().buffer) as ArrayBuffer;
  }
  throw new TypeError(`files.${operation}: the data must be a string or a Uint8Array, received ${data === null ? "null" : typeof data}`);
}

function read(path: string): Uint8Array {
  const checked = checkPath("read", path);
  return new Uint8Array(run("read", checked, (natives) => natives.read(checked.path)));
}

function readText(path: string): string {
  const checked = checkPath("readText", path);
  return decodeUtf8(new Uint8Array(run("readText", checked, (natives) => natives.read(checked.path))));
}

function write(path: string, data: string | Uint8Array, options?: WriteOptions): void {
  const checked = checkPath("write", path);
  const buffer = toArrayBuffer("write", data);
  run("write", checked, (natives) => natives.write(checked.path, buffer, options?.append === true));
}

function list(path: string): DirectoryEntry[] {
  const checked = checkPath("list", path);
  const entries = run("list", checked, (natives) => natives.list(checked.path));
  const names = entries.map((entry) => entry.name).sort();
  const kinds = new Map(entries.map((entry) => [entry.name, entry.kind]));
  return names.map((name) => ({ name, kind: kinds.get(name) as FileKind }));
}

/** Stats `checked` and returns undefined when it or a parent is missing. */
function statChecked(operation: string, checked: CheckedPath): NativeFileInfo | undefined {
  try {
    return run(operation, checked, (natives) => natives.stat(checked.path));
  } catch (error) {
    if (FileError.isInstance(error) && (error.code === "not-found" || error.code === "not-a-directory")) return undefined;
    throw error;
  }
}

function stat(path: string): FileInfo | undefined {
  const info = statChecked("stat", checkPath("stat", path));
  return info === undefined ? undefined : { kind: info.kind, size: info.size, modifiedMs: info.modifiedMs };
}

function exists(path: string): boolean {
  return statChecked("exists", checkPath("exists", path)) !== undefined;
}

function remove(path: string): void {
  const checked = checkPath("remove", path);
  if (checked.rest.length === 0) {
    throw new FileError("invalid-path", "remove", checked.path, `files.remove: ${checked.path} is a mount point, which cannot be removed; remove the entries inside it instead`);
  }
  run("remove", checked, (natives) => natives.remove(checked.path));
}

function makeDirectory(path: string): void {
  const target = checkPath("makeDirectory", path);
  if (statChecked("makeDirectory", target)?.kind === "directory") return;

  // Creates each missing folder from the mount point down, so that the error names the first
  // folder that could not be created.
  for (let depth = 1; depth <= target.rest.length; depth++) {
    const rest = target.rest.slice(0, depth);
    const folder: CheckedPath = { path: `${target.root}/${rest.join("/")}`, root: target.root, rest };
    try {
      run("makeDirectory", folder, (natives) => natives.mkdir(folder.path));
    } catch (error) {
      if (!FileError.isInstance(error) || error.code !== "exists") throw error;
      if (statChecked("makeDirectory", folder)?.kind !== "directory") {
        throw new FileError("not-a-directory", "makeDirectory", folder.path, `files.makeDirectory: ${folder.path} exists and is not a directory, so ${target.path} cannot be created`);
      }
    }
  }
}

/**
 * Reads and writes files in the folders Navidrome mounts into the plugin. See {@link Files}.
 *
 * @example
 * ```ts
 * files.makeDirectory("/storage/cache");
 * files.write("/storage/cache/artists.json", JSON.stringify({ updatedAt: Date.now() }));
 * const cached = files.exists("/storage/cache/artists.json") ? files.readText("/storage/cache/artists.json") : undefined;
 * ```
 */
export const files: Files = { read, readText, write, list, stat, exists, remove, makeDirectory };
