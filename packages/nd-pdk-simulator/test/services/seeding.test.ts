// Seeds the kvstore and the cache with their `put` helpers and checks that a plugin reads the entries
// in-process and as a bundle inside QuickJS, the two runtimes a test usually picks.
import { build } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";

import type { BundleSource, LoadedPlugin, Navidrome } from "../../src/index.js";
import { createNavidrome } from "../../src/index.js";
import seedReaderPlugin from "../fixtures/seed-reader-plugin.js";

const manifest = { name: "Seed Reader", author: "Tests", version: "1.0.0", permissions: { kvstore: { maxSize: "1KB" }, cache: {} } };

let bundle: BundleSource;

beforeAll(async () => {
  const result = await build({
    stdin: { contents: 'module.exports = require("../fixtures/seed-reader-plugin.ts").default;', resolveDir: import.meta.dirname, loader: "js" },
    bundle: true,
    format: "cjs",
    target: "es2020",
    platform: "neutral",
    mainFields: ["module", "main"],
    write: false,
    logLevel: "silent",
  });
  bundle = { bundle: result.outputFiles[0]?.text ?? "" };
});

const runtimes: Array<[string, (navidrome: Navidrome) => Promise<LoadedPlugin>]> = [
  ["in-process", async (navidrome) => navidrome.load(seedReaderPlugin)],
  ["QuickJS bundle", (navidrome) => navidrome.loadBundle(bundle)],
];

describe.each(runtimes)("seeded entries (%s)", (_runtime, load) => {
  test("kvstore value is visible to kvstore.get", async () => {
    const navidrome = createNavidrome({ manifest });
    navidrome.services.kvstore.put("bio:Nina", "seeded 🎷");
    const plugin = await load(navidrome);

    expect(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina" })).toMatchObject({ kind: "output", value: { biography: "kvstore: seeded 🎷" } });
  });

  test("cache value is visible to cache.getString", async () => {
    const navidrome = createNavidrome({ manifest });
    navidrome.services.cache.put("bio:Nina", { type: "string", value: "from cache" });
    const plugin = await load(navidrome);

    expect(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina" })).toMatchObject({ kind: "output", value: { biography: "cache: from cache" } });
  });

  test("ttl entries expire after advance", async () => {
    const navidrome = createNavidrome({ manifest });
    navidrome.services.kvstore.put("bio:Nina", "short-lived", { ttlSeconds: 60 });
    const plugin = await load(navidrome);

    navidrome.advance(60_000);

    expect(plugin.metadataAgent.getArtistBiography({ id: "1", name: "Nina" })).toEqual({ kind: "no-data" });
  });
});

describe("seeding", () => {
  test("is not recorded as host calls", () => {
    const navidrome = createNavidrome({ manifest });
    navidrome.services.kvstore.put("bio:Nina", "seeded");
    navidrome.services.cache.put("count", { type: "int", value: 1 });

    expect(navidrome.hostCalls).toEqual([]);
  });

  test("is not affected by failNext", () => {
    const navidrome = createNavidrome({ manifest });
    navidrome.failNext("kvstore_set", "database is locked");
    navidrome.services.kvstore.put("bio:Nina", "seeded");

    expect(navidrome.services.kvstore.entries().size).toBe(1);
  });

  test("over the manifest quota throws instead of recording a host error", () => {
    const navidrome = createNavidrome({ manifest });

    expect(() => navidrome.services.kvstore.put("big", new Uint8Array(1001))).toThrow(
      'kvstore.put("big"): storage limit exceeded: would use 1.0 kB of 1.0 kB allowed; store a smaller value or raise permissions.kvstore.maxSize in the manifest',
    );
    expect(navidrome.hostCalls).toEqual([]);
  });
});
