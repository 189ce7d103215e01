import { describe, expect, test } from "vitest";

import { compareByteOrder, createConfigService } from "../../src/services/config.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

function configService(config: Record<string, string>) {
  return createConfigService(createTestContext(), { manifest: {}, config });
}

describe("config service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(configService({}).functions).sort()).toEqual(importNamesOf("config"));
  });

  test("get returns a stored value", () => {
    expect(call(configService({ apiKey: "secret" }), "config_get", { key: "apiKey" })).toEqual({ value: "secret", exists: true });
  });

  test("get of a missing key replies {}", () => {
    expect(call(configService({ apiKey: "secret" }), "config_get", { key: "other" })).toEqual({});
  });

  test("get of an empty value omits value", () => {
    expect(call(configService({ empty: "" }), "config_get", { key: "empty" })).toEqual({ exists: true });
  });

  test("get ignores inherited object keys", () => {
    expect(call(configService({}), "config_get", { key: "toString" })).toEqual({});
  });

  test("get rejects a key of the wrong JSON type", () => {
    expect(callError(configService({}), "config_get", { key: 5 })).toContain('cannot unmarshal number into field "key" of type string');
  });

  test("getint parses integers", () => {
    const service = configService({ plain: "42", negative: "-7", plus: "+3", zero: "0" });

    expect(call(service, "config_getint", { key: "plain" })).toEqual({ value: 42, exists: true });
    expect(call(service, "config_getint", { key: "negative" })).toEqual({ value: -7, exists: true });
    expect(call(service, "config_getint", { key: "plus" })).toEqual({ value: 3, exists: true });
    expect(call(service, "config_getint", { key: "zero" })).toEqual({ exists: true });
  });

  test.each([["1.5"], ["1e3"], [" 1"], ["0x10"], ["ten"], [""], ["9223372036854775808"]])("getint of %j reports not existing", (text) => {
    expect(call(configService({ value: text }), "config_getint", { key: "value" })).toEqual({});
  });

  test("getint of a missing key replies {}", () => {
    expect(call(configService({}), "config_getint", { key: "missing" })).toEqual({});
  });

  test("keys are sorted", () => {
    const reply = call(configService({ b: "1", a: "2", c: "3" }), "config_keys", {});
    expect(reply).toEqual({ keys: ["a", "b", "c"] });
  });

  test("keys filter by prefix", () => {
    const service = configService({ "user.alice": "1", "user.bob": "2", userx: "3", other: "4" });
    expect(call(service, "config_keys", { prefix: "user." })).toEqual({ keys: ["user.alice", "user.bob"] });
  });

  test("keys prefix is case-sensitive", () => {
    expect(call(configService({ User: "1" }), "config_keys", { prefix: "user" })).toEqual({});
  });

  test("keys with no match omit keys", () => {
    expect(call(configService({ a: "1" }), "config_keys", { prefix: "zzz" })).toEqual({});
  });

  test("keys with a null prefix list all", () => {
    expect(call(configService({ a: "1" }), "config_keys", { prefix: null })).toEqual({ keys: ["a"] });
  });
});

describe("compareByteOrder", () => {
  test("orders astral characters after U+FFFD", () => {
    // "\u{1F600}" is U+1F600, above U+FFFD, although its first UTF-16 unit (0xD83D) is below 0xFFFD.
    expect(["\u{1F600}", "\uFFFD", "a"].sort(compareByteOrder)).toEqual(["a", "\uFFFD", "\u{1F600}"]);
  });

  test("orders a prefix first", () => {
    expect(["ab", "a"].sort(compareByteOrder)).toEqual(["a", "ab"]);
  });
});
