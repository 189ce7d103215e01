import { describe, expect, test } from "vitest";

import { config } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

// Navidrome declares no error for the config functions, but it still sets the `error` key when it
// cannot decode the request or encode the response, so the shared failure tests apply to them too.

describe("config.get", () => {
  test("sends the key", () => {
    expect(requestOf("config_get", () => config.get("apiKey"))).toBe('{"key":"apiKey"}');
  });

  test("decodes a set value", () => {
    expect(resultOf("config_get", '{"value":"s3cr3t","exists":true}', () => config.get("apiKey"))).toBe("s3cr3t");
  });

  test("set empty value gives empty string", () => {
    expect(resultOf("config_get", '{"exists":true}', () => config.get("apiKey"))).toBe("");
  });

  test("missing key gives undefined", () => {
    expect(resultOf("config_get", "{}", () => config.get("apiKey"))).toBeUndefined();
  });

  testFailedCalls({ service: "config", name: "get", importName: "config_get", call: () => config.get("k") });
});

describe("config.getInt", () => {
  test("sends the key", () => {
    expect(requestOf("config_getint", () => config.getInt("maxItems"))).toBe('{"key":"maxItems"}');
  });

  test("decodes a set integer", () => {
    expect(resultOf("config_getint", '{"value":250,"exists":true}', () => config.getInt("maxItems"))).toBe(250);
  });

  test("set 0 gives 0, not undefined", () => {
    expect(resultOf("config_getint", '{"exists":true}', () => config.getInt("maxItems"))).toBe(0);
  });

  test("missing key gives undefined", () => {
    expect(resultOf("config_getint", "{}", () => config.getInt("maxItems"))).toBeUndefined();
  });

  testFailedCalls({ service: "config", name: "getInt", importName: "config_getint", call: () => config.getInt("k") });
});

describe("config.keys", () => {
  test("leaves out a prefix not given", () => {
    expect(requestOf("config_keys", () => config.keys())).toBe("{}");
  });

  test("sends the prefix when given", () => {
    expect(requestOf("config_keys", () => config.keys("lastfm."))).toBe('{"prefix":"lastfm."}');
  });

  test("decodes the keys", () => {
    const keys = resultOf("config_keys", '{"keys":["lastfm.apiKey","lastfm.secret"]}', () => config.keys("lastfm."));

    expect(keys).toEqual(["lastfm.apiKey", "lastfm.secret"]);
  });

  test.each([
    ["absent", "{}"],
    ["null", '{"keys":null}'],
  ])("%s keys give an empty array", (_label, reply) => {
    expect(resultOf("config_keys", reply, () => config.keys())).toEqual([]);
  });

  testFailedCalls({ service: "config", name: "keys", importName: "config_keys", call: () => config.keys() });
});
