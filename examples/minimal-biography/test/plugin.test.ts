import { createNavidrome, type LoadedPlugin, readBundle, readWasm } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import plugin from "../src/index.js";

const biographies = JSON.stringify({
  "Nina Simone": "Pianist, singer and songwriter, called the High Priestess of Soul.",
  "Miles Davis": "Trumpeter who shaped bebop, cool jazz and jazz fusion.",
});

// Every scenario runs three times: on the plugin object in-process, on the built bundle inside QuickJS
// (the engine family extism-js uses), and on the compiled plugin.wasm in a real Extism host.
const runtimes: [string, (config: Record<string, string>) => Promise<LoadedPlugin>][] = [
  ["in-process", async (config) => createNavidrome({ manifest, config }).load(plugin)],
  ["QuickJS bundle", async (config) => createNavidrome({ manifest, config }).loadBundle(readBundle(`${import.meta.dirname}/..`))],
  ["Extism wasm", async (config) => createNavidrome({ manifest, config }).loadWasm(readWasm(`${import.meta.dirname}/..`))],
];

describe.each(runtimes)("minimal-biography (%s)", (_runtime, load) => {
  test("returns the configured biography, matching the name in any case", async () => {
    const loaded = await load({ biographies });
    expect(loaded.metadataAgent.getArtistBiography({ id: "ar-1", name: "nina simone" })).toEqual({
      kind: "output",
      value: { biography: "Pianist, singer and songwriter, called the High Priestess of Soul." },
      output: '{"biography":"Pianist, singer and songwriter, called the High Priestess of Soul."}',
    });
  });

  test("returns no data for an artist without a biography", async () => {
    const loaded = await load({ biographies });
    expect(loaded.metadataAgent.getArtistBiography({ id: "ar-9", name: "Unknown Artist" })).toEqual({ kind: "no-data" });
  });

  test("returns no data when the setting is missing", async () => {
    const loaded = await load({});
    expect(loaded.metadataAgent.getArtistBiography({ id: "ar-1", name: "Nina Simone" })).toEqual({ kind: "no-data" });
  });

  test("fails with the setting's name when it is not valid JSON", async () => {
    const loaded = await load({ biographies: "{not json" });
    const outcome = loaded.metadataAgent.getArtistBiography({ id: "ar-1", name: "Nina Simone" });
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "biographies"');
  });

  test("exports only the biography method", async () => {
    expect((await load({})).exports).toEqual(["nd_get_artist_biography"]);
  });
});
