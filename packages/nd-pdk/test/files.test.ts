// The files API against fake natives: path checks, error mapping and the behaviour it adds on top of
// the natives (sorting, parents, missing entries). The natives of the engine and of the simulator
// have their own tests against real folders.

import type { FileNatives, NativeFileKind } from "@nd/pdk-types/internal";
import { FILE_NATIVES_KEY } from "@nd/pdk-types/internal";
import { afterEach, describe, expect, test } from "vitest";

import { FileError, files } from "../src/files.js";

/** Creates an error as the natives throw it: an Error with the errno name as `code`. */
function nativeError(code: string, message = "native failure"): Error {
  return Object.assign(new Error(message), { code });
}

interface FakeEntry {
  readonly kind: NativeFileKind;
  data: Uint8Array;
}

/** Natives over an in-memory tree with mount points that exist from the start. */
class FakeNatives implements FileNatives {
  readonly entries = new Map<string, FakeEntry>();
  readonly calls: string[] = [];
  readonly #mounts: string[];

  constructor(mounts: string[]) {
    this.#mounts = mounts;
    for (const mount of mounts) this.entries.set(mount, { kind: "directory", data: new Uint8Array(0) });
  }

  mounts(): string[] {
    return [...this.#mounts];
  }

  read(path: string): ArrayBuffer {
    this.calls.push(`read ${path}`);
    const entry = this.#require(path);
    if (entry.kind === "directory") throw nativeError("EISDIR");
    return entry.data.slice().buffer;
  }

  write(path: string, data: ArrayBuffer, append: boolean): void {
    this.calls.push(`write ${path} ${append}`);
    this.#requireParent(path);
    const existing = this.entries.get(path);
    if (existing?.kind === "directory") throw nativeError("EISDIR");
    const bytes = new Uint8Array(data);
    const previous = append && existing !== undefined ? existing.data : new Uint8Array(0);
    const joined = new Uint8Array(previous.length + bytes.length);
    joined.set(previous);
    joined.set(bytes, previous.length);
    this.entries.set(path, { kind: "file", data: joined });
  }

  list(path: string): { name: string; kind: NativeFileKind }[] {
    this.calls.push(`list ${path}`);
    if (this.#require(path).kind !== "directory") throw nativeError("ENOTDIR");
    return [...this.entries]
      .filter(([key]) => key.startsWith(`${path}/`) && !key.slice(path.length + 1).includes("/"))
      .map(([key, entry]) => ({ name: key.slice(path.length + 1), kind: entry.kind }));
  }

  stat(path: string): { kind: NativeFileKind; size: number; modifiedMs: number } {
    this.calls.push(`stat ${path}`);
    const entry = this.#require(path);
    return { kind: entry.kind, size: entry.data.length, modifiedMs: 1_700_000_000_000 };
  }

  remove(path: string): void {
    this.calls.push(`remove ${path}`);
    const entry = this.#require(path);
    if (entry.kind === "directory" && [...this.entries.keys()].some((key) => key.startsWith(`${path}/`))) throw nativeError("ENOTEMPTY");
    this.entries.delete(path);
  }

  mkdir(path: string): void {
    this.calls.push(`mkdir ${path}`);
    this.#requireParent(path);
    if (this.entries.has(path)) throw nativeError("EEXIST");
    this.entries.set(path, { kind: "directory", data: new Uint8Array(0) });
  }

  #require(path: string): FakeEntry {
    const entry = this.entries.get(path);
    if (entry === undefined) throw nativeError("ENOENT");
    return entry;
  }

  #requireParent(path: string): void {
    const parent = this.entries.get(path.slice(0, path.lastIndexOf("/")));
    if (parent === undefined) throw nativeError("ENOENT");
    if (parent.kind !== "directory") throw nativeError("ENOTDIR");
  }
}

const globals = globalThis as unknown as Record<symbol, unknown>;
const KEY = Symbol.for(FILE_NATIVES_KEY);

function install(natives: FileNatives): void {
  globals[KEY] = natives;
}

