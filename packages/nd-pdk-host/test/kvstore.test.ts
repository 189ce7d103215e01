import { describe, expect, test } from "vitest";

import { kvstore } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

const hello = new TextEncoder().encode("hello");

describe("kvstore.set", () => {
  test("sends key and base64 value", () => {
    expect(requestOf("kvstore_set", () => kvstore.set("token", hello))).toBe('{"key":"token","value":"aGVsbG8="}');
  });

  test("encodes bytes with the standard alphabet", () => {
    const request = requestOf("kvstore_set", () => kvstore.set("k", Uint8Array.of(0xfb, 0xff, 0xbf)));

    expect(request).toBe('{"key":"k","value":"+/+/"}');
  });

  test("sends an empty value as empty base64", () => {
    expect(requestOf("kvstore_set", () => kvstore.set("k", new Uint8Array(0)))).toBe('{"key":"k","value":""}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("kvstore_set", "{}", () => kvstore.set("k", hello))).toBeUndefined();
  });

  testFailedCalls({ service: "kvstore", name: "set", importName: "kvstore_set", call: () => kvstore.set("k", hello) });
});

describe("kvstore.setWithTtl", () => {
  test("sends key, value and ttlSeconds", () => {
    const request = requestOf("kvstore_setwithttl", () => kvstore.setWithTtl("session", Uint8Array.of(1, 2, 3), 3600));

    expect(request).toBe('{"key":"session","value":"AQID","ttlSeconds":3600}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("kvstore_setwithttl", "{}", () => kvstore.setWithTtl("k", hello, 1))).toBeUndefined();
  });

  testFailedCalls({
    service: "kvstore",
    name: "setWithTtl",
    importName: "kvstore_setwithttl",
    call: () => kvstore.setWithTtl("k", hello, 60),
  });
});

describe("kvstore.get", () => {
  test("sends the key", () => {
    expect(requestOf("kvstore_get", () => kvstore.get("token"))).toBe('{"key":"token"}');
  });

  test("decodes a stored value", () => {
    const value = resultOf("kvstore_get", '{"value":"aGVsbG8=","exists":true}', () => kvstore.get("token"));

    expect(value).toEqual(hello);
    expect(value).toBeInstanceOf(Uint8Array);
  });

  test("missing key gives undefined", () => {
    expect(resultOf("kvstore_get", "{}", () => kvstore.get("token"))).toBeUndefined();
  });

  test.each([
    ["absent", '{"exists":true}'],
    ["null", '{"value":null,"exists":true}'],
  ])("stored empty value (%s) gives empty bytes", (_label, reply) => {
    expect(resultOf("kvstore_get", reply, () => kvstore.get("token"))).toEqual(new Uint8Array(0));
  });

  test("value without exists gives undefined", () => {
    expect(resultOf("kvstore_get", '{"value":"aGVsbG8="}', () => kvstore.get("token"))).toBeUndefined();
  });

  testFailedCalls({ service: "kvstore", name: "get", importName: "kvstore_get", call: () => kvstore.get("k") });
});

describe("kvstore.getMany", () => {
  test("sends the keys in order", () => {
    expect(requestOf("kvstore_getmany", () => kvstore.getMany(["b", "a"]))).toBe('{"keys":["b","a"]}');
  });

  test("sends an empty key list", () => {
    expect(requestOf("kvstore_getmany", () => kvstore.getMany([]))).toBe('{"keys":[]}');
  });

  test("decodes a map of base64 values", () => {
    const values = resultOf("kvstore_getmany", '{"values":{"a":"AQID","b":"aGVsbG8=","c":""}}', () =>
      kvstore.getMany(["a", "b", "c", "d"]),
    );

    expect(values).toEqual({ a: Uint8Array.of(1, 2, 3), b: hello, c: new Uint8Array(0) });
    expect(values["a"]).toBeInstanceOf(Uint8Array);
    expect(Object.keys(values)).toEqual(["a", "b", "c"]);
  });

  test("null value in the map gives empty bytes", () => {
    expect(resultOf("kvstore_getmany", '{"values":{"a":null}}', () => kvstore.getMany(["a"]))).toEqual({
      a: new Uint8Array(0),
    });
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"values":null}'],
  ])("%s values give an empty record", (_label, reply) => {
    expect(resultOf("kvstore_getmany", reply, () => kvstore.getMany(["a"]))).toStrictEqual({});
  });

  testFailedCalls({ service: "kvstore", name: "getMany", importName: "kvstore_getmany", call: () => kvstore.getMany(["a"]) });
});

describe("kvstore.has", () => {
  test("sends the key", () => {
    expect(requestOf("kvstore_has", () => kvstore.has("token"))).toBe('{"key":"token"}');
  });

  test.each([
    ['{"exists":true}', true],
    ['{"exists":false}', false],
    ["{}", false],
  ])("reply %s gives %s", (reply, expected) => {
    expect(resultOf("kvstore_has", reply, () => kvstore.has("token"))).toBe(expected);
  });

  testFailedCalls({ service: "kvstore", name: "has", importName: "kvstore_has", call: () => kvstore.has("k") });
});

describe("kvstore.list", () => {
  test("leaves out a prefix not given", () => {
    expect(requestOf("kvstore_list", () => kvstore.list())).toBe("{}");
  });

  test.each([
    ["user:", '{"prefix":"user:"}'],
    ["", '{"prefix":""}'],
  ])("sends prefix %j when given", (prefix, expected) => {
    expect(requestOf("kvstore_list", () => kvstore.list(prefix))).toBe(expected);
  });

  test("decodes the keys", () => {
    expect(resultOf("kvstore_list", '{"keys":["user:1","user:2"]}', () => kvstore.list("user:"))).toEqual(["user:1", "user:2"]);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"keys":null}'],
  ])("%s keys give an empty array", (_label, reply) => {
    expect(resultOf("kvstore_list", reply, () => kvstore.list())).toEqual([]);
  });

  testFailedCalls({ service: "kvstore", name: "list", importName: "kvstore_list", call: () => kvstore.list() });
});

