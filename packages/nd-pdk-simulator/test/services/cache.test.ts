import { describe, expect, test } from "vitest";

import { createCacheService, DEFAULT_CACHE_TTL_MS } from "../../src/services/cache.js";
import { base64, call, callError, createTestContext, importNamesOf } from "./context.js";

function cache() {
  const ctx = createTestContext({ cache: {} });
  return { ctx, service: createCacheService(ctx, { manifest: {} }) };
}

describe("cache service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(cache().service.functions).sort()).toEqual(importNamesOf("cache"));
  });

  test("stores each type", () => {
    const { service } = cache();
    call(service, "cache_setstring", { key: "s", value: "text" });
    call(service, "cache_setint", { key: "i", value: 42 });
    call(service, "cache_setfloat", { key: "f", value: 1.5 });
    call(service, "cache_setbytes", { key: "b", value: base64("raw") });

    expect(call(service, "cache_getstring", { key: "s" })).toEqual({ value: "text", exists: true });
    expect(call(service, "cache_getint", { key: "i" })).toEqual({ value: 42, exists: true });
    expect(call(service, "cache_getfloat", { key: "f" })).toEqual({ value: 1.5, exists: true });
    expect(call(service, "cache_getbytes", { key: "b" })).toEqual({ value: base64("raw"), exists: true });
  });

  test("zero values omit value", () => {
    const { service } = cache();
    call(service, "cache_setstring", { key: "s", value: "" });
    call(service, "cache_setint", { key: "i", value: 0 });
    call(service, "cache_setfloat", { key: "f", value: 0 });
    call(service, "cache_setbytes", { key: "b", value: "" });

    expect(call(service, "cache_getstring", { key: "s" })).toEqual({ exists: true });
    expect(call(service, "cache_getint", { key: "i" })).toEqual({ exists: true });
    expect(call(service, "cache_getfloat", { key: "f" })).toEqual({ exists: true });
    expect(call(service, "cache_getbytes", { key: "b" })).toEqual({ exists: true });
  });

  test("getter of another type reports not existing", () => {
    const { service } = cache();
    call(service, "cache_setint", { key: "n", value: 7 });

    expect(call(service, "cache_getstring", { key: "n" })).toEqual({});
    expect(call(service, "cache_getfloat", { key: "n" })).toEqual({});
    expect(call(service, "cache_getbytes", { key: "n" })).toEqual({});
    expect(call(service, "cache_has", { key: "n" })).toEqual({ exists: true });
  });

  test("whole float stays a float", () => {
    const { service } = cache();
    call(service, "cache_setfloat", { key: "f", value: 3 });

    expect(call(service, "cache_getint", { key: "f" })).toEqual({});
    expect(call(service, "cache_getfloat", { key: "f" })).toEqual({ value: 3, exists: true });
  });

  test("setint rejects a fraction", () => {
    expect(callError(cache().service, "cache_setint", { key: "i", value: 1.5 })).toContain('field "value" of type int64');
  });

  test("missing key reports not existing", () => {
    const { service } = cache();
    expect(call(service, "cache_getstring", { key: "none" })).toEqual({});
    expect(call(service, "cache_has", { key: "none" })).toEqual({});
  });

  test("entry expires after its ttl", () => {
    const { ctx, service } = cache();
    call(service, "cache_setstring", { key: "s", value: "v", ttlSeconds: 10 });

    ctx.clock.advance(9_999);
    expect(call(service, "cache_has", { key: "s" })).toEqual({ exists: true });

    ctx.clock.advance(1);
    expect(call(service, "cache_has", { key: "s" })).toEqual({});
    expect(call(service, "cache_getstring", { key: "s" })).toEqual({});
  });

  test.each([[undefined], [0], [-30]])("ttl %j uses the 24 hour default", (ttlSeconds) => {
    const { ctx, service } = cache();
    call(service, "cache_setint", { key: "i", value: 1, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });

    expect(service.entries().get("i")?.expiresAt).toBe(ctx.clock.now() + DEFAULT_CACHE_TTL_MS);
    ctx.clock.advance(DEFAULT_CACHE_TTL_MS - 1);
    expect(call(service, "cache_getint", { key: "i" })).toEqual({ value: 1, exists: true });
    ctx.clock.advance(1);
    expect(call(service, "cache_getint", { key: "i" })).toEqual({});
  });

  test("set replaces type and ttl", () => {
    const { ctx, service } = cache();
    call(service, "cache_setint", { key: "k", value: 1, ttlSeconds: 1 });
    call(service, "cache_setstring", { key: "k", value: "now a string", ttlSeconds: 100 });
    ctx.clock.advance(5_000);

    expect(call(service, "cache_getint", { key: "k" })).toEqual({});
    expect(call(service, "cache_getstring", { key: "k" })).toEqual({ value: "now a string", exists: true });
  });

  test("remove deletes an entry", () => {
    const { service } = cache();
    call(service, "cache_setstring", { key: "s", value: "v" });

    expect(call(service, "cache_remove", { key: "s" })).toEqual({});
    expect(call(service, "cache_has", { key: "s" })).toEqual({});
    expect(call(service, "cache_remove", { key: "never-set" })).toEqual({});
  });

  test("entries show live entries with type", () => {
    const { ctx, service } = cache();
    call(service, "cache_setbytes", { key: "b", value: base64("xy"), ttlSeconds: 5 });
    call(service, "cache_setfloat", { key: "f", value: 2.5, ttlSeconds: 60 });

    const entries = service.entries();
    expect(entries.get("f")).toEqual({ type: "float", value: 2.5, expiresAt: ctx.clock.now() + 60_000 });
    expect(entries.get("b")).toEqual({ type: "bytes", value: new TextEncoder().encode("xy"), expiresAt: ctx.clock.now() + 5_000 });

    ctx.clock.advance(5_000);
    expect([...service.entries().keys()]).toEqual(["f"]);
  });
});
