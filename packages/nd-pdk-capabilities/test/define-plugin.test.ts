import { NdPdkError } from "@nd/pdk-types";
import { describe, expect, test } from "vitest";

import type { PluginParts } from "../src/index.js";
import { capabilitySpecs, definePlugin, PluginDefinitionError } from "../src/index.js";
import { errorThrownBy } from "./navidrome-requests.js";

const noop = (): undefined => undefined;

const scrobbler = {
  isAuthorized: () => true,
  nowPlaying: noop,
  scrobble: noop,
  playbackReport: noop,
};

/** Calls definePlugin with a value the types would reject, as plain JavaScript callers can. */
function defineUnchecked(parts: unknown): unknown {
  return definePlugin(parts as PluginParts);
}

describe("definePlugin export map", () => {
  test("scrobbler, scheduler and lifecycle", () => {
    const plugin = definePlugin({
      scrobbler,
      scheduler: { onCallback: noop },
      lifecycle: { onInit: noop },
    });

    expect(Object.keys(plugin).sort()).toEqual([
      "nd_on_init",
      "nd_scheduler_callback",
      "nd_scrobbler_is_authorized",
      "nd_scrobbler_now_playing",
      "nd_scrobbler_playback_report",
      "nd_scrobbler_scrobble",
    ]);
  });

  test("metadata agent with only getArtistBiography", () => {
    const plugin = definePlugin({
      metadataAgent: { getArtistBiography: () => ({ biography: "Trumpeter." }) },
    });

    expect(Object.keys(plugin)).toEqual(["nd_get_artist_biography"]);
  });

  test("has no default or inherited enumerable keys", () => {
    const plugin = definePlugin({ scrobbler, lifecycle: { onInit: noop } });
    const enumerated: string[] = [];
    for (const key in plugin) enumerated.push(key);

    expect(enumerated.sort()).toEqual(Object.keys(plugin).sort());
    expect(Object.getOwnPropertyNames(plugin).sort()).toEqual(Object.keys(plugin).sort());
    expect(Object.getOwnPropertySymbols(plugin)).toEqual([]);
    expect("default" in plugin).toBe(false);
    expect("__esModule" in plugin).toBe(false);
  });

  test("every value is a function", () => {
    const plugin = definePlugin({ scrobbler, scheduler: { onCallback: noop } });

    for (const value of Object.values(plugin)) expect(typeof value).toBe("function");
  });

  test("every capability fully implemented", () => {
    const parts: Record<string, Record<string, () => undefined>> = {};
    const expected: string[] = [];
    for (const [key, spec] of Object.entries(capabilitySpecs)) {
      const implementation: Record<string, () => undefined> = {};
      for (const entry of spec.exports) {
        implementation[entry.method] = noop;
        expected.push(entry.exportName);
      }
      parts[key] = implementation;
    }

    const plugin = defineUnchecked(parts) as Record<string, unknown>;

    expect(Object.keys(plugin).sort()).toEqual(expected.sort());
    expect(Object.keys(plugin)).toHaveLength(25);
  });

  test("optional methods left out are not exported", () => {
    const plugin = definePlugin({
      websocket: { onTextMessage: noop, onClose: noop },
      metadataAgent: { getArtistUrl: () => undefined, getAlbumImages: () => undefined },
    });

    expect(Object.keys(plugin).sort()).toEqual([
      "nd_get_album_images",
      "nd_get_artist_url",
      "nd_websocket_on_close",
      "nd_websocket_on_text_message",
    ]);
  });

  test("capability set to undefined is skipped", () => {
    const plugin = defineUnchecked({ scrobbler: undefined, lifecycle: { onInit: noop } }) as Record<string, unknown>;

    expect(Object.keys(plugin)).toEqual(["nd_on_init"]);
  });

  test("empty plugin object has no exports", () => {
    expect(Object.keys(definePlugin({}))).toEqual([]);
  });

  test("methods inherited from a class prototype are exported", () => {
    class Agent {
      getArtistBiography(): { biography: string } {
        return { biography: "Trumpeter." };
      }
    }

    const plugin = definePlugin({ metadataAgent: new Agent() });

    expect(Object.keys(plugin)).toEqual(["nd_get_artist_biography"]);
  });
});

describe("definePlugin errors", () => {
  test("unknown capability key", () => {
    const error = errorThrownBy(() => defineUnchecked({ scrobler: scrobbler }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain('unknown capability "scrobler"');
    expect(error.message).toContain("scrobbler, sonicSimilarity");
  });

  test("key named like an Object.prototype member", () => {
    for (const key of ["toString", "constructor", "hasOwnProperty"]) {
      const error = errorThrownBy(() => defineUnchecked({ [key]: { onInit: noop } }));

      expect(error).toBeInstanceOf(PluginDefinitionError);
      expect(error.message).toContain(`unknown capability "${key}"`);
    }
  });

  test("part that is not an object", () => {
    const cases: [unknown, string][] = [
      ["yes", "received string"],
      [null, "received null"],
      [42, "received number"],
      [() => true, "received function"],
    ];
    for (const [part, received] of cases) {
      const error = errorThrownBy(() => defineUnchecked({ scrobbler: part }));

      expect(error).toBeInstanceOf(PluginDefinitionError);
      expect(error.message).toContain('"scrobbler" must be an object with the capability\'s methods');
      expect(error.message).toContain(received);
    }
  });

  test("method that is not a function", () => {
    const error = errorThrownBy(() => defineUnchecked({ metadataAgent: { getArtistBiography: "Trumpeter." } }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("metadataAgent.getArtistBiography must be a function, received string");
  });

  test("required capability with a method missing", () => {
    const { playbackReport: _left, ...partial } = scrobbler;
    const error = errorThrownBy(() => defineUnchecked({ scrobbler: partial }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("Scrobbler capability needs every method");
    expect(error.message).toContain("scrobbler lacks playbackReport");
  });

  test("required capability with every method missing", () => {
    const error = errorThrownBy(() => defineUnchecked({ lyrics: {} }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("lyrics lacks getLyrics");
  });

  test("required capability lists all missing methods", () => {
    const error = errorThrownBy(() => defineUnchecked({ scrobbler: { isAuthorized: () => true } }));

    expect(error.message).toContain("scrobbler lacks nowPlaying, scrobble, playbackReport");
  });

  test("plugin object that is not an object", () => {
    for (const [parts, received] of [
      [null, "received null"],
      [undefined, "received undefined"],
      ["scrobbler", "received string"],
    ] as const) {
      const error = errorThrownBy(() => defineUnchecked(parts));

      expect(error).toBeInstanceOf(PluginDefinitionError);
      expect(error.message).toContain("definePlugin expects an object of capabilities");
      expect(error.message).toContain(received);
    }
  });

  test("error is an NdPdkError recognised across copies", () => {
    const error = errorThrownBy(() => defineUnchecked({ scrobler: scrobbler }));

    expect(error).toBeInstanceOf(NdPdkError);
    expect(error.name).toBe("PluginDefinitionError");
    expect(PluginDefinitionError.isInstance(error)).toBe(true);
    expect(NdPdkError.isInstance(error)).toBe(true);
    expect(PluginDefinitionError.isInstance(new Error("plain"))).toBe(false);
  });
});
