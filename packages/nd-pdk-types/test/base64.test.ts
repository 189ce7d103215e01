import fc from "fast-check";
import { describe, expect, test } from "vitest";

import { decodeBase64, encodeBase64, WireFormatError } from "../src/index.js";

describe("encodeBase64", () => {
  test.each([
    ["", ""],
    ["f", "Zg=="],
    ["fo", "Zm8="],
    ["foo", "Zm9v"],
    ["foob", "Zm9vYg=="],
    ["fooba", "Zm9vYmE="],
    ["foobar", "Zm9vYmFy"],
  ])("encodes the RFC 4648 vector %j", (text, expected) => {
    expect(encodeBase64(new TextEncoder().encode(text))).toBe(expected);
  });

  test("matches Node's Buffer for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
      }),
    );
  });

  test("encodes outputs longer than one fromCharCode chunk", () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
    expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
  });

  test("encodes only the bytes of a subarray view", () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(encodeBase64(whole.subarray(2, 4))).toBe(Buffer.from([3, 4]).toString("base64"));
  });
});

describe("decodeBase64", () => {
  test("round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
    );
  });

  test("decodes what Node's Buffer encodes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(decodeBase64(Buffer.from(bytes).toString("base64"))).toEqual(bytes);
      }),
    );
  });

  test.each([
    ["a length that is not a multiple of 4", "Zm9", /length 3 is not a multiple of 4/],
    ["missing padding", "Zg", /not a multiple of 4/],
    ["the URL-safe alphabet", "-_-_", /invalid character/],
    ["whitespace", "Zm9v Zm9v", /not a multiple of 4|invalid character/],
    ["padding in the middle", "Zg==Zm9v", /invalid character/],
    ["three padding characters", "Z===", /invalid character/],
    ["a character outside Latin-1", "Zm9\u20ac", /invalid character/],
  ])("rejects %s", (_case, text, message) => {
    expect(() => decodeBase64(text)).toThrow(WireFormatError);
    expect(() => decodeBase64(text)).toThrow(message);
  });

  test("says that standard base64 with padding was expected", () => {
    expect(() => decodeBase64("ab-_")).toThrow(/expected standard base64 with padding/);
  });
});
