import { describe, expect, test } from "vitest";

import type { NavidromeOptions, SimulatedLibrary } from "../../src/options.js";
import { createLibraryService } from "../../src/services/library.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

const libraries: readonly SimulatedLibrary[] = [
  { id: 2, name: "Podcasts", path: "/srv/podcasts" },
  {
    id: 1,
    name: "Music",
    path: "/srv/music",
    lastScanAt: 1_767_225_600,
    totalSongs: 1200,
    totalAlbums: 100,
    totalArtists: 40,
    totalSize: 9_000_000_000,
    totalDuration: 300_000.5,
  },
];

function libraryService(filesystem: boolean, extra: Partial<NavidromeOptions> = {}) {
  const ctx = createTestContext({ library: filesystem ? { filesystem: true } : {} });
  return createLibraryService(ctx, { manifest: {}, libraries, ...extra });
}

const music = {
  id: 1,
  name: "Music",
  lastScanAt: 1_767_225_600,
  totalSongs: 1200,
  totalAlbums: 100,
  totalArtists: 40,
  totalSize: 9_000_000_000,
  totalDuration: 300_000.5,
};

const podcasts = { id: 2, name: "Podcasts", lastScanAt: 0, totalSongs: 0, totalAlbums: 0, totalArtists: 0, totalSize: 0, totalDuration: 0 };

describe("library service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(libraryService(false).functions).sort()).toEqual(importNamesOf("library"));
  });

  test("getlibrary returns a library without paths", () => {
    expect(call(libraryService(false), "library_getlibrary", { id: 1 })).toEqual({ result: music });
  });

  test("getlibrary keeps zero statistics", () => {
    expect(call(libraryService(false), "library_getlibrary", { id: 2 })).toEqual({ result: podcasts });
  });

  test("filesystem adds path and mount point", () => {
    expect(call(libraryService(true), "library_getlibrary", { id: 1 })).toEqual({
      result: { ...music, path: "/srv/music", mountPoint: "/libraries/1" },
    });
  });

  test("filesystem without a path gives only the mount point", () => {
    const service = libraryService(true, { libraries: [{ id: 7, name: "No path" }] });
    const reply = call(service, "library_getlibrary", { id: 7 });
    expect(reply["result"]).toMatchObject({ mountPoint: "/libraries/7" });
    expect(reply["result"]).not.toHaveProperty("path");
  });

  test("getlibrary of an unknown id fails", () => {
    expect(callError(libraryService(false), "library_getlibrary", { id: 9 })).toBe("library not found: data not found");
  });

  test("getlibrary of a disallowed id fails", () => {
    const service = libraryService(false, { allowedLibraries: [2] });
    expect(callError(service, "library_getlibrary", { id: 1 })).toBe("library not accessible: library ID 1 is not in the allowed list");
  });

  test("getlibrary rejects a fractional id", () => {
    expect(callError(libraryService(false), "library_getlibrary", { id: 1.5 })).toContain('field "id" of type int32');
  });

  test("getalllibraries lists allowed libraries by id", () => {
    expect(call(libraryService(false), "library_getalllibraries")).toEqual({ result: [music, podcasts] });
    expect(call(libraryService(false, { allowedLibraries: [2] }), "library_getalllibraries")).toEqual({ result: [podcasts] });
  });

  test("getalllibraries adds mount points with filesystem", () => {
    const reply = call(libraryService(true), "library_getalllibraries");
    expect(reply).toEqual({
      result: [
        { ...music, path: "/srv/music", mountPoint: "/libraries/1" },
        { ...podcasts, path: "/srv/podcasts", mountPoint: "/libraries/2" },
      ],
    });
  });

  test("getalllibraries with none allowed replies {}", () => {
    expect(call(libraryService(false, { allowedLibraries: [] }), "library_getalllibraries")).toEqual({});
  });

  test("allowedLibraries view", () => {
    expect(libraryService(false, { allowedLibraries: [1] }).allowedLibraries().map((library) => library.id)).toEqual([1]);
  });
});
