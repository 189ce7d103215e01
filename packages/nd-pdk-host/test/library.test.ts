import { describe, expect, test } from "vitest";

import type { Library } from "../src/index.js";
import { library } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls, wireFormatErrorFrom } from "./fake-host.js";

const music: Library = {
  id: 1,
  name: "Music",
  lastScanAt: 1717171717,
  totalSongs: 12034,
  totalAlbums: 987,
  totalArtists: 412,
  totalSize: 98765432101,
  totalDuration: 3012345.5,
};

const musicWithPaths: Library = { ...music, path: "/srv/music", mountPoint: "/libraries/1" };

// Navidrome writes every Library key except path and mountPoint also when its value is 0, because
// its Library struct (plugins/host/library.go) tags only those two with omitempty.
const emptyLibrary: Library = {
  id: 2,
  name: "",
  lastScanAt: 0,
  totalSongs: 0,
  totalAlbums: 0,
  totalArtists: 0,
  totalSize: 0,
  totalDuration: 0,
};

describe("library.getLibrary", () => {
  test("sends the id", () => {
    expect(requestOf("library_getlibrary", () => library.getLibrary(7))).toBe('{"id":7}');
  });

  test("decodes the library", () => {
    const result = resultOf("library_getlibrary", JSON.stringify({ result: music }), () => library.getLibrary(1));

    expect(result).toStrictEqual(music);
  });

  test("decodes path and mountPoint when sent", () => {
    const result = resultOf("library_getlibrary", JSON.stringify({ result: musicWithPaths }), () => library.getLibrary(1));

    expect(result).toStrictEqual(musicWithPaths);
  });

  test("decodes a library of zero values", () => {
    const result = resultOf("library_getlibrary", JSON.stringify({ result: emptyLibrary }), () => library.getLibrary(2));

    expect(result).toStrictEqual(emptyLibrary);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result gives undefined", (_label, reply) => {
    expect(resultOf("library_getlibrary", reply, () => library.getLibrary(1))).toBeUndefined();
  });

  test("library without a required key throws WireFormatError", () => {
    const { totalSongs: _left, ...withoutTotalSongs } = music;
    const reply = JSON.stringify({ result: withoutTotalSongs });

    const error = wireFormatErrorFrom(() => resultOf("library_getlibrary", reply, () => library.getLibrary(1)));

    expect(error.message).toContain("library.getLibrary");
    expect(error.message).toContain('"totalSongs"');
  });

  testFailedCalls({ service: "library", name: "getLibrary", importName: "library_getlibrary", call: () => library.getLibrary(1) });
});

describe("library.getAllLibraries", () => {
  test("sends an empty object", () => {
    expect(requestOf("library_getalllibraries", () => library.getAllLibraries())).toBe("{}");
  });

  test("decodes the libraries", () => {
    const reply = JSON.stringify({ result: [music, musicWithPaths] });

    expect(resultOf("library_getalllibraries", reply, () => library.getAllLibraries())).toStrictEqual([music, musicWithPaths]);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"result":null}'],
  ])("%s result gives an empty array", (_label, reply) => {
    expect(resultOf("library_getalllibraries", reply, () => library.getAllLibraries())).toEqual([]);
  });

  testFailedCalls({
    service: "library",
    name: "getAllLibraries",
    importName: "library_getalllibraries",
    call: () => library.getAllLibraries(),
  });
});
