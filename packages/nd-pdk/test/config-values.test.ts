import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { afterEach, describe, expect, test } from "vitest";

import { ConfigValueError, configBoolean, configJson, configNumber, configString, HostCallError, NdPdkError, requireConfig } from "../src/index.js";

let fake: FakeExtism | undefined;

afterEach(() => {
  fake?.uninstall();
  fake = undefined;
});

/** Installs the fake runtime with a config_get host function that serves `values`, as Navidrome does. */
function withConfig(values: Record<string, string>): FakeExtism {
  fake = installFakeExtism({
    hostFunctions: {
      config_get(request) {
        const { key } = JSON.parse(request) as { key: string };
        const value = values[key];
        return value === undefined ? "{}" : JSON.stringify({ value, exists: true });
      },
    },
  });
  return fake;
}

function configErrorThrownBy(action: () => unknown): ConfigValueError {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigValueError) return error;
    throw error;
  }
  throw new Error("expected a ConfigValueError, but the call returned normally");
}

describe("configString", () => {
  test("value that is set", () => {
    const runtime = withConfig({ apiKey: "abc123" });

    expect(configString("apiKey")).toBe("abc123");
    expect(runtime.calls).toEqual([{ name: "config_get", request: '{"key":"apiKey"}', reply: '{"value":"abc123","exists":true}' }]);
  });

  test("missing value", () => {
    withConfig({});

    expect(configString("apiKey")).toBeUndefined();
  });

  test("empty value counts as not set", () => {
    withConfig({ apiKey: "" });

    expect(configString("apiKey")).toBeUndefined();
  });

  test("reply with exists false", () => {
    fake = installFakeExtism({ hostFunctions: { config_get: () => '{"value":"","exists":false}' } });

    expect(configString("apiKey")).toBeUndefined();
  });

  test("whitespace is kept", () => {
    withConfig({ separator: " | " });

    expect(configString("separator")).toBe(" | ");
  });

  test("host error becomes a HostCallError", () => {
    fake = installFakeExtism({ hostFunctions: { config_get: () => '{"error":"config service unavailable"}' } });

    expect(() => configString("apiKey")).toThrow(HostCallError);
    expect(() => configString("apiKey")).toThrow("config.get (config_get): config service unavailable");
  });
});

describe("requireConfig", () => {
  test("value that is set", () => {
    withConfig({ apiKey: "abc123" });

    expect(requireConfig("apiKey")).toBe("abc123");
  });

  test("missing value names the key and the fix", () => {
    withConfig({});

    const error = configErrorThrownBy(() => requireConfig("apiKey"));

    expect(error.key).toBe("apiKey");
    expect(error.message).toBe('plugin configuration "apiKey" is not set; set it in the plugin\'s settings in Navidrome');
  });

  test("empty value is missing", () => {
    withConfig({ apiKey: "" });

    const error = configErrorThrownBy(() => requireConfig("apiKey"));

    expect(error.message).toContain('"apiKey" is not set');
  });
});

describe("configNumber", () => {
  test.each([
    ["42", 42],
    ["-7", -7],
    ["+3", 3],
    ["0.25", 0.25],
    [".5", 0.5],
    ["10.", 10],
    ["1e3", 1000],
    ["2.5E-2", 0.025],
    [" 30 ", 30],
  ])("reads %j as %d", (text, expected) => {
    withConfig({ timeoutSeconds: text });

    expect(configNumber("timeoutSeconds")).toBe(expected);
  });

  test("missing value", () => {
    withConfig({});

    expect(configNumber("timeoutSeconds")).toBeUndefined();
  });

  test.each(["abc", "12abc", "0x10", "Infinity", "NaN", "1,5", "1e999", "   ", "--1"])("rejects %j", (text) => {
    withConfig({ timeoutSeconds: text });

    const error = configErrorThrownBy(() => configNumber("timeoutSeconds"));

    expect(error.key).toBe("timeoutSeconds");
    expect(error.message).toBe(
      `plugin configuration "timeoutSeconds" is ${JSON.stringify(text)}, which is not a number; correct it in the plugin's settings in Navidrome`,
    );
  });
});

describe("configBoolean", () => {
  test.each([
    ["true", true],
    ["false", false],
    ["TRUE", true],
    ["False", false],
    [" true ", true],
  ])("reads %j as %s", (text, expected) => {
    withConfig({ scrobbleEnabled: text });

    expect(configBoolean("scrobbleEnabled")).toBe(expected);
  });

  test("missing value", () => {
    withConfig({});

    expect(configBoolean("scrobbleEnabled")).toBeUndefined();
  });

  test.each(["yes", "1", "on", "t"])("rejects %j", (text) => {
    withConfig({ scrobbleEnabled: text });

    const error = configErrorThrownBy(() => configBoolean("scrobbleEnabled"));

    expect(error.key).toBe("scrobbleEnabled");
    expect(error.message).toContain(`plugin configuration "scrobbleEnabled" is ${JSON.stringify(text)}, which is not true or false`);
    expect(error.message).toContain("correct it in the plugin's settings in Navidrome");
  });
});

describe("configJson", () => {
  test("object", () => {
    withConfig({ users: '{"alice":"token-a","bob":"token-b"}' });

    expect(configJson("users")).toEqual({ alice: "token-a", bob: "token-b" });
  });

  test("array", () => {
    withConfig({ genres: '["jazz","blues"]' });

    expect(configJson("genres")).toEqual(["jazz", "blues"]);
  });

  test("missing value", () => {
    withConfig({});

    expect(configJson("users")).toBeUndefined();
  });

  test("invalid JSON names the key and the fix", () => {
    withConfig({ users: "{alice: token-a}" });

    const error = configErrorThrownBy(() => configJson("users"));

    expect(error.key).toBe("users");
    expect(error.message).toBe(
      'plugin configuration "users" is "{alice: token-a}", which is not valid JSON; correct it in the plugin\'s settings in Navidrome',
    );
  });
});

describe("ConfigValueError", () => {
  test("is an NdPdkError recognised across copies", () => {
    withConfig({});

    const error = configErrorThrownBy(() => requireConfig("apiKey"));

    expect(error).toBeInstanceOf(NdPdkError);
    expect(error.name).toBe("ConfigValueError");
    expect(ConfigValueError.isInstance(error)).toBe(true);
    expect(NdPdkError.isInstance(error)).toBe(true);
    expect(ConfigValueError.isInstance(new Error("plain"))).toBe(false);
  });
});
