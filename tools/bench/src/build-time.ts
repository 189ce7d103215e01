/**
 * Build time of each example through the CLI's buildPlugin, without the compiler: bundle, top-level
 * evaluation in QuickJS, checks and the interface file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { buildPlugin } from "@nd/pdk-cli";

import { median } from "./stats.js";

export interface BuildTimeResult {
  readonly example: string;
  /** Whether the build succeeded (a skipped compile step counts as success). */
  readonly ok: boolean;
  /** The build's first error, when it failed. */
  readonly error?: string;
  /** The example's first build. For the first example measured, it includes loading QuickJS-ng. */
  readonly firstMs: number;
  /** Median of the builds after the first. */
  readonly medianMs: number;
  readonly runs: number;
}

/** Builds each example `runs + 1` times into a temporary folder, so that the examples stay untouched. */
export async function measureBuildTimes(exampleDirs: readonly string[], options: { runs: number; onProgress?: (message: string) => void }): Promise<BuildTimeResult[]> {
  const results: BuildTimeResult[] = [];
  const outRoot = mkdtempSync(path.join(tmpdir(), "nd-bench-build-"));
  try {
    for (const dir of exampleDirs) {
      const example = path.basename(dir);
      options.onProgress?.(`build time: ${example}`);
      // The compiler is not measured here: an empty search path keeps extism-js out even where it is
      // installed, and an engine file that does not exist keeps the built-in engine out. The engine
      // part measures builds with the engine.
      const noEngine = path.join(outRoot, "no-engine.wasm");
      const build = () => buildPlugin({ dir, outDir: path.join(outRoot, example), searchPath: "", engineWasmFile: noEngine });

      let start = performance.now();
      const first = await build();
      const firstMs = performance.now() - start;
      const times: number[] = [];
      for (let run = 0; run < options.runs; run++) {
        start = performance.now();
        await build();
        times.push(performance.now() - start);
      }
      results.push({
        example,
        ok: first.ok,
        ...(first.ok ? {} : { error: first.errors[0] ?? "failed without a message" }),
        firstMs,
        medianMs: median(times),
        runs: options.runs,
      });
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
  return results;
}
