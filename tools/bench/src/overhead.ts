/**
 * Call overhead: the same work done through the PDK and by hand, in the same QuickJS-ng engine, on the
 * same inputs, at several payload sizes.
 */
import path from "node:path";

import { encodeBase64 } from "@nd/pdk-types";

import { BENCH_DIR, bundleEntry } from "./bundle.js";
import type { HostFunctionImplementation, WarmPlugin } from "./engine.js";
import { loadWarmPlugin } from "./engine.js";
import { comparePaired } from "./stats.js";

/** Payload sizes in bytes: 100 B, 10 KB and 1 MB. */
export const PAYLOAD_SIZES = [100, 10 * 1024, 1024 * 1024] as const;

/** One benchmark case: an export of both fixtures, and how to feed it. */
interface OverheadCase {
  readonly name: string;
  readonly description: string;
  /** The key of `module.exports` in both fixtures. */
  readonly exportKey: string;
  input(payload: Payload): string;
  hostFunctions(payload: Payload): Map<string, HostFunctionImplementation>;
}

/** The payload of one size, in the forms the cases need. */
interface Payload {
  readonly size: number;
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly base64: string;
}

/** The result of one case at one payload size. */
export interface OverheadResult {
  readonly case: string;
  readonly description: string;
  readonly payloadBytes: number;
  /** Median time of one call through the PDK, in nanoseconds. */
  readonly pdkNs: number;
  /** Median time of one hand-written call, in nanoseconds. */
  readonly handNs: number;
  /** The median over batch pairs of PDK time / hand-written time. */
  readonly ratio: number;
  readonly pdkNsPerByte: number;
  readonly handNsPerByte: number;
  readonly batches: number;
  readonly callsPerBatch: number;
}

/** A realistic track, as Navidrome sends it with a lyrics request. */
export const TRACK = {
  id: "tr-7f3a9c",
  title: "So What",
  album: "Kind of Blue",
  artist: "Miles Davis",
  albumArtist: "Miles Davis",
  artists: [{ id: "ar-1", name: "Miles Davis", mbid: "561d854a-6a28-4aa7-8c99-323e6ce46c2a", role: "artist" }],
  albumArtists: [{ id: "ar-1", name: "Miles Davis", mbid: "561d854a-6a28-4aa7-8c99-323e6ce46c2a" }],
  duration: 562.5,
  trackNumber: 1,
  discNumber: 1,
  mbzRecordingId: "0e3d8b4c-6a1f-4a53-9a4b-2ad3d2f0a6f1",
  mbzAlbumId: "8e2b1c5e-3f7d-4b0a-9d61-4f8a2c7e9b10",
  libraryId: 1,
};

const emptyReply: HostFunctionImplementation = () => "{}";

const CASES: readonly OverheadCase[] = [
  {
    name: "capability: task worker",
    description: "nd_task_execute: decode a task whose payload is bytes of the given size, return a short text",
    exportKey: "nd_task_execute",
    input: (payload) => JSON.stringify({ queueName: "bench", taskId: "task-1", payload: payload.base64, attempt: 1 }),
    hostFunctions: () => new Map(),
  },
  {
    name: "capability: lyrics",
    description: "nd_lyrics_get_lyrics: decode a track, return lyrics text of the given size",
    exportKey: "nd_lyrics_get_lyrics",
    input: () => JSON.stringify({ track: TRACK }),
    hostFunctions: () => new Map(),
  },
  {
    name: "host: kvstore set+get",
    description: "kvstore.set then kvstore.get of a bytes value of the given size",
    exportKey: "bench_kvstore",
    input: () => "",
    hostFunctions: (payload) => {
      const reply = JSON.stringify({ value: payload.base64, exists: true });
      return new Map([
        ["kvstore_set", emptyReply],
        ["kvstore_get", () => reply],
      ]);
    },
  },
  {
    name: "host: cache set+get string",
    description: "cache.setString then cache.getString of a text of the given size",
    exportKey: "bench_cache",
    input: () => "",
    hostFunctions: (payload) => {
      const reply = JSON.stringify({ value: payload.text, exists: true });
      return new Map([
        ["cache_setstring", emptyReply],
        ["cache_getstring", () => reply],
      ]);
    },
  },
];

function makePayload(size: number): Payload {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 255;
  // ASCII only, so that the text's length in bytes is its length in characters.
  const text = "lorem ipsum dolor sit amet, ".repeat(Math.ceil(size / 28)).slice(0, size);
  return { size, text, bytes, base64: encodeBase64(bytes) };
}

/** Returns the script that gives both fixtures the same payload as globals. */
function setupScript(payload: Payload): string {
  return [
    `globalThis.benchText = ${JSON.stringify(payload.text)};`,
    `globalThis.benchBytes = new Uint8Array(${payload.size});`,
    `for (let i = 0; i < ${payload.size}; i++) globalThis.benchBytes[i] = (i * 31 + 7) & 255;`,
  ].join("\n");
}

export interface OverheadOptions {
  /** Batches per variant; the reported time is their median. */
  readonly batches: number;
  /** Target wall time of one batch, in milliseconds. */
  readonly batchMs: number;
  readonly onProgress?: (message: string) => void;
}

/**
 * Measures every case at every payload size, PDK and hand-written side by side in alternating
 * batches.
 *
 * @throws {Error} when the two fixtures write different outputs for the same input.
 */
export async function measureOverhead(options: OverheadOptions): Promise<OverheadResult[]> {
  const pdkBundle = await bundleEntry(BENCH_DIR, path.join(BENCH_DIR, "fixtures", "overhead", "pdk.ts"));
  const handBundle = await bundleEntry(BENCH_DIR, path.join(BENCH_DIR, "fixtures", "overhead", "by-hand.ts"));
  const results: OverheadResult[] = [];

  for (const size of PAYLOAD_SIZES) {
    const payload = makePayload(size);
    for (const benchCase of CASES) {
      options.onProgress?.(`overhead: ${benchCase.name}, ${size} B`);
      const load = (bundle: string): Promise<WarmPlugin> =>
        loadWarmPlugin({ bundle, input: benchCase.input(payload), hostFunctions: benchCase.hostFunctions(payload), setup: setupScript(payload) });
      const pdk = await load(pdkBundle);
      const hand = await load(handBundle);
      try {
        const pdkOutput = pdk.call(benchCase.exportKey);
        const handOutput = hand.call(benchCase.exportKey);
        if (pdkOutput !== handOutput) {
          throw new Error(`${benchCase.exportKey}: the PDK wrote ${preview(pdkOutput)} but the hand-written code ${preview(handOutput)}`);
        }

        const timing = comparePaired(() => pdk.call(benchCase.exportKey), () => hand.call(benchCase.exportKey), options);
        results.push({
          case: benchCase.name,
          description: benchCase.description,
          payloadBytes: size,
          pdkNs: timing.subjectNs,
          handNs: timing.baselineNs,
          ratio: timing.ratio,
          pdkNsPerByte: timing.subjectNs / size,
          handNsPerByte: timing.baselineNs / size,
          batches: timing.batches,
          callsPerBatch: timing.iterations,
        });
      } finally {
        pdk.dispose();
        hand.dispose();
      }
    }
  }
  return results;
}

function preview(output: string | undefined): string {
  if (output === undefined) return "no output";
  return output.length > 60 ? `${JSON.stringify(output.slice(0, 60))}...` : JSON.stringify(output);
}
