import { describe, expect, test } from "vitest";

import type { Codec, ObjectCodec } from "../src/index.js";
import { decodeUtf8, decodeValue, encodeUtf8, encodeValue, WireFormatError } from "../src/index.js";
import { bytesCodec } from "../src/internal.js";

const artist: ObjectCodec = {
  object: "Artist",
  fields: { id: "string", name: "string", mbid: "string" },
  optional: ["mbid"],
};

const song: ObjectCodec = {
  object: "Song",
  fields: {
    name: "string",
    artists: { array: artist },
    tags: { map: { array: "string" } },
    cover: bytesCodec,
    rating: { nullable: "int32" },
    playCount: "int64",
    gain: "float64",
    track: "uint32",
    explicit: "bool",
    limit: "int32",
  },
  optional: ["tags"],
  optionalWhenSending: ["limit"],
};

function thrown(run: () => unknown): WireFormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof WireFormatError) return error;
    throw error;
  }
  throw new Error("expected a WireFormatError");
}

const wireSong = {
  name: "Blue in Green",
  artists: [{ id: "a1", name: "Miles Davis" }],
  tags: { genre: ["jazz"] },
  cover: "AQID",
  rating: null,
  playCount: 42,
  gain: -6.5,
  track: 3,
  explicit: false,
  limit: 0,
};

describe("decodeValue", () => {
  test("converts base64 to bytes and null nullable values to absent keys", () => {
    const decoded = decodeValue(song, wireSong) as Record<string, unknown>;
    expect(decoded["cover"]).toEqual(new Uint8Array([1, 2, 3]));
    expect("rating" in decoded).toBe(false);
    expect(decoded["artists"]).toEqual([{ id: "a1", name: "Miles Davis" }]);
  });

  test("drops keys the codec does not know", () => {
    const decoded = decodeValue(artist, { id: "a", name: "b", future: true });
    expect(decoded).toEqual({ id: "a", name: "b" });
  });

  test("reads null arrays, maps and bytes as empty, as Go writes nil", () => {
    const decoded = decodeValue(song, { ...wireSong, artists: null, tags: null, cover: null }) as Record<string, unknown>;
    expect(decoded["artists"]).toEqual([]);
    expect(decoded["tags"]).toEqual({});
    expect(decoded["cover"]).toEqual(new Uint8Array(0));
  });

  test("names the path of a wrong type", () => {
    const error = thrown(() => decodeValue(song, { ...wireSong, artists: [{ id: "a1", name: 7 }] }));
    expect(error.path).toBe("artists[0].name");
    expect(error.message).toBe("invalid value at artists[0].name: expected a string, received the number 7");
  });

  test("names a missing required key", () => {
    const { name: _omitted, ...rest } = wireSong;
    const error = thrown(() => decodeValue(song, rest));
    expect(error.message).toMatch(/the key "name" of Song/);
  });

  test("requires keys that are optional only when sending", () => {
    const { limit: _omitted, ...rest } = wireSong;
    expect(() => decodeValue(song, rest)).toThrow(/the key "limit" of Song/);
  });

  test("rejects an int64 beyond 2^53 instead of rounding it", () => {
    const error = thrown(() => decodeValue(song, JSON.parse(JSON.stringify(wireSong).replace('"playCount":42', '"playCount":9007199254740993'))));
    expect(error.path).toBe("playCount");
    expect(error.message).toMatch(/2\^53/);
  });

  test.each<[string, Codec, unknown]>([
    ["a fraction as int32", "int32", 1.5],
    ["an int32 out of range", "int32", 2 ** 31],
    ["a negative uint32", "uint32", -1],
    ["a string as a number", "float64", "1"],
    ["a number as a boolean", "bool", 1],
    ["an object as an array", { array: "string" }, {}],
    ["an array as a map", { map: "string" }, []],
    ["an array as an object", artist, []],
  ])("rejects %s", (_case, codec, value) => {
    expect(() => decodeValue(codec, value)).toThrow(WireFormatError);
  });

  test.each<[string, Codec, number]>([
    ["the smallest int32", "int32", -2147483648],
    ["the largest int32", "int32", 2147483647],
    ["zero as a uint32", "uint32", 0],
    ["the largest uint32", "uint32", 4294967295],
    ["the largest safe int64", "int64", Number.MAX_SAFE_INTEGER],
  ])("accepts %s", (_case, codec, value) => {
    expect(decodeValue(codec, value)).toBe(value);
  });

  test.each<[string, Codec, number]>([
    ["an int32 below the range", "int32", -2147483649],
    ["NaN as an int32", "int32", Number.NaN],
    ["a uint32 above the range", "uint32", 4294967296],
    ["a fraction as a uint32", "uint32", 0.5],
    ["Infinity as an int64", "int64", Number.POSITIVE_INFINITY],
  ])("rejects %s", (_case, codec, value) => {
    expect(() => decodeValue(codec, value)).toThrow(WireFormatError);
  });

  test("names the key of a bad map entry", () => {
    const error = thrown(() => decodeValue({ map: bytesCodec }, { good: "AQ==", bad: "@@@@" }));
    expect(error.path).toBe('["bad"]');
  });
});

