// Type tests, checked by `vitest run --typecheck` and never executed. Each @ts-expect-error fails the
// run as an unused directive when the line below it stops being a type error.

import { describe, expectTypeOf, test } from "vitest";

import type {
  ArtistRequest,
  ExportFunction,
  IsAuthorizedRequest,
  ScrobbleRequest,
  SchedulerCallbackRequest,
  TaskExecuteRequest,
} from "../src/index.js";
import { definePlugin } from "../src/index.js";

const noop = (): undefined => undefined;

describe("definePlugin required capabilities", () => {
  test("scrobbler without playbackReport fails to compile", () => {
    definePlugin({
      // @ts-expect-error Scrobbler requires playbackReport.
      scrobbler: {
        isAuthorized: () => true,
        nowPlaying: noop,
        scrobble: noop,
      },
    });
  });

  test("complete scrobbler compiles with every export", () => {
    const plugin = definePlugin({
      scrobbler: { isAuthorized: () => true, nowPlaying: noop, scrobble: noop, playbackReport: noop },
    });

    expectTypeOf<keyof typeof plugin>().toEqualTypeOf<
      "nd_scrobbler_is_authorized" | "nd_scrobbler_now_playing" | "nd_scrobbler_scrobble" | "nd_scrobbler_playback_report"
    >();
  });

  test("lyrics without getLyrics fails to compile", () => {
    definePlugin({
      // @ts-expect-error Lyrics requires getLyrics.
      lyrics: {},
    });
  });
});

describe("definePlugin optional capabilities", () => {
  test("metadata agent with only getArtistBiography", () => {
    const plugin = definePlugin({
      metadataAgent: { getArtistBiography: ({ name }) => ({ biography: `${name} is an artist.` }) },
    });

    expectTypeOf(plugin).toEqualTypeOf<{ readonly nd_get_artist_biography: ExportFunction }>();
    expectTypeOf<keyof typeof plugin>().toEqualTypeOf<"nd_get_artist_biography">();
  });

  test("unimplemented export is not a key", () => {
    const plugin = definePlugin({
      metadataAgent: { getArtistBiography: () => undefined },
    });

    // @ts-expect-error getArtistImages is not implemented, so nd_get_artist_images is not exported.
    plugin.nd_get_artist_images();
  });

  test("scrobbler, scheduler and lifecycle keys", () => {
    const plugin = definePlugin({
      scrobbler: { isAuthorized: () => true, nowPlaying: noop, scrobble: noop, playbackReport: noop },
      scheduler: { onCallback: noop },
      lifecycle: { onInit: noop },
    });

    expectTypeOf<keyof typeof plugin>().toEqualTypeOf<
      | "nd_on_init"
      | "nd_scheduler_callback"
      | "nd_scrobbler_is_authorized"
      | "nd_scrobbler_now_playing"
      | "nd_scrobbler_playback_report"
      | "nd_scrobbler_scrobble"
    >();
    expectTypeOf(plugin.nd_on_init).toEqualTypeOf<ExportFunction>();
    expectTypeOf(plugin.nd_on_init).returns.toEqualTypeOf<number>();
  });
});

describe("definePlugin plugin keys", () => {
  test("unknown key fails to compile", () => {
    definePlugin({
      // @ts-expect-error "scrobler" is not a capability.
      scrobler: { isAuthorized: () => true, nowPlaying: noop, scrobble: noop, playbackReport: noop },
    });
  });

  test("unknown key beside a known one fails to compile", () => {
    definePlugin({
      lifecycle: { onInit: noop },
      // @ts-expect-error "metadata" is not a capability.
      metadata: { getArtistBiography: () => undefined },
    });
  });
});

describe("definePlugin method types", () => {
  test("request parameter types are inferred", () => {
    definePlugin({
      scrobbler: {
        isAuthorized(request) {
          expectTypeOf(request).toEqualTypeOf<IsAuthorizedRequest>();
          return true;
        },
        nowPlaying: noop,
        scrobble(request) {
          expectTypeOf(request).toEqualTypeOf<ScrobbleRequest>();
          expectTypeOf(request.track.title).toEqualTypeOf<string>();
          expectTypeOf(request.timestamp).toEqualTypeOf<number>();
          expectTypeOf(request.track.mbzRecordingId).toEqualTypeOf<string | undefined>();
        },
        playbackReport: noop,
      },
      metadataAgent: {
        getArtistBiography(request) {
          expectTypeOf(request).toEqualTypeOf<ArtistRequest>();
          return undefined;
        },
      },
      scheduler: {
        onCallback(request) {
          expectTypeOf(request).toEqualTypeOf<SchedulerCallbackRequest>();
        },
      },
      taskWorker: {
        onTaskExecute(request) {
          expectTypeOf(request).toEqualTypeOf<TaskExecuteRequest>();
          expectTypeOf(request.payload).toEqualTypeOf<Uint8Array>();
          return "done";
        },
      },
    });
  });

  test("wrong response shape fails to compile", () => {
    definePlugin({
      metadataAgent: {
        // @ts-expect-error The response key is "biography", not "bio".
        getArtistBiography: () => ({ bio: "Trumpeter." }),
      },
    });
  });

  test("non-boolean from isAuthorized fails to compile", () => {
    definePlugin({
      scrobbler: {
        // @ts-expect-error isAuthorized returns a boolean.
        isAuthorized: () => "yes",
        nowPlaying: noop,
        scrobble: noop,
        playbackReport: noop,
      },
    });
  });

  test("async method with a result fails to compile", () => {
    definePlugin({
      metadataAgent: {
        // @ts-expect-error Methods are synchronous, so a Promise is not a response.
        getArtistBiography: async () => ({ biography: "Trumpeter." }),
      },
    });
  });

  test("wrong parameter type fails to compile", () => {
    definePlugin({
      taskWorker: {
        // @ts-expect-error The payload is a Uint8Array, not a string.
        onTaskExecute: (request: { payload: string }) => request.payload,
      },
    });
  });
});