describe("kvstore.delete", () => {
  test("sends the key", () => {
    expect(requestOf("kvstore_delete", () => kvstore.delete("token"))).toBe('{"key":"token"}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("kvstore_delete", "{}", () => kvstore.delete("token"))).toBeUndefined();
  });

  testFailedCalls({ service: "kvstore", name: "delete", importName: "kvstore_delete", call: () => kvstore.delete("k") });
});

describe("kvstore.deleteByPrefix", () => {
  test("sends the prefix", () => {
    expect(requestOf("kvstore_deletebyprefix", () => kvstore.deleteByPrefix("cache:"))).toBe('{"prefix":"cache:"}');
  });

  test("decodes the deleted count", () => {
    expect(resultOf("kvstore_deletebyprefix", '{"deletedCount":12}', () => kvstore.deleteByPrefix("cache:"))).toBe(12);
  });

  test("absent count gives 0", () => {
    expect(resultOf("kvstore_deletebyprefix", "{}", () => kvstore.deleteByPrefix("cache:"))).toBe(0);
  });

  testFailedCalls({
    service: "kvstore",
    name: "deleteByPrefix",
    importName: "kvstore_deletebyprefix",
    call: () => kvstore.deleteByPrefix("p"),
  });
});

describe("kvstore.getStorageUsed", () => {
  test("sends an empty object", () => {
    expect(requestOf("kvstore_getstorageused", () => kvstore.getStorageUsed())).toBe("{}");
  });

  test("decodes the byte count", () => {
    expect(resultOf("kvstore_getstorageused", '{"bytes":1048576}', () => kvstore.getStorageUsed())).toBe(1048576);
  });

  test("accepts the largest exact integer", () => {
    const reply = '{"bytes":9007199254740991}';

    expect(resultOf("kvstore_getstorageused", reply, () => kvstore.getStorageUsed())).toBe(Number.MAX_SAFE_INTEGER);
  });

  test("absent byte count gives 0", () => {
    expect(resultOf("kvstore_getstorageused", "{}", () => kvstore.getStorageUsed())).toBe(0);
  });

  testFailedCalls({
    service: "kvstore",
    name: "getStorageUsed",
    importName: "kvstore_getstorageused",
    call: () => kvstore.getStorageUsed(),
  });
});
