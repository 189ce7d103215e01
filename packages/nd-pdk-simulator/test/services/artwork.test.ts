import { describe, expect, test } from "vitest";

import { createArtworkService } from "../../src/services/artwork.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

function artwork(baseUrl?: string) {
  return createArtworkService(createTestContext({ artwork: {} }), { manifest: {}, ...(baseUrl === undefined ? {} : { baseUrl }) });
}

function urlOf(reply: Record<string, unknown>): string {
  expect(typeof reply["url"]).toBe("string");
  return reply["url"] as string;
}

describe("artwork service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(artwork().functions).sort()).toEqual(importNamesOf("artwork"));
  });

  test.each([
    ["artwork_getartisturl", "artist", "ar"],
    ["artwork_getalbumurl", "album", "al"],
    ["artwork_gettrackurl", "track", "mf"],
    ["artwork_getplaylisturl", "playlist", "pl"],
  ] as const)("%s builds a public image URL", (importName, kind, prefix) => {
    const service = artwork();
    const url = urlOf(call(service, importName, { id: "abc-123", size: 300 }));

    expect(url).toMatch(/^http:\/\/localhost:4533\/share\/img\/[\w-]+\.[\w-]+\.\?size=300$/);
    expect(service.parseUrl(url)).toEqual({ kind, id: "abc-123", size: 300 });

    const claims = url.split("/").pop()?.split(".")[1] ?? "";
    expect(JSON.parse(Buffer.from(claims, "base64url").toString("utf8"))).toEqual({ id: `${prefix}-abc-123` });
  });

  test("size 0 leaves out the size parameter", () => {
    const service = artwork();
    const url = urlOf(call(service, "artwork_getalbumurl", { id: "al1", size: 0 }));

    expect(url).not.toContain("?");
    expect(service.parseUrl(url)).toEqual({ kind: "album", id: "al1", size: undefined });
  });

  test("missing size is the original size", () => {
    expect(urlOf(call(artwork(), "artwork_getalbumurl", { id: "al1" }))).not.toContain("size");
  });

  test("negative size is the original size", () => {
    expect(urlOf(call(artwork(), "artwork_getalbumurl", { id: "al1", size: -1 }))).not.toContain("size");
  });

  test("uses the configured base URL", () => {
    const service = artwork("https://music.example.com/navidrome/");
    const url = urlOf(call(service, "artwork_getartisturl", { id: "x" }));

    expect(url.startsWith("https://music.example.com/navidrome/share/img/")).toBe(true);
    expect(service.parseUrl(url)).toEqual({ kind: "artist", id: "x", size: undefined });
  });

  test("parseUrl ignores foreign URLs", () => {
    expect(artwork().parseUrl("https://example.com/cover.jpg")).toBeUndefined();
  });

  test("rejects a size of the wrong type", () => {
    expect(callError(artwork(), "artwork_getalbumurl", { id: "a", size: "300" })).toContain('field "size" of type int32');
  });
});
