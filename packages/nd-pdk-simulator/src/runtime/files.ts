/**
 * The file natives of the simulator: the {@link FileNatives} of `@nd/pdk`'s `files` API, backed by
 * real host folders. The in-process and QuickJS runtimes use them, and the engine implements the same
 * primitives in C over WASI.
 *
 * Each guest mount point maps to a host folder. A path that resolves outside its folder through a
 * symbolic link fails with `ENOTCAPABLE`, the WASI error for a path outside a preopen. Every change
 * to a read-only mount fails with `EROFS`.
 *
 * @module
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve as resolvePath, sep } from "node:path";

import type { FileNatives, NativeDirectoryEntry, NativeFileInfo, NativeFileKind } from "@nd/pdk-types/internal";

/** A host folder mounted into the plugin. */
export interface MountedFolder {
  /** The folder on the host, absolute. */
  readonly dir: string;
  /** Whether the plugin may change its content. */
  readonly writable: boolean;
}

/**
 * Compiler whose runtime the simulator emulates for a plugin, as `nd-pdk build --compiler` names it.
 * File access is the only difference the simulator models. The built-in `engine` provides the `files`
 * API, while `extism-js` gives plugin code none, so every `files` call throws `unavailable`.
 */
export type PluginCompiler = "engine" | "extism-js";

const PLUGIN_COMPILERS: readonly PluginCompiler[] = ["engine", "extism-js"];

/**
 * Checks `compiler` and returns whether a plugin it builds has file access. An undefined `compiler`
 * means the default, the built-in engine, which has it.
 *
 * @param where - The option's name in the error message, such as `navidrome.load options.compiler`.
 * @throws {TypeError} when `compiler` is neither `engine` nor `extism-js`.
 */
export function hasFileAccess(compiler: PluginCompiler | undefined, where: string): boolean {
  if (compiler === undefined) return true;
  if (!PLUGIN_COMPILERS.includes(compiler)) {
    throw new TypeError(`${where}: invalid compiler ${JSON.stringify(compiler)}; use "engine" or "extism-js", as nd-pdk build --compiler names them.`);
  }
  return compiler === "engine";
}

/** Maximum number of links followed in a row before a path fails with ELOOP, the Linux limit (MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return false;
    throw error;
  }
}

/** Creates an error as the natives throw it: the message, and the errno name as `code`. */
function nativeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Converts a Node file system error into a native error without the host path in its message. */
function fromNodeError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !(error instanceof Error)) return error;
  // Node writes "ENOENT: no such file or directory, open '/host/path'"; only the description is kept.
  const description = /^[A-Z0-9_]+: ([^,]*)/.exec(error.message)?.[1] ?? code;
  return nativeError(code, description);
}

function kindOf(stats: { isFile(): boolean; isDirectory(): boolean }): NativeFileKind {
  if (stats.isFile()) return "file";
  if (stats.isDirectory()) return "directory";
  return "other";
}

interface ResolvedPath {
  readonly mount: MountedFolder;
  /** The real path of the mount's folder. */
  readonly root: string;
  /** The path on the host, before symbolic links are resolved. */
  readonly host: string;
}

/**
 * Creates the natives over `mounts` (guest mount point to host folder). Mount points are absolute
 * guest paths without a trailing slash, such as `/storage`.
 */
export function createFileNatives(mounts: ReadonlyMap<string, MountedFolder> | undefined): FileNatives {
  const folders = mounts ?? new Map<string, MountedFolder>();
  const realRoots = new Map<string, string>();

  function resolve(path: string): ResolvedPath {
    let best: string | undefined;
    for (const guest of folders.keys()) {
      if ((path === guest || path.startsWith(`${guest}/`)) && (best === undefined || guest.length > best.length)) best = guest;
    }
    if (best === undefined) throw nativeError("ENOENT", `no folder is mounted at ${path}`);
    const mount = folders.get(best) as MountedFolder;
    let root = realRoots.get(best);
    if (root === undefined) {
      root = realpathSync(mount.dir);
      realRoots.set(best, root);
    }
    return { mount, root, host: join(root, path.slice(best.length)) };
  }

  function requireInside(root: string, real: string): string {
    if (real !== root && !real.startsWith(root + sep)) {
      throw nativeError("ENOTCAPABLE", "the path leads outside the mounted folder through a symbolic link");
    }
    return real;
  }

  /** Returns the real path of an existing entry, following links, after checking it stays inside. */
  function existing(resolved: ResolvedPath): string {
    return requireInside(resolved.root, realpathSync(resolved.host));
  }

  /**
   * Returns the host path of an entry to create, replace or remove. Throws unless the mount is writable
   * and the entry's parent folder is inside the mount. With `followLink`, a link at the entry is followed
   * to its target, whose folder must be inside the mount too.
   */
  function changeable(resolved: ResolvedPath, followLink: boolean): string {
    if (!resolved.mount.writable) throw nativeError("EROFS", "the folder is mounted read-only");
    // The mount point itself has its parent outside the mount, and is never a link inside it.
    if (resolved.host === resolved.root) return resolved.root;
    let target = join(requireInside(resolved.root, realpathSync(dirname(resolved.host))), basename(resolved.host));
    if (!followLink) return target;
    // A link is followed even when its target does not exist yet, since writing creates the target.
    for (let hops = 0; isSymbolicLink(target); hops++) {
      if (hops === MAX_LINK_HOPS) throw nativeError("ELOOP", "too many levels of symbolic links");
      const next = resolvePath(dirname(target), readlinkSync(target));
      target = join(requireInside(resolved.root, realpathSync(dirname(next))), basename(next));
    }
    return target;
  }

  function guarded<Args extends unknown[], Result>(operation: (...args: Args) => Result): (...args: Args) => Result {
    return (...args) => {
      try {
        return operation(...args);
      } catch (error) {
        throw fromNodeError(error);
      }
    };
  }

  return {
    mounts: () => [...folders.keys()],

    read: guarded((path: string): ArrayBuffer => {
      const bytes = readFileSync(existing(resolve(path)));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }),

    write: guarded((path: string, data: ArrayBuffer, append: boolean): void => {
      writeFileSync(changeable(resolve(path), true), new Uint8Array(data), { flag: append ? "a" : "w" });
    }),

    list: guarded((path: string): NativeDirectoryEntry[] => {
      const resolved = resolve(path);
      const real = existing(resolved);
      return readdirSync(real, { withFileTypes: true }).map((entry) => {
        if (!entry.isSymbolicLink()) return { name: entry.name, kind: kindOf(entry) };
        // A link counts as what it points to, and as "other" when that is missing or outside the mount.
        try {
          const target = requireInside(resolved.root, realpathSync(join(real, entry.name)));
          return { name: entry.name, kind: kindOf(statSync(target)) };
        } catch {
          return { name: entry.name, kind: "other" as const };
        }
      });
    }),

    stat: guarded((path: string): NativeFileInfo => {
      const stats = statSync(existing(resolve(path)), { bigint: true });
      return { kind: kindOf(stats), size: Number(stats.size), modifiedMs: Number(stats.mtimeNs / 1_000_000n) };
    }),

    remove: guarded((path: string): void => {
      const target = changeable(resolve(path), false);
      if (lstatSync(target).isDirectory()) rmdirSync(target);
      else unlinkSync(target);
    }),

    mkdir: guarded((path: string): void => {
      mkdirSync(changeable(resolve(path), false));
    }),
  };
}
