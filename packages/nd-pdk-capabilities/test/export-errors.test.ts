import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";

import type { PluginParts } from "../src/index.js";
import { definePlugin, PluginDefinitionError, ScrobblerError } from "../src/index.js";
import { artistRequest, callExport, errorThrownBy, scrobbleRequest } from "./navidrome-requests.js";

let fake: FakeExtism;

beforeEach(() => {
  fake = installFakeExtism();
});

afterEach(() => {
  fake.uninstall();
});

const noop = (): undefined => undefined;

function scrobblerThatScrobbles(scrobble: () => unknown) {
  return definePlugin({
    scrobbler: { isAuthorized: () => true, nowPlaying: noop, scrobble: scrobble as () => undefined, playbackReport: noop },
  });
}

describe("export thrown error", () => {
  test("keeps the Error object and its message", () => {
    const thrown = new Error(`${ScrobblerError.RetryLater}: Last.fm returned HTTP 503`);
    const plugin = scrobblerThatScrobbles(() => {
      throw thrown;
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

    expect(error).toBe(thrown);
    expect(error.message).toBe("scrobbler(retry_later): Last.fm returned HTTP 503");
    expect(fake.output).toBeUndefined();
  });

  test("carries every scrobbler error marker verbatim", () => {
    const markers = [ScrobblerError.NotAuthorized, ScrobblerError.RetryLater, ScrobblerError.Unrecoverable];
    expect(markers).toEqual(["scrobbler(not_authorized)", "scrobbler(retry_later)", "scrobbler(unrecoverable)"]);

    for (const marker of markers) {
      const plugin = scrobblerThatScrobbles(() => {
        throw new Error(marker);
      });

      const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

      expect(error.message).toBe(marker);
    }
  });

  test("keeps Error subclasses", () => {
    const plugin = definePlugin({
      metadataAgent: {
        getArtistBiography: () => {
          throw new TypeError("biography service returned no text");
        },
      },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_get_artist_biography, artistRequest));

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe("biography service returned no text");
  });

  test("thrown string becomes an Error with that text", () => {
    const plugin = scrobblerThatScrobbles(() => {
      throw ScrobblerError.NotAuthorized;
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("scrobbler(not_authorized)");
  });

  test("thrown non-Error value names the method", () => {
    const plugin = scrobblerThatScrobbles(() => {
      throw 42;
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("scrobbler.scrobble threw a non-Error value: 42");
  });

  test("no output after a throw from isAuthorized", () => {
    const plugin = definePlugin({
      scrobbler: {
        isAuthorized: () => {
          throw new Error(ScrobblerError.RetryLater);
        },
        nowPlaying: noop,
        scrobble: noop,
        playbackReport: noop,
      },
    });

    errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_is_authorized, { username: "alice" }));

    expect(fake.output).toBeUndefined();
  });

  test("thrown error from nd_on_init", () => {
    const plugin = definePlugin({
      lifecycle: {
        onInit: () => {
          throw new Error("plugin configuration \"apiKey\" is not set");
        },
      },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_on_init));

    expect(error.message).toBe('plugin configuration "apiKey" is not set');
  });
});

describe("export with async method", () => {
  test("resolved Promise fails the call", () => {
    const scrobble = vi.fn(async () => undefined);
    const plugin = scrobblerThatScrobbles(scrobble);

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

    expect(scrobble).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("scrobbler.scrobble returned a Promise");
    expect(error.message).toContain("Plugin methods must be synchronous");
    expect(error.message).toContain('Remove "async"');
  });

  test("rejected Promise fails the call", () => {
    const plugin = scrobblerThatScrobbles(async () => {
      throw new Error(ScrobblerError.RetryLater);
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("scrobbler.scrobble returned a Promise");
    expect(fake.output).toBeUndefined();
  });

  test("rejection does not surface after the call", async () => {
    const unhandled = vi.fn();
    process.on("unhandledRejection", unhandled);
    try {
      const plugin = scrobblerThatScrobbles(() => Promise.reject(new Error(ScrobblerError.Unrecoverable)));

      errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_scrobble, scrobbleRequest));
      await new Promise((resolve) => setTimeout(resolve, 10));

      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off("unhandledRejection", unhandled);
    }
  });

  test("resolved value is never written as output", async () => {
    const plugin = definePlugin({
      metadataAgent: { getArtistBiography: (async () => ({ biography: "Trumpeter." })) as unknown as () => undefined },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_get_artist_biography, artistRequest));
    await Promise.resolve();

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("metadataAgent.getArtistBiography returned a Promise");
    expect(fake.output).toBeUndefined();
  });

  test("isAuthorized resolving true does not read as authorized", () => {
    const plugin = definePlugin({
      scrobbler: { isAuthorized: (async () => true) as unknown as () => boolean, nowPlaying: noop, scrobble: noop, playbackReport: noop },
    });

    const error = errorThrownBy(() => callExport(fake, plugin.nd_scrobbler_is_authorized, { username: "alice" }));

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(fake.output).toBeUndefined();
  });

  test("thenable that is not a Promise fails the call", () => {
    const thenable = { then: (resolve: (value: unknown) => void) => resolve(undefined) };
    const plugin = definePlugin({ scheduler: { onCallback: (() => thenable) as unknown as () => undefined } } as PluginParts) as Record<string, () => number>;

    const error = errorThrownBy(() =>
      callExport(fake, plugin["nd_scheduler_callback"], { scheduleId: "daily-sync", payload: "", isRecurring: true }),
    );

    expect(error).toBeInstanceOf(PluginDefinitionError);
    expect(error.message).toContain("scheduler.onCallback returned a Promise");
  });

  test("async void methods fail in every capability", () => {
    const plugin = definePlugin({
      websocket: { onTextMessage: (async () => undefined) as unknown as () => undefined },
      lifecycle: { onInit: (async () => undefined) as unknown as () => undefined },
    });

    const websocketError = errorThrownBy(() => callExport(fake, plugin.nd_websocket_on_text_message, { connectionId: "ws-1", message: "hi" }));
    const initError = errorThrownBy(() => callExport(fake, plugin.nd_on_init));

    expect(websocketError).toBeInstanceOf(PluginDefinitionError);
    expect(websocketError.message).toContain("websocket.onTextMessage returned a Promise");
    expect(initError).toBeInstanceOf(PluginDefinitionError);
    expect(initError.message).toContain("lifecycle.onInit returned a Promise");
  });
});
