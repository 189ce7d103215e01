import type { SongRef, WireFormatError } from "@nd/pdk-types";
import { describe, expect, test } from "vitest";

import type { HttpRequest } from "../src/index.js";
import { artwork, cache, config, http, kvstore, library, matcher, scrobbleRetriever, users, websocket } from "../src/index.js";
import { hostCallErrorFrom, replyWith, resultOf, wireFormatErrorFrom } from "./fake-host.js";

/** A reply that decodes as JSON but does not match the wire format of the function. */
interface BadReply {
  readonly label: string;
  /** The function as error messages name it (`kvstore.get`). */
  readonly fn: string;
  readonly importName: string;
  readonly reply: string;
  readonly call: () => unknown;
  /** Where the offending value sits inside the reply. */
  readonly path: string;
}

function badReply(label: string, fn: string, importName: string, reply: string, call: () => unknown, path: string): BadReply {
  return { label, fn, importName, reply, call, path };
}

/** Checks that the reply fails with a WireFormatError naming the function and the key, and returns it. */
function expectRejectedReply({ fn, importName, reply, call, path }: BadReply): WireFormatError {
  const error = wireFormatErrorFrom(() => resultOf(importName, reply, call));

  expect(error.message).toContain(`${fn} (${importName}) reply`);
  expect(error.path).toBe(path);
  expect(error.message).toContain(`at ${path}:`);
  return error;
}

const zeroLibrary = {
  id: 1,
  name: "Music",
  lastScanAt: 0,
  totalSongs: 0,
  totalAlbums: 0,
  totalArtists: 0,
  totalSize: 0,
  totalDuration: 0,
};

describe("reply that is not a JSON object", () => {
  test.each([
    ["malformed JSON", "kvstore_has", '{"exists": tru}', () => kvstore.has("k")],
    ["truncated JSON", "kvstore_get", '{"value":"AQ==","exi', () => kvstore.get("k")],
    ["truncated JSON in a nested value", "users_getusers", '{"result":[{"userName":"alice"', () => users.getUsers()],
    ["a JSON array", "kvstore_list", '["a","b"]', () => kvstore.list()],
    ["a JSON string", "config_get", '"value"', () => config.get("k")],
    ["JSON null", "cache_getstring", "null", () => cache.getString("k")],
    ["a JSON number", "kvstore_getstorageused", "1024", () => kvstore.getStorageUsed()],
    ["whitespace only", "kvstore_getstorageused", " ", () => kvstore.getStorageUsed()],
  ])("%s throws invalid-reply", (_label, importName, reply, call) => {
    replyWith(importName, reply);

    const error = hostCallErrorFrom(call);

    expect(error.failure).toBe("invalid-reply");
    expect(error.importName).toBe(importName);
    expect(error.hostMessage).toContain("JSON");
  });
});

describe("error key", () => {
  test.each([
    ["empty string", '{"error":"","exists":true}'],
    ["null", '{"error":null,"exists":true}'],
  ])("%s counts as success", (_label, reply) => {
    expect(resultOf("kvstore_has", reply, () => kvstore.has("k"))).toBe(true);
  });

  test("error wins over result keys", () => {
    replyWith("kvstore_get", '{"value":"AQ==","exists":true,"error":"database is locked"}');

    const error = hostCallErrorFrom(() => kvstore.get("k"));

    expect(error.failure).toBe("host-error");
    expect(error.hostMessage).toBe("database is locked");
  });

  test("non-string error is reported as JSON text", () => {
    replyWith("kvstore_get", '{"error":{"code":7}}');

    const error = hostCallErrorFrom(() => kvstore.get("k"));

    expect(error.failure).toBe("host-error");
    expect(error.hostMessage).toBe('{"code":7}');
  });

  test("error key wins over required result", () => {
    replyWith("http_send", '{"error":"host not allowed: internal.example.com"}');

    const error = hostCallErrorFrom(() => http.send({ url: "https://internal.example.com/" }));

    expect(error.failure).toBe("host-error");
    expect(error.hostMessage).toBe("host not allowed: internal.example.com");
  });
});

