/**
 * The PDK's base64 codec against pure-JavaScript baselines inside QuickJS-ng, on 1 MB.
 */
import path from "node:path";

import { BENCH_DIR, bundleEntry } from "./bundle.js";
import { loadWarmPlugin } from "./engine.js";
import { comparePaired } from "./stats.js";

export const CODEC_BYTES = 1024 * 1024;

/** One direction of the codec against its baselines. */
export interface CodecResult {
  readonly operation: "encode" | "decode";
  readonly bytes: number;
  /** Median time of encodeBase64 or decodeBase64, in nanoseconds. */
  readonly pdkNs: number;
  /** Median time of the textbook loop (String.fromCharCode and a lookup table), in nanoseconds. */
  readonly loopNs: number;
  /** Median time of the simulator prelude's btoa or atob, on a binary string, in nanoseconds. */
  readonly preludeNs: number;
  /** PDK time over the faster baseline's: the larger of the two paired ratios. */
  readonly ratio: number;
}

export async function measureCodec(options: { batches: number; batchMs: number; onProgress?: (message: string) => void }): Promise<CodecResult[]> {
  const bundle = await bundleEntry(BENCH_DIR, path.join(BENCH_DIR, "fixtures", "codec.ts"));
  const setup = [`globalThis.benchBytes = new Uint8Array(${CODEC_BYTES});`, `for (let i = 0; i < ${CODEC_BYTES}; i++) globalThis.benchBytes[i] = (i * 31 + 7) & 255;`].join("\n");
  const plugin = await loadWarmPlugin({ bundle, input: "", setup });

  try {
    plugin.call("check");
    const results: CodecResult[] = [];
    for (const [operation, pdkKey, loopKey, preludeKey] of [
      ["encode", "pdk_encode", "loop_encode", "prelude_btoa"],
      ["decode", "pdk_decode", "loop_decode", "prelude_atob"],
    ] as const) {
      options.onProgress?.(`codec: ${operation}`);
      const loop = comparePaired(() => plugin.call(pdkKey), () => plugin.call(loopKey), options);
      const prelude = comparePaired(() => plugin.call(pdkKey), () => plugin.call(preludeKey), options);
      const pdkNs = (loop.subjectNs + prelude.subjectNs) / 2;
      results.push({
        operation,
        bytes: CODEC_BYTES,
        pdkNs,
        loopNs: loop.baselineNs,
        preludeNs: prelude.baselineNs,
        ratio: Math.max(loop.ratio, prelude.ratio),
      });
    }
    return results;
  } finally {
    plugin.dispose();
  }
}