describe("encodeValue", () => {
  const song1 = decodeValue(song, wireSong) as Record<string, unknown>;

  test("writes bytes as base64 and leaves out undefined optional keys", () => {
    const encoded = encodeValue(song, { ...song1, tags: undefined }) as Record<string, unknown>;
    expect(encoded["cover"]).toBe("AQID");
    expect("tags" in encoded).toBe(false);
    expect(encoded["rating"]).toBeUndefined();
  });

  test("writes null for a nullable value that is present but null", () => {
    const encoded = encodeValue({ object: "X", fields: { n: { nullable: "int32" } }, optional: [] }, { n: null }) as Record<string, unknown>;
    expect(encoded["n"]).toBeNull();
  });

  test("leaves out keys that are optional only when sending", () => {
    const { limit: _omitted, ...rest } = song1;
    const encoded = encodeValue(song, rest) as Record<string, unknown>;
    expect("limit" in encoded).toBe(false);
  });

  test("sends missing bytes as empty base64, as Go reads nil", () => {
    const { cover: _omitted, ...rest } = song1;
    const encoded = encodeValue(song, rest) as Record<string, unknown>;
    expect(encoded["cover"]).toBe("");
  });

  test("sends a missing array as empty, as Go reads nil", () => {
    const { artists: _omitted, ...rest } = song1;
    const encoded = encodeValue(song, rest) as Record<string, unknown>;
    expect(encoded["artists"]).toEqual([]);
  });

  test("round-trips through JSON", () => {
    const text = JSON.stringify(encodeValue(song, song1));
    expect(decodeValue(song, JSON.parse(text))).toEqual(song1);
  });

  test.each<[string, Codec, unknown, RegExp]>([
    ["NaN as a float", "float64", Number.NaN, /a finite number/],
    ["Infinity as a float", "float32", Number.POSITIVE_INFINITY, /a finite number/],
    ["a fraction as an int64", "int64", 0.5, /2\^53/],
    ["an unsafe integer as an int64", "int64", 2 ** 60, /2\^53/],
    ["a bigint as an int64", "int64", 5n, /received the bigint 5n/],
    ["a string as bytes", bytesCodec, "AQID", /a Uint8Array/],
    ["a number as a string", "string", 5, /a string/],
  ])("rejects %s", (_case, codec, value, message) => {
    expect(() => encodeValue(codec, value)).toThrow(message);
  });

  test("names a missing required key", () => {
    expect(() => encodeValue(artist, { id: "x" })).toThrow('invalid value at name: expected the key "name" of Artist, received an object without it');
  });
});

describe("WireFormatError", () => {
  test("adds the context of the call to the message", () => {
    const error = thrown(() => decodeValue(artist, { id: 1, name: "x" })).in("kvstore.get (kvstore_get) reply");
    expect(error.message).toBe("kvstore.get (kvstore_get) reply: invalid value at id: expected a string, received the number 1");
    expect(WireFormatError.isInstance(error)).toBe(true);
  });
});

describe("map keys", () => {
  test("keeps a __proto__ key as an ordinary entry", () => {
    const decoded = decodeValue({ map: "string" }, JSON.parse('{"__proto__":"x","a":"b"}')) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(JSON.stringify(encodeValue({ map: "string" }, decoded))).toBe('{"__proto__":"x","a":"b"}');
  });
});

describe("UTF-8 helpers", () => {
  test("round-trip astral characters", () => {
    const bytes = encodeUtf8("Björk 🎶");
    expect(bytes).toEqual(new Uint8Array(Buffer.from("Björk 🎶", "utf8")));
    expect(decodeUtf8(bytes)).toBe("Björk 🎶");
  });

  test("replace invalid sequences with U+FFFD", () => {
    expect(decodeUtf8(new Uint8Array([0x61, 0xff, 0x62]))).toBe("a\uFFFDb");
  });
});