describe("reply key of the wrong type", () => {
  test.each([
    badReply("string for a bool", "kvstore.get", "kvstore_get", '{"value":"AQ==","exists":"yes"}', () => kvstore.get("k"), "exists"),
    badReply("number for a bool", "kvstore.has", "kvstore_has", '{"exists":1}', () => kvstore.has("k"), "exists"),
    badReply("number for a string", "artwork.getArtistUrl", "artwork_getartisturl", '{"url":42}', () => artwork.getArtistUrl("ar-1"), "url"),
    badReply("string for an int64", "kvstore.getStorageUsed", "kvstore_getstorageused", '{"bytes":"1024"}', () => kvstore.getStorageUsed(), "bytes"),
    badReply("fraction for an int64", "cache.getInt", "cache_getint", '{"value":1.5,"exists":true}', () => cache.getInt("k"), "value"),
    badReply("object for an array", "kvstore.list", "kvstore_list", '{"keys":{"0":"a"}}', () => kvstore.list(), "keys"),
    badReply("number in a string array", "kvstore.list", "kvstore_list", '{"keys":["a",2]}', () => kvstore.list(), "keys[1]"),
    badReply("array for a map", "kvstore.getMany", "kvstore_getmany", '{"values":["AQ=="]}', () => kvstore.getMany(["a"]), "values"),
    badReply("number in a bytes map", "kvstore.getMany", "kvstore_getmany", '{"values":{"a":5}}', () => kvstore.getMany(["a"]), 'values["a"]'),
    badReply(
      "string for a nested int32",
      "library.getLibrary",
      "library_getlibrary",
      JSON.stringify({ result: { ...zeroLibrary, id: "1" } }),
      () => library.getLibrary(1),
      "result.id",
    ),
    badReply(
      "string for a bool inside an array",
      "users.getUsers",
      "users_getusers",
      '{"result":[{"userName":"alice","name":"Alice","isAdmin":"true"}]}',
      () => users.getUsers(),
      "result[0].isAdmin",
    ),
    badReply(
      "string for a nullable int64",
      "scrobbleRetriever.getFirstTimestamp",
      "scrobbleretriever_getfirsttimestamp",
      '{"result":"1700000000"}',
      () => scrobbleRetriever.getFirstTimestamp("alice"),
      "result",
    ),
    badReply(
      "string for an entry of nullable tracks",
      "matcher.matchSongs",
      "matcher_matchsongs",
      '{"results":[null,"mf-1"]}',
      () => matcher.matchSongs([{ name: "a" }, { name: "b" }]),
      "results[1]",
    ),
  ])("$label throws WireFormatError", (bad) => {
    expectRejectedReply(bad);
  });
});

describe("reply with invalid base64", () => {
  test.each([
    badReply("URL-safe alphabet", "kvstore.get", "kvstore_get", '{"value":"-_8=","exists":true}', () => kvstore.get("k"), "value"),
    badReply("missing padding", "kvstore.get", "kvstore_get", '{"value":"AQ","exists":true}', () => kvstore.get("k"), "value"),
    badReply("a space inside", "cache.getBytes", "cache_getbytes", '{"value":"AQ I=","exists":true}', () => cache.getBytes("k"), "value"),
    badReply("padding in the middle", "cache.getBytes", "cache_getbytes", '{"value":"AQ==AQ==","exists":true}', () => cache.getBytes("k"), "value"),
    badReply("URL-safe value in a map", "kvstore.getMany", "kvstore_getmany", '{"values":{"a":"AQ==","b":"_w=="}}', () => kvstore.getMany(["a", "b"]), 'values["b"]'),
    badReply(
      "missing padding in a response body",
      "http.send",
      "http_send",
      '{"result":{"statusCode":200,"body":"aGk"}}',
      () => http.send({ url: "https://example.com/" }),
      "result.body",
    ),
  ])("$label throws WireFormatError", (bad) => {
    const error = expectRejectedReply(bad);

    expect(error.expected).toContain("standard base64");
  });
});

describe("reply number JavaScript cannot hold", () => {
  test.each([
    badReply("int64 above 2^53", "kvstore.getStorageUsed", "kvstore_getstorageused", '{"bytes":9007199254740993}', () => kvstore.getStorageUsed(), "bytes"),
    badReply("int64 of exactly 2^53", "kvstore.deleteByPrefix", "kvstore_deletebyprefix", '{"deletedCount":9007199254740992}', () => kvstore.deleteByPrefix("p"), "deletedCount"),
    badReply("int64 below -2^53", "cache.getInt", "cache_getint", '{"value":-9007199254740993,"exists":true}', () => cache.getInt("k"), "value"),
    badReply(
      "int64 in exponent form beyond 2^53",
      "scrobbleRetriever.getScrobbleCount",
      "scrobbleretriever_getscrobblecount",
      '{"result":1e20}',
      () => scrobbleRetriever.getScrobbleCount("alice"),
      "result",
    ),
    badReply(
      "int32 above 2^31 - 1",
      "library.getLibrary",
      "library_getlibrary",
      JSON.stringify({ result: { ...zeroLibrary, totalSongs: 2147483648 } }),
      () => library.getLibrary(1),
      "result.totalSongs",
    ),
    badReply("float64 that overflows to Infinity", "cache.getFloat", "cache_getfloat", '{"value":1e400,"exists":true}', () => cache.getFloat("k"), "value"),
  ])("$label throws WireFormatError", (bad) => {
    expectRejectedReply(bad);
  });

  test("largest exact int64 is accepted", () => {
    expect(resultOf("kvstore_getstorageused", '{"bytes":-9007199254740991}', () => kvstore.getStorageUsed())).toBe(-Number.MAX_SAFE_INTEGER);
  });
});

