import { describe, expect, test } from "vitest";

import type { Permissions } from "../../src/manifest/types.js";
import { ServiceError } from "../../src/host/service.js";
import { createKVStoreService, DEFAULT_KVSTORE_MAX_SIZE } from "../../src/services/kvstore.js";
import { base64, call, callError, createTestContext, importNamesOf } from "./context.js";

function kvstore(kvstorePermission: NonNullable<Permissions["kvstore"]> = {}) {
  const ctx = createTestContext({ kvstore: kvstorePermission });
  return { ctx, service: createKVStoreService(ctx, { manifest: {} }) };
}

/** Base64 of `length` zero bytes. */
function zeros(length: number): string {
  return Buffer.alloc(length).toString("base64");
}

describe("kvstore service", () => {
  test("implements every import of the schema", () => {
    expect(Object.keys(kvstore().service.functions).sort()).toEqual(importNamesOf("kvstore"));
  });

  test("set then get returns the bytes", () => {
    const { service } = kvstore();

    expect(call(service, "kvstore_set", { key: "token", value: base64("abc") })).toEqual({});
    expect(call(service, "kvstore_get", { key: "token" })).toEqual({ value: base64("abc"), exists: true });
  });

  test("get of a missing key replies {}", () => {
    expect(call(kvstore().service, "kvstore_get", { key: "missing" })).toEqual({});
  });

  test("get of an empty value omits value", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "empty", value: "" });

    expect(call(service, "kvstore_get", { key: "empty" })).toEqual({ exists: true });
  });

  test("set rejects URL-safe base64", () => {
    expect(callError(kvstore().service, "kvstore_set", { key: "k", value: "-_-_" })).toContain("illegal base64 data");
  });

  test("set rejects an empty key", () => {
    expect(callError(kvstore().service, "kvstore_set", { key: "", value: base64("x") })).toBe("key cannot be empty");
  });

  test("key limit counts UTF-8 bytes", () => {
    const { service } = kvstore();
    // "é" is 2 bytes in UTF-8, so 128 of them are exactly 256 bytes although the string has 128 characters.
    const atLimit = "é".repeat(128);
    const overLimit = `${atLimit}a`;

    expect(call(service, "kvstore_set", { key: atLimit, value: base64("x") })).toEqual({});
    expect(callError(service, "kvstore_set", { key: overLimit, value: base64("x") })).toBe("key exceeds maximum length of 256 bytes");
    expect(callError(service, "kvstore_set", { key: "😀".repeat(65), value: base64("x") })).toBe("key exceeds maximum length of 256 bytes");
  });

  test("default quota is 1 MiB", () => {
    const { service } = kvstore();
    expect(service.maxSize()).toBe(DEFAULT_KVSTORE_MAX_SIZE);
    expect(DEFAULT_KVSTORE_MAX_SIZE).toBe(1_048_576);

    expect(call(service, "kvstore_set", { key: "full", value: zeros(1_048_576) })).toEqual({});
    expect(callError(service, "kvstore_set", { key: "more", value: zeros(1) })).toBe("storage limit exceeded: would use 1.0 MB of 1.0 MB allowed");
  });

  test("maxSize sets the quota in decimal units", () => {
    const { service } = kvstore({ maxSize: "1KB" });
    expect(service.maxSize()).toBe(1000);

    expect(call(service, "kvstore_set", { key: "a", value: zeros(600) })).toEqual({});
    expect(callError(service, "kvstore_set", { key: "b", value: zeros(401) })).toBe("storage limit exceeded: would use 1.0 kB of 1.0 kB allowed");
    expect(call(service, "kvstore_set", { key: "b", value: zeros(400) })).toEqual({});
    expect(service.storageUsed()).toBe(1000);
  });

  test("quota counts only growth when replacing", () => {
    const { service } = kvstore({ maxSize: "100" });
    call(service, "kvstore_set", { key: "a", value: zeros(100) });

    expect(call(service, "kvstore_set", { key: "a", value: zeros(50) })).toEqual({});
    expect(call(service, "kvstore_set", { key: "a", value: zeros(100) })).toEqual({});
    expect(callError(service, "kvstore_set", { key: "a", value: zeros(101) })).toBe("storage limit exceeded: would use 101 B of 100 B allowed");
  });

  test("failed write keeps the old value", () => {
    const { service } = kvstore({ maxSize: "10" });
    call(service, "kvstore_set", { key: "a", value: base64("old") });
    callError(service, "kvstore_set", { key: "a", value: zeros(11) });

    expect(call(service, "kvstore_get", { key: "a" })).toEqual({ value: base64("old"), exists: true });
  });

  test("storage used counts values, not keys", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "a-rather-long-key", value: base64("12345") });
    call(service, "kvstore_set", { key: "b", value: base64("678") });

    expect(call(service, "kvstore_getstorageused")).toEqual({ bytes: 8 });
    expect(service.storageUsed()).toBe(8);
  });

  test("storage used of an empty store replies {}", () => {
    expect(call(kvstore().service, "kvstore_getstorageused")).toEqual({});
  });

  test("setwithttl rejects a ttl of 0 or less", () => {
    const { service } = kvstore();
    expect(callError(service, "kvstore_setwithttl", { key: "k", value: base64("x"), ttlSeconds: 0 })).toBe("ttlSeconds must be greater than 0");
    expect(callError(service, "kvstore_setwithttl", { key: "k", value: base64("x"), ttlSeconds: -5 })).toBe("ttlSeconds must be greater than 0");
    expect(callError(service, "kvstore_setwithttl", { key: "k", value: base64("x") })).toBe("ttlSeconds must be greater than 0");
  });

  test("ttl entry expires on the clock", () => {
    const { ctx, service } = kvstore();
    call(service, "kvstore_setwithttl", { key: "session", value: base64("abc"), ttlSeconds: 60 });

    ctx.clock.advance(59_999);
    expect(call(service, "kvstore_get", { key: "session" })).toEqual({ value: base64("abc"), exists: true });
    expect(call(service, "kvstore_has", { key: "session" })).toEqual({ exists: true });

    ctx.clock.advance(1);
    expect(call(service, "kvstore_get", { key: "session" })).toEqual({});
    expect(call(service, "kvstore_has", { key: "session" })).toEqual({});
    expect(call(service, "kvstore_getmany", { keys: ["session"] })).toEqual({});
    expect(call(service, "kvstore_list", {})).toEqual({});
    expect(service.entries().size).toBe(0);
  });

  test("expired entries free their quota", () => {
    const { ctx, service } = kvstore({ maxSize: "10" });
    call(service, "kvstore_setwithttl", { key: "a", value: zeros(10), ttlSeconds: 1 });
    expect(callError(service, "kvstore_set", { key: "b", value: zeros(1) })).toContain("storage limit exceeded");

    ctx.clock.advance(1000);
    expect(call(service, "kvstore_getstorageused")).toEqual({});
    expect(call(service, "kvstore_set", { key: "b", value: zeros(10) })).toEqual({});
  });

  test("set without ttl removes an earlier ttl", () => {
    const { ctx, service } = kvstore();
    call(service, "kvstore_setwithttl", { key: "k", value: base64("1"), ttlSeconds: 1 });
    call(service, "kvstore_set", { key: "k", value: base64("2") });

    ctx.clock.advance(10_000);
    expect(call(service, "kvstore_get", { key: "k" })).toEqual({ value: base64("2"), exists: true });
  });

  test("getmany returns found keys only", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "a", value: base64("1") });
    call(service, "kvstore_set", { key: "b", value: base64("2") });

    expect(call(service, "kvstore_getmany", { keys: ["a", "missing", "b"] })).toEqual({ values: { a: base64("1"), b: base64("2") } });
  });

  test("getmany with nothing found replies {}", () => {
    expect(call(kvstore().service, "kvstore_getmany", { keys: ["x"] })).toEqual({});
    expect(call(kvstore().service, "kvstore_getmany", {})).toEqual({});
  });

  test("has reports stored keys", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "a", value: "" });

    expect(call(service, "kvstore_has", { key: "a" })).toEqual({ exists: true });
    expect(call(service, "kvstore_has", { key: "b" })).toEqual({});
  });

  test("list sorts keys and filters by prefix", () => {
    const { service } = kvstore();
    for (const key of ["user:b", "user:a", "other", "user_x"]) call(service, "kvstore_set", { key, value: base64("v") });

    expect(call(service, "kvstore_list", {})).toEqual({ keys: ["other", "user:a", "user:b", "user_x"] });
    expect(call(service, "kvstore_list", { prefix: "user:" })).toEqual({ keys: ["user:a", "user:b"] });
    expect(call(service, "kvstore_list", { prefix: "none" })).toEqual({});
  });

  test("prefix ignores ASCII case like SQLite LIKE", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "USER:1", value: base64("v") });
    call(service, "kvstore_set", { key: "Ébc", value: base64("v") });

    expect(call(service, "kvstore_list", { prefix: "user:" })).toEqual({ keys: ["USER:1"] });
    expect(call(service, "kvstore_list", { prefix: "é" })).toEqual({});
  });

  test("prefix treats % and _ literally", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "a_b", value: base64("v") });
    call(service, "kvstore_set", { key: "axb", value: base64("v") });

    expect(call(service, "kvstore_list", { prefix: "a_" })).toEqual({ keys: ["a_b"] });
    expect(call(service, "kvstore_list", { prefix: "%" })).toEqual({});
  });

  test("delete removes a key", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "a", value: base64("v") });

    expect(call(service, "kvstore_delete", { key: "a" })).toEqual({});
    expect(call(service, "kvstore_has", { key: "a" })).toEqual({});
    expect(call(service, "kvstore_delete", { key: "never-set" })).toEqual({});
  });

  test("deletebyprefix counts expired keys", () => {
    const { ctx, service } = kvstore();
    call(service, "kvstore_set", { key: "cache:1", value: base64("v") });
    call(service, "kvstore_setwithttl", { key: "cache:2", value: base64("v"), ttlSeconds: 1 });
    call(service, "kvstore_set", { key: "keep", value: base64("v") });
    ctx.clock.advance(5000);

    expect(call(service, "kvstore_deletebyprefix", { prefix: "cache:" })).toEqual({ deletedCount: 2 });
    expect([...service.entries().keys()]).toEqual(["keep"]);
  });

  test("deletebyprefix with no match replies {}", () => {
    expect(call(kvstore().service, "kvstore_deletebyprefix", { prefix: "x" })).toEqual({});
  });

  test("deletebyprefix rejects an empty prefix", () => {
    expect(callError(kvstore().service, "kvstore_deletebyprefix", { prefix: "" })).toBe("prefix cannot be empty");
  });

  test("entries are copies of live values", () => {
    const { service } = kvstore();
    call(service, "kvstore_set", { key: "b", value: base64("2") });
    call(service, "kvstore_set", { key: "a", value: base64("1") });

    const entries = service.entries();
    expect([...entries.keys()]).toEqual(["a", "b"]);
    expect(new TextDecoder().decode(entries.get("a"))).toBe("1");

    entries.get("a")?.fill(0);
    expect(call(service, "kvstore_get", { key: "a" })).toEqual({ value: base64("1"), exists: true });
  });

  test("invalid maxSize fails creation", () => {
    const ctx = createTestContext({ kvstore: { maxSize: "lots" } });
    expect(() => createKVStoreService(ctx, { manifest: {} })).toThrow('invalid byte size "lots"');
  });
});