/** Returns the FileError `action` throws; fails the test when it throws something else or nothing. */
function fileErrorOf(action: () => unknown): FileError {
  try {
    action();
  } catch (error) {
    if (FileError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a FileError, but nothing was thrown");
}

afterEach(() => {
  delete globals[KEY];
});

describe("files without natives", () => {
  test("every function fails as unavailable", () => {
    const calls: [string, () => unknown][] = [
      ["read", () => files.read("/storage/a")],
      ["readText", () => files.readText("/storage/a")],
      ["write", () => files.write("/storage/a", "x")],
      ["list", () => files.list("/storage")],
      ["stat", () => files.stat("/storage/a")],
      ["exists", () => files.exists("/storage/a")],
      ["remove", () => files.remove("/storage/a")],
      ["makeDirectory", () => files.makeDirectory("/storage/a")],
    ];
    for (const [operation, call] of calls) {
      const error = fileErrorOf(call);
      expect(error.code, operation).toBe("unavailable");
      expect(error.operation).toBe(operation);
    }
  });

  test("unavailable names the engine and extism-js", () => {
    const error = fileErrorOf(() => files.read("/storage/a.json"));

    expect(error.message).toBe(
      "files.read: file access needs a plugin compiled by the @nd/pdk engine (nd-pdk build --compiler engine), because extism-js gives plugins no file API. It is also unavailable outside an exported function, such as at module top level.",
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("FileError");
    expect(error.path).toBe("/storage/a.json");
  });

  test("path checks come before the unavailable error", () => {
    expect(fileErrorOf(() => files.read("notes.txt")).code).toBe("invalid-path");
  });
});

describe("files path checks", () => {
  test("rejects relative, escaping and foreign paths", () => {
    install(new FakeNatives(["/storage"]));
    const cases: [unknown, string][] = [
      ["notes.txt", 'files.read: the path "notes.txt" is not absolute; use an absolute path under /storage or /libraries/<id>'],
      ["", 'files.read: the path "" is not absolute; use an absolute path under /storage or /libraries/<id>'],
      ["/storage/../etc/passwd", 'files.read: the path "/storage/../etc/passwd" contains a ".." segment, which is not allowed; use an absolute path under /storage or /libraries/<id>'],
      ["/etc/passwd", 'files.read: the path "/etc/passwd" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/", 'files.read: the path "/" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/storagex/a", 'files.read: the path "/storagex/a" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/libraries", 'files.read: the path "/libraries" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/libraries/music/a", 'files.read: the path "/libraries/music/a" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/libraries/01/a", 'files.read: the path "/libraries/01/a" is outside the folders Navidrome mounts for plugins; use an absolute path under /storage or /libraries/<id>'],
      ["/storage/a\0b", 'files.read: the path "/storage/a\\u0000b" contains a NUL character; use an absolute path under /storage or /libraries/<id>'],
      [42, "files.read: the path must be a string, received number; use an absolute path under /storage or /libraries/<id>"],
    ];
    for (const [path, message] of cases) {
      const error = fileErrorOf(() => files.read(path as string));
      expect(error.code, String(path)).toBe("invalid-path");
      expect(error.message).toBe(message);
    }
  });

  test("normalizes empty and dot segments and a trailing slash", () => {
    const natives = new FakeNatives(["/storage"]);
    install(natives);

    files.write("//storage/./a.txt", "x");
    files.list("/storage/");

    expect(natives.calls).toEqual(["write /storage/a.txt false", "list /storage"]);
  });

  test("accepts library paths with a numeric id", () => {
    const natives = new FakeNatives(["/libraries/0", "/libraries/12"]);
    install(natives);

    expect(files.list("/libraries/0")).toEqual([]);
    expect(files.exists("/libraries/12")).toBe(true);
  });
});

describe("files mounts", () => {
  test("missing storage mount asks for the storage permission", () => {
    install(new FakeNatives(["/libraries/1"]));
    const error = fileErrorOf(() => files.write("/storage/a.txt", "x"));

    expect(error.code).toBe("not-mounted");
    expect(error.message).toBe("files.write: /storage is not mounted, so /storage/a.txt cannot be accessed; add permissions.storage to manifest.json");
  });

  test("missing library mount asks for filesystem access", () => {
    install(new FakeNatives(["/storage", "/libraries/1"]));
    const error = fileErrorOf(() => files.list("/libraries/2/Artist"));

    expect(error.code).toBe("not-mounted");
    expect(error.message).toBe(
      "files.list: /libraries/2 is not mounted, so /libraries/2/Artist cannot be accessed; set permissions.library.filesystem to true in manifest.json, and give the plugin access to library 2 in Navidrome",
    );
  });

  test("stat and exists report a missing mount instead of undefined", () => {
    install(new FakeNatives([]));

    expect(fileErrorOf(() => files.stat("/storage/a")).code).toBe("not-mounted");
    expect(fileErrorOf(() => files.exists("/storage/a")).code).toBe("not-mounted");
  });

  test("a root mount covers every folder", () => {
    const natives = new FakeNatives(["/"]);
    natives.entries.set("/storage", { kind: "directory", data: new Uint8Array(0) });
    install(natives);

    expect(files.exists("/storage")).toBe(true);
  });
});

describe("files error mapping", () => {
  const mapping: [string, string][] = [
    ["ENOENT", "not-found"],
    ["EEXIST", "exists"],
    ["ENOTDIR", "not-a-directory"],
    ["EISDIR", "is-a-directory"],
    ["ENOTEMPTY", "not-empty"],
    ["EACCES", "permission-denied"],
    ["EPERM", "permission-denied"],
    ["ENOTCAPABLE", "permission-denied"],
    ["EROFS", "read-only"],
    ["EIO", "io"],
    ["ENOSPC", "io"],
  ];

  test.each(mapping)("%s becomes %s", (errno, code) => {
    const natives = new FakeNatives(["/storage"]);
    natives.read = () => {
      throw nativeError(errno, "host message");
    };
    install(natives);

    const error = fileErrorOf(() => files.read("/storage/a"));
    expect(error.code).toBe(code);
    expect(error.operation).toBe("read");
    expect(error.path).toBe("/storage/a");
  });

  test("messages name the path and the fix", () => {
    const natives = new FakeNatives(["/storage", "/libraries/3"]);
    install(natives);
    files.makeDirectory("/storage/full/inner");
    files.write("/storage/file.txt", "x");

    const cases: [() => unknown, string][] = [
      [() => files.read("/storage/missing.txt"), "files.read: /storage/missing.txt was not found"],
      [
        () => files.write("/storage/no/such/folder.txt", "x"),
        "files.write: /storage/no/such/folder.txt cannot be created because its parent folder does not exist; create the parent with files.makeDirectory first",
      ],
      [() => files.readText("/storage/full"), "files.readText: /storage/full is a directory; read its entries with files.list"],
      [() => files.write("/storage/full", "x"), "files.write: /storage/full is a directory, not a file"],
      [() => files.list("/storage/file.txt"), "files.list: /storage/file.txt or one of its parent folders is a file, not a directory"],
      [() => files.remove("/storage/full"), "files.remove: /storage/full is a directory that is not empty; remove its entries first"],
    ];
    for (const [call, message] of cases) expect(fileErrorOf(call).message).toBe(message);
  });

  test("read-only library names the administrator's setting", () => {
    const natives = new FakeNatives(["/storage", "/libraries/3"]);
    natives.write = () => {
      throw nativeError("EROFS");
    };
    install(natives);

    expect(fileErrorOf(() => files.write("/libraries/3/cover.jpg", "x")).message).toBe(
      "files.write: /libraries/3 is mounted read-only, so /libraries/3/cover.jpg cannot be changed; the administrator can allow writes to the library in Navidrome",
    );
    expect(fileErrorOf(() => files.write("/storage/a", "x")).message).toBe("files.write: /storage is mounted read-only, so /storage/a cannot be changed");
  });

  test("ENOSYS from a write is a read-only mount", () => {
    const natives = new FakeNatives(["/storage", "/libraries/3"]);
    const notImplemented = (): never => {
      throw nativeError("ENOSYS", "function not implemented");
    };
    natives.write = notImplemented;
    natives.read = notImplemented;
    install(natives);

    expect(fileErrorOf(() => files.write("/libraries/3/cover.jpg", "x")).code).toBe("read-only");
    expect(fileErrorOf(() => files.read("/libraries/3/cover.jpg")).code).toBe("io");
  });

  test("io errors carry the host's message", () => {
    const natives = new FakeNatives(["/storage"]);
    natives.read = () => {
      throw nativeError("EIO", "input/output error");
    };
    natives.list = () => {
      throw nativeError("EACCES", "permission denied");
    };
    install(natives);

    expect(fileErrorOf(() => files.read("/storage/a")).message).toBe("files.read: the host's file system failed on /storage/a (EIO: input/output error)");
    expect(fileErrorOf(() => files.list("/storage")).message).toBe("files.list: the host denied access to /storage (EACCES)");
  });

  test("an error without an errno is rethrown unchanged", () => {
    const natives = new FakeNatives(["/storage"]);
    const thrown = new RangeError("out of memory");
    natives.read = () => {
      throw thrown;
    };
    install(natives);

    expect(() => files.read("/storage/a")).toThrow(thrown);
  });
});

describe("files operations", () => {
  test("write and read round-trip text and bytes", () => {
    install(new FakeNatives(["/storage"]));

    files.write("/storage/a.txt", "grüße");
    files.write("/storage/a.txt", " 🎷", { append: true });
    expect(files.readText("/storage/a.txt")).toBe("grüße 🎷");

    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    files.write("/storage/b.bin", bytes.subarray(1, 4));
    expect(files.read("/storage/b.bin")).toEqual(new Uint8Array([1, 2, 255]));
  });

  test("write replaces the content without append", () => {
    install(new FakeNatives(["/storage"]));

    files.write("/storage/a.txt", "first");
    files.write("/storage/a.txt", "second");

    expect(files.readText("/storage/a.txt")).toBe("second");
  });

  test("write rejects data that is neither text nor bytes", () => {
    install(new FakeNatives(["/storage"]));

    expect(() => files.write("/storage/a", 42 as unknown as string)).toThrow("files.write: the data must be a string or a Uint8Array, received number");
  });

  test("list sorts entries by name", () => {
    const natives = new FakeNatives(["/storage"]);
    install(natives);
    for (const name of ["b.txt", "Z.txt", "a.txt", "é.txt"]) files.write(`/storage/${name}`, "x");
    files.makeDirectory("/storage/m");

    expect(files.list("/storage")).toEqual([
      { name: "Z.txt", kind: "file" },
      { name: "a.txt", kind: "file" },
      { name: "b.txt", kind: "file" },
      { name: "m", kind: "directory" },
      { name: "é.txt", kind: "file" },
    ]);
  });

  test("stat returns undefined for a missing entry", () => {
    install(new FakeNatives(["/storage"]));
    files.write("/storage/a.txt", "abc");

    expect(files.stat("/storage/a.txt")).toEqual({ kind: "file", size: 3, modifiedMs: 1_700_000_000_000 });
    expect(files.stat("/storage/missing")).toBeUndefined();
    expect(files.stat("/storage/a.txt/below")).toBeUndefined();
    expect(files.exists("/storage/missing")).toBe(false);
  });

  test("makeDirectory creates parents and tolerates existing folders", () => {
    const natives = new FakeNatives(["/storage"]);
    install(natives);

    files.makeDirectory("/storage/a/b/c");
    files.makeDirectory("/storage/a/b/c");
    files.makeDirectory("/storage/a/b/d");
    files.makeDirectory("/storage");

    expect(files.list("/storage/a/b").map((entry) => entry.name)).toEqual(["c", "d"]);
    expect(natives.calls.filter((call) => call.startsWith("mkdir"))).toEqual([
      "mkdir /storage/a",
      "mkdir /storage/a/b",
      "mkdir /storage/a/b/c",
      "mkdir /storage/a",
      "mkdir /storage/a/b",
      "mkdir /storage/a/b/d",
    ]);
  });

  test("makeDirectory fails on a file in the way", () => {
    install(new FakeNatives(["/storage"]));
    files.write("/storage/a", "x");

    const error = fileErrorOf(() => files.makeDirectory("/storage/a/b"));
    expect(error.code).toBe("not-a-directory");
    expect(error.path).toBe("/storage/a");
    expect(error.message).toBe("files.makeDirectory: /storage/a exists and is not a directory, so /storage/a/b cannot be created");
  });

  test("remove deletes files and empty folders but not a mount point", () => {
    install(new FakeNatives(["/storage", "/libraries/1"]));
    files.makeDirectory("/storage/a");
    files.write("/storage/a/b.txt", "x");

    files.remove("/storage/a/b.txt");
    files.remove("/storage/a");

    expect(files.list("/storage")).toEqual([]);
    for (const root of ["/storage", "/storage/", "/libraries/1"]) {
      const error = fileErrorOf(() => files.remove(root));
      expect(error.code).toBe("invalid-path");
      expect(error.message).toMatch(/^files\.remove: \/(storage|libraries\/1) is a mount point, which cannot be removed; remove the entries inside it instead$/);
    }
  });
});

describe("FileError", () => {
  test("isInstance works across copies of the class", () => {
    const error = new FileError("not-found", "read", "/storage/a", "files.read: /storage/a was not found");
    const copy = Object.assign(new Error("copy"), { [Symbol.for("nd-pdk.error.file")]: true });

    expect(FileError.isInstance(error)).toBe(true);
    expect(FileError.isInstance(copy)).toBe(true);
    expect(FileError.isInstance(new Error("other"))).toBe(false);
  });
});
