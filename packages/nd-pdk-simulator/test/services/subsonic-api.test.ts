import { describe, expect, test } from "vitest";

import type { NavidromeOptions } from "../../src/options.js";
import { createSubsonicApiService, SIMULATED_SERVER_VERSION } from "../../src/services/subsonic-api.js";
import { call, callError, createTestContext, importNamesOf } from "./context.js";

const okEnvelope = { status: "ok", version: "1.16.1", type: "navidrome", serverVersion: SIMULATED_SERVER_VERSION, openSubsonic: true };

function subsonic(extra: Partial<NavidromeOptions> = {}) {
  const ctx = createTestContext({ users: {}, subsonicapi: {} });
  const service = createSubsonicApiService(ctx, {
    manifest: {},
    pluginId: "my-plugin",
    users: [{ userName: "alice" }, { userName: "bob" }],
    subsonic: {
      ping: {},
      getAlbumList2: (params: URLSearchParams) => ({ albumList2: { album: [{ id: "al-1", name: `for ${params.get("u")}` }] } }),
      "getUser.view": { user: { username: "alice" } },
      getCoverArt: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]),
      getBroken: { "subsonic-response": { status: "failed", version: "1.16.1", error: { code: 10, message: "missing id" } } },
    },
    ...extra,
  });
  return { ctx, service };
}

function responseOf(reply: Record<string, unknown>): unknown {
  expect(typeof reply["responseJson"]).toBe("string");
  return JSON.parse(reply["responseJson"] as string);
}

describe("subsonic api service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(subsonic().service.functions).sort()).toEqual(importNamesOf("subsonicApi"));
  });

  test("call wraps the response in the envelope", () => {
    const reply = call(subsonic().service, "subsonicapi_call", { uri: "getAlbumList2?type=random&u=alice" });
    expect(responseOf(reply)).toEqual({ "subsonic-response": { ...okEnvelope, albumList2: { album: [{ id: "al-1", name: "for alice" }] } } });
  });

  test.each([["ping?u=alice"], ["/rest/ping?u=alice"], ["/rest/ping.view?u=alice"], ["https://other.example.com/rest/ping?u=alice"], ["ping.view?u=alice#frag"]])(
    "accepts the uri form %s",
    (uri) => {
      expect(responseOf(call(subsonic().service, "subsonicapi_call", { uri }))).toEqual({ "subsonic-response": okEnvelope });
    },
  );

  test("finds responses keyed with .view", () => {
    const reply = call(subsonic().service, "subsonicapi_call", { uri: "getUser?u=alice&username=alice" });
    expect(responseOf(reply)).toEqual({ "subsonic-response": { ...okEnvelope, user: { username: "alice" } } });
  });

  test("passes a full response unchanged", () => {
    const reply = call(subsonic().service, "subsonicapi_call", { uri: "getBroken?u=alice" });
    expect(responseOf(reply)).toEqual({ "subsonic-response": { status: "failed", version: "1.16.1", error: { code: 10, message: "missing id" } } });
  });

  test("unknown endpoint gives error 70", () => {
    const { ctx, service } = subsonic();
    const reply = call(service, "subsonicapi_call", { uri: "getNothing?u=alice" });

    expect(responseOf(reply)).toEqual({
      "subsonic-response": { ...okEnvelope, status: "failed", error: { code: 70, message: 'endpoint "getNothing" not found' } },
    });
    expect(ctx.logLines).toEqual([
      {
        level: "warn",
        message: 'Subsonic API: endpoint "getNothing" has no canned response, so the plugin receives error 70. Add it to the subsonic option of createNavidrome.',
      },
    ]);
  });

  test("sets Navidrome's own parameters", () => {
    const { service } = subsonic();
    call(service, "subsonicapi_call", { uri: "/rest/ping.view?u=alice&c=spoofed&v=1.0.0&f=xml&extra=1" });
    call(service, "subsonicapi_callraw", { uri: "ping?u=bob" });

    const [first, second] = service.requests();
    expect(first?.endpoint).toBe("ping");
    expect(Object.fromEntries(first?.params ?? [])).toEqual({ u: "alice", c: "my-plugin", v: "1.16.1", f: "json", extra: "1" });
    expect(first?.raw).toBe(false);
    expect(Object.fromEntries(second?.params ?? [])).toEqual({ u: "bob", c: "my-plugin", v: "1.16.1" });
    expect(second?.raw).toBe(true);
  });

  test("missing u fails", () => {
    const { service } = subsonic();
    expect(callError(service, "subsonicapi_call", { uri: "ping" })).toBe("missing required parameter 'u' (username)");
    expect(callError(service, "subsonicapi_call", { uri: "ping?u=" })).toBe("missing required parameter 'u' (username)");
    expect(callError(service, "subsonicapi_callraw", { uri: "ping" })).toBe("missing required parameter 'u' (username)");
    expect(service.requests()).toEqual([]);
  });

  test("unknown user fails", () => {
    expect(callError(subsonic().service, "subsonicapi_call", { uri: "ping?u=mallory" })).toBe("username mallory not found");
  });

  test("disallowed user fails", () => {
    const { service } = subsonic({ allowedUsers: ["alice"] });
    expect(callError(service, "subsonicapi_call", { uri: "ping?u=bob" })).toBe("user bob is not authorized for this plugin");
  });

  test("no allowed users fails", () => {
    const { service } = subsonic({ allowedUsers: [] });
    expect(callError(service, "subsonicapi_call", { uri: "ping?u=alice" })).toBe("no users configured for plugin my-plugin");
  });

  test("bad escape in the path fails", () => {
    expect(callError(subsonic().service, "subsonicapi_call", { uri: "pi%zzng?u=alice" })).toBe('invalid URL format: parse "pi%zzng?u=alice": invalid URL escape "%zz"');
  });

  test("callraw returns JSON bytes", () => {
    const reply = call(subsonic().service, "subsonicapi_callraw", { uri: "ping?u=alice" });

    expect(reply["contentType"]).toBe("application/json");
    const text = Buffer.from(reply["data"] as string, "base64").toString("utf8");
    expect(JSON.parse(text)).toEqual({ "subsonic-response": okEnvelope });
  });

  test("callraw sniffs binary response types", () => {
    const reply = call(subsonic().service, "subsonicapi_callraw", { uri: "getCoverArt?id=al-1&u=alice" });
    expect(reply).toEqual({ contentType: "image/jpeg", data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2]).toString("base64") });
  });
});