describe("kvstore put", () => {
  test("stores a string as UTF-8 bytes", () => {
    const { service } = kvstore();
    service.put("greeting", "héllo");

    expect(service.entries().get("greeting")).toEqual(new TextEncoder().encode("héllo"));
    expect(call(service, "kvstore_get", { key: "greeting" })).toEqual({ value: base64("héllo"), exists: true });
  });

  test("stores a copy of the bytes", () => {
    const { service } = kvstore();
    const bytes = new Uint8Array([1, 2, 3]);
    service.put("raw", bytes);
    bytes[0] = 9;

    expect(service.entries().get("raw")).toEqual(new Uint8Array([1, 2, 3]));
  });

  test("ttl entry expires on the clock", () => {
    const { ctx, service } = kvstore();
    service.put("session", "abc", { ttlSeconds: 60 });

    ctx.clock.advance(59_999);
    expect(call(service, "kvstore_has", { key: "session" })).toEqual({ exists: true });
    ctx.clock.advance(1);
    expect(call(service, "kvstore_has", { key: "session" })).toEqual({});
    expect(service.storageUsed()).toBe(0);
  });

  test("rejects keys the plugin could not write", () => {
    const { service } = kvstore();

    expect(() => service.put("", "x")).toThrow('kvstore.put(""): key cannot be empty; use a key of 1 to 256 UTF-8 bytes');
    expect(() => service.put("é".repeat(129), "x")).toThrow(/^kvstore\.put\("é{40}…"\): key exceeds maximum length of 256 bytes; shorten the key \(it has 258 bytes\)$/);
    expect(service.entries().size).toBe(0);
  });

  test("rejects a value over the quota", () => {
    const { service } = kvstore({ maxSize: "100" });
    service.put("a", new Uint8Array(60));

    expect(() => service.put("b", new Uint8Array(41))).toThrow(
      'kvstore.put("b"): storage limit exceeded: would use 101 B of 100 B allowed; store a smaller value or raise permissions.kvstore.maxSize in the manifest',
    );
    expect(service.storageUsed()).toBe(60);
  });

  test("rejects a ttl that is not a positive integer", () => {
    const { service } = kvstore();

    for (const ttlSeconds of [0, -5, 1.5, Number.NaN]) {
      expect(() => service.put("k", "v", { ttlSeconds })).toThrow(`kvstore.put("k"): ttlSeconds must be an integer greater than 0, received ${ttlSeconds}`);
    }
    expect(service.entries().size).toBe(0);
  });

  test("rejects a value that is not bytes or text", () => {
    const { service } = kvstore();

    expect(() => service.put("k", [1, 2] as unknown as Uint8Array)).toThrow('kvstore.put("k"): value must be a Uint8Array or a string, received Array');
    expect(() => service.put("k", 5 as unknown as string)).toThrow("received number");
  });

  test("a failed put throws a plain Error", () => {
    let thrown: unknown;
    try {
      kvstore().service.put("", "x");
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(Error);
    expect(thrown).not.toBeInstanceOf(ServiceError);
  });
});