/** An argument the types forbid, passed through a cast as plain JavaScript callers can. */
interface BadArgument {
  readonly label: string;
  readonly fn: string;
  readonly importName: string;
  readonly call: () => unknown;
  /** Where the offending value sits inside the request. */
  readonly path: string;
  /** Text that the error's `expected` field must contain. */
  readonly expected: string;
}

describe("bad argument from the caller", () => {
  const cases: BadArgument[] = [
    {
      label: "string for bytes",
      fn: "kvstore.set",
      importName: "kvstore_set",
      call: () => kvstore.set("k", "hello" as unknown as Uint8Array),
      path: "value",
      expected: "a Uint8Array",
    },
    {
      label: "number array for bytes",
      fn: "kvstore.set",
      importName: "kvstore_set",
      call: () => kvstore.set("k", [1, 2] as unknown as Uint8Array),
      path: "value",
      expected: "a Uint8Array",
    },
    {
      label: "missing required string",
      fn: "kvstore.get",
      importName: "kvstore_get",
      call: () => kvstore.get(undefined as unknown as string),
      path: "key",
      expected: 'the key "key"',
    },
    {
      label: "non-integer int32",
      fn: "artwork.getArtistUrl",
      importName: "artwork_getartisturl",
      call: () => artwork.getArtistUrl("ar-1", 1.5),
      path: "size",
      expected: "a 32-bit integer",
    },
    {
      label: "int32 above 2^31 - 1",
      fn: "websocket.closeConnection",
      importName: "websocket_closeconnection",
      call: () => websocket.closeConnection("feed-1", 2 ** 31),
      path: "code",
      expected: "a 32-bit integer",
    },
    {
      label: "int64 of 2^53",
      fn: "cache.setInt",
      importName: "cache_setint",
      call: () => cache.setInt("k", 2 ** 53),
      path: "value",
      expected: "2^53",
    },
    {
      label: "bigint for an int64",
      fn: "cache.setInt",
      importName: "cache_setint",
      call: () => cache.setInt("k", 5n as unknown as number),
      path: "value",
      expected: "a number",
    },
    {
      label: "NaN for a float64",
      fn: "cache.setFloat",
      importName: "cache_setfloat",
      call: () => cache.setFloat("k", Number.NaN),
      path: "value",
      expected: "a finite number",
    },
    {
      label: "non-integer optional ttlSeconds",
      fn: "cache.setString",
      importName: "cache_setstring",
      call: () => cache.setString("k", "v", 0.5),
      path: "ttlSeconds",
      expected: "2^53",
    },
    {
      label: "request without url",
      fn: "http.send",
      importName: "http_send",
      call: () => http.send({ method: "GET" } as HttpRequest),
      path: "request.url",
      expected: 'the key "url"',
    },
    {
      label: "string for a bool field",
      fn: "http.send",
      importName: "http_send",
      call: () => http.send({ url: "https://example.com/", noFollowRedirects: "yes" as unknown as boolean }),
      path: "request.noFollowRedirects",
      expected: "a boolean",
    },
    {
      label: "number for a nested string",
      fn: "matcher.matchSongs",
      importName: "matcher_matchsongs",
      call: () => matcher.matchSongs([{ name: "a" }, { name: 5 } as unknown as SongRef]),
      path: "songs[1].name",
      expected: "a string",
    },
  ];

  test.each(cases)("$label throws WireFormatError before any host call", ({ fn, importName, call, path, expected }) => {
    const fake = replyWith(importName, "{}");

    const error = wireFormatErrorFrom(call);

    expect(error.message).toContain(`${fn} (${importName}) request`);
    expect(error.path).toBe(path);
    expect(error.expected).toContain(expected);
    expect(fake.calls).toEqual([]);
  });
});
