import { describe, expect, test } from "vitest";

import { artwork } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

// The four functions share one request and reply shape, so one table covers them.
const functions = [
  { name: "getArtistUrl", importName: "artwork_getartisturl", call: artwork.getArtistUrl },
  { name: "getAlbumUrl", importName: "artwork_getalbumurl", call: artwork.getAlbumUrl },
  { name: "getTrackUrl", importName: "artwork_gettrackurl", call: artwork.getTrackUrl },
  { name: "getPlaylistUrl", importName: "artwork_getplaylisturl", call: artwork.getPlaylistUrl },
] as const;

describe.each(functions)("artwork.$name", ({ name, importName, call }) => {
  test("leaves out a size not given", () => {
    expect(requestOf(importName, () => call("al-1"))).toBe('{"id":"al-1"}');
  });

  test.each([
    [300, '{"id":"al-1","size":300}'],
    [0, '{"id":"al-1","size":0}'],
  ])("sends size %d when given", (size, expected) => {
    expect(requestOf(importName, () => call("al-1", size))).toBe(expected);
  });

  test("decodes the URL", () => {
    const url = "https://music.example.com/share/img/eyJhbGciOiJIUzI1NiJ9?size=300";

    expect(resultOf(importName, JSON.stringify({ url }), () => call("al-1", 300))).toBe(url);
  });

  test("absent URL gives empty string", () => {
    expect(resultOf(importName, "{}", () => call("al-1"))).toBe("");
  });

  testFailedCalls({ service: "artwork", name, importName, call: () => call("al-1") });
});
