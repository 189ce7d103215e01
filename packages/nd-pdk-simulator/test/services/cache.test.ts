import { describe, expect, test } from "vitest";

import type { CacheValue } from "../../src/services/cache.js";
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

describe("cache put", () => {
  test("each type is returned by its own getter", () => {
    const { service } = cache();
    service.put("s", { type: "string", value: "text" });
    service.put("i", { type: "int", value: 42 });
    service.put("f", { type: "float", value: 1.5 });
    service.put("b", { type: "bytes", value: new TextEncoder().encode("raw") });

    expect(call(service, "cache_getstring", { key: "s" })).toEqual({ value: "text", exists: true });
    expect(call(service, "cache_getint", { key: "i" })).toEqual({ value: 42, exists: true });
    expect(call(service, "cache_getfloat", { key: "f" })).toEqual({ value: 1.5, exists: true });
    expect(call(service, "cache_getbytes", { key: "b" })).toEqual({ value: base64("raw"), exists: true });
    expect(call(service, "cache_getstring", { key: "i" })).toEqual({});
  });

  test("ttl entry expires on the clock", () => {
    const { ctx, service } = cache();
    service.put("short", { type: "string", value: "x" }, { ttlSeconds: 10 });
    service.put("default", { type: "string", value: "y" });

    ctx.clock.advance(9_999);
    expect(call(service, "cache_has", { key: "short" })).toEqual({ exists: true });
    ctx.clock.advance(1);
    expect(call(service, "cache_has", { key: "short" })).toEqual({});

    expect(service.entries().get("default")?.expiresAt).toBe(ctx.clock.now() - 10_000 + DEFAULT_CACHE_TTL_MS);
  });

  test("entry copied from entries gets a new expiry", () => {
    const { ctx, service } = cache();
    service.put("k", { type: "int", value: 1 }, { ttlSeconds: 5 });
    const entry = service.entries().get("k");
    if (entry === undefined) throw new Error("the entry was not stored");

    ctx.clock.advance(4_000);
    service.put("k", entry, { ttlSeconds: 5 });

    expect(service.entries().get("k")).toEqual({ type: "int", value: 1, expiresAt: ctx.clock.now() + 5_000 });
  });

  test("rejects a value that does not match its type", () => {
    const { service } = cache();
    const put = (value: unknown) => () => service.put("k", value as CacheValue);

    expect(put({ type: "int", value: 1.5 })).toThrow('cache.put("k"): an "int" value must be a safe integer, received 1.5');
    expect(put({ type: "int", value: 2 ** 53 })).toThrow("must be a safe integer");
    expect(put({ type: "float", value: Number.POSITIVE_INFINITY })).toThrow('a "float" value must be a finite number, received Infinity');
    expect(put({ type: "string", value: 3 })).toThrow('a "string" value must be a string, received number');
    expect(put({ type: "bytes", value: "raw" })).toThrow('a "bytes" value must be a Uint8Array, received string');
    expect(put({ type: "json", value: {} })).toThrow('type must be "string", "int", "float" or "bytes", received "json"');
    expect(put("text")).toThrow("value must be an object with type and value, received string");
    expect(service.entries().size).toBe(0);
  });

  test("rejects a ttl that is not an integer", () => {
    const { service } = cache();

    expect(() => service.put("k", { type: "string", value: "v" }, { ttlSeconds: 0.5 })).toThrow(
      'cache.put("k"): ttlSeconds must be an integer, received 0.5; pass whole seconds, or leave ttlSeconds out for 24 hours',
    );
  });
});
