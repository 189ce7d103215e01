import { describe, expect, test } from "vitest";

import { cache } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

describe("cache.setString", () => {
  test("leaves out ttlSeconds not given", () => {
    expect(requestOf("cache_setstring", () => cache.setString("greeting", "hi"))).toBe('{"key":"greeting","value":"hi"}');
  });

  test("sends ttlSeconds when given", () => {
    const request = requestOf("cache_setstring", () => cache.setString("greeting", "hi", 60));

    expect(request).toBe('{"key":"greeting","value":"hi","ttlSeconds":60}');
  });

  test("sends ttlSeconds 0 when given", () => {
    expect(requestOf("cache_setstring", () => cache.setString("k", "", 0))).toBe('{"key":"k","value":"","ttlSeconds":0}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("cache_setstring", "{}", () => cache.setString("k", "v"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "setString", importName: "cache_setstring", call: () => cache.setString("k", "v") });
});

describe("cache.getString", () => {
  test("sends the key", () => {
    expect(requestOf("cache_getstring", () => cache.getString("greeting"))).toBe('{"key":"greeting"}');
  });

  test("decodes a stored string", () => {
    expect(resultOf("cache_getstring", '{"value":"hi","exists":true}', () => cache.getString("greeting"))).toBe("hi");
  });

  test("stored empty string gives empty string", () => {
    expect(resultOf("cache_getstring", '{"exists":true}', () => cache.getString("greeting"))).toBe("");
  });

  test("missing key gives undefined", () => {
    expect(resultOf("cache_getstring", "{}", () => cache.getString("greeting"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "getString", importName: "cache_getstring", call: () => cache.getString("k") });
});

describe("cache.setInt", () => {
  test("leaves out ttlSeconds not given", () => {
    expect(requestOf("cache_setint", () => cache.setInt("count", -42))).toBe('{"key":"count","value":-42}');
  });

  test("sends ttlSeconds when given", () => {
    expect(requestOf("cache_setint", () => cache.setInt("count", 42, 86400))).toBe('{"key":"count","value":42,"ttlSeconds":86400}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("cache_setint", "{}", () => cache.setInt("count", 1))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "setInt", importName: "cache_setint", call: () => cache.setInt("k", 1) });
});

describe("cache.getInt", () => {
  test("sends the key", () => {
    expect(requestOf("cache_getint", () => cache.getInt("count"))).toBe('{"key":"count"}');
  });

  test("decodes a stored integer", () => {
    expect(resultOf("cache_getint", '{"value":-42,"exists":true}', () => cache.getInt("count"))).toBe(-42);
  });

  test("stored 0 gives 0, not undefined", () => {
    expect(resultOf("cache_getint", '{"exists":true}', () => cache.getInt("count"))).toBe(0);
  });

  test("missing key gives undefined", () => {
    expect(resultOf("cache_getint", "{}", () => cache.getInt("count"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "getInt", importName: "cache_getint", call: () => cache.getInt("k") });
});

describe("cache.setFloat", () => {
  test("leaves out ttlSeconds not given", () => {
    expect(requestOf("cache_setfloat", () => cache.setFloat("ratio", 0.25))).toBe('{"key":"ratio","value":0.25}');
  });

  test("sends ttlSeconds when given", () => {
    expect(requestOf("cache_setfloat", () => cache.setFloat("ratio", -1.5, 5))).toBe('{"key":"ratio","value":-1.5,"ttlSeconds":5}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("cache_setfloat", "{}", () => cache.setFloat("ratio", 1))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "setFloat", importName: "cache_setfloat", call: () => cache.setFloat("k", 1.5) });
});

describe("cache.getFloat", () => {
  test("sends the key", () => {
    expect(requestOf("cache_getfloat", () => cache.getFloat("ratio"))).toBe('{"key":"ratio"}');
  });

  test("decodes a stored number", () => {
    expect(resultOf("cache_getfloat", '{"value":0.25,"exists":true}', () => cache.getFloat("ratio"))).toBe(0.25);
  });

  test("stored 0 gives 0, not undefined", () => {
    expect(resultOf("cache_getfloat", '{"exists":true}', () => cache.getFloat("ratio"))).toBe(0);
  });

  test("missing key gives undefined", () => {
    expect(resultOf("cache_getfloat", "{}", () => cache.getFloat("ratio"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "getFloat", importName: "cache_getfloat", call: () => cache.getFloat("k") });
});

describe("cache.setBytes", () => {
  test("leaves out ttlSeconds not given", () => {
    expect(requestOf("cache_setbytes", () => cache.setBytes("blob", Uint8Array.of(1, 2, 3)))).toBe('{"key":"blob","value":"AQID"}');
  });

  test("sends ttlSeconds when given", () => {
    const request = requestOf("cache_setbytes", () => cache.setBytes("blob", Uint8Array.of(0xfb, 0xff), 30));

    expect(request).toBe('{"key":"blob","value":"+/8=","ttlSeconds":30}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("cache_setbytes", "{}", () => cache.setBytes("blob", new Uint8Array(0)))).toBeUndefined();
  });

  testFailedCalls({
    service: "cache",
    name: "setBytes",
    importName: "cache_setbytes",
    call: () => cache.setBytes("k", Uint8Array.of(1)),
  });
});

describe("cache.getBytes", () => {
  test("sends the key", () => {
    expect(requestOf("cache_getbytes", () => cache.getBytes("blob"))).toBe('{"key":"blob"}');
  });

  test("decodes stored bytes", () => {
    const value = resultOf("cache_getbytes", '{"value":"AQID","exists":true}', () => cache.getBytes("blob"));

    expect(value).toEqual(Uint8Array.of(1, 2, 3));
    expect(value).toBeInstanceOf(Uint8Array);
  });

  test.each([
    ["absent", '{"exists":true}'],
    ["null", '{"value":null,"exists":true}'],
  ])("stored empty value (%s) gives empty bytes", (_label, reply) => {
    expect(resultOf("cache_getbytes", reply, () => cache.getBytes("blob"))).toEqual(new Uint8Array(0));
  });

  test("missing key gives undefined", () => {
    expect(resultOf("cache_getbytes", "{}", () => cache.getBytes("blob"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "getBytes", importName: "cache_getbytes", call: () => cache.getBytes("k") });
});

describe("cache.has", () => {
  test("sends the key", () => {
    expect(requestOf("cache_has", () => cache.has("blob"))).toBe('{"key":"blob"}');
  });

  test.each([
    ['{"exists":true}', true],
    ['{"exists":false}', false],
    ["{}", false],
  ])("reply %s gives %s", (reply, expected) => {
    expect(resultOf("cache_has", reply, () => cache.has("blob"))).toBe(expected);
  });

  testFailedCalls({ service: "cache", name: "has", importName: "cache_has", call: () => cache.has("k") });
});

describe("cache.remove", () => {
  test("sends the key", () => {
    expect(requestOf("cache_remove", () => cache.remove("blob"))).toBe('{"key":"blob"}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("cache_remove", "{}", () => cache.remove("blob"))).toBeUndefined();
  });

  testFailedCalls({ service: "cache", name: "remove", importName: "cache_remove", call: () => cache.remove("k") });
});
