/**
 * `pnpm bench`: measures the PDK and prints the results as tables; bench-results.json receives the
 * same figures. README.md in this folder describes the cases and the JSON.
 *
 * Options: `--quick` runs fewer and shorter batches, to check the benchmark itself rather than to
 * publish its figures. `--only=overhead,size,codec,build,engine` runs only the named parts;
 * bench-results.json is then left as it is.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import path from "node:path";

import type { BuildTimeResult } from "./build-time.js";
import { measureBuildTimes } from "./build-time.js";
import { BENCH_DIR, REPO_DIR } from "./bundle.js";
import type { CodecResult } from "./codec.js";
import { measureCodec } from "./codec.js";
import type { EngineResults, EngineTiming } from "./engine-wasm.js";
import { measureEngine } from "./engine-wasm.js";
import type { OverheadResult } from "./overhead.js";
import { measureOverhead } from "./overhead.js";
import type { SizeResults } from "./size.js";
import { exampleDirs, measureSizes } from "./size.js";
import { formatBytes, formatDuration, renderTable } from "./table.js";

/** The goals the PDK is measured against. */
const TARGETS = {
  /** Largest PDK / hand-written time ratio of any call-overhead case. */
  maxOverheadRatio: 1.05,
  /** Most PDK bytes in the minified minimal plugin. */
  maxMinimalPdkBytes: 3 * 1024,
  /** Largest codec / faster-baseline time ratio. */
  maxCodecRatio: 2,
  /** Maximum median build time of an example, in milliseconds. */
  maxBuildMs: 1000,
} as const;

interface Machine {
  readonly cpuModel: string;
  readonly nproc: number;
  readonly node: string;
  readonly platform: string;
}

function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match?.[1] !== undefined) cpuModel = match[1].trim();
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  return { cpuModel, nproc: cpus().length, node: process.version, platform: `${process.platform} ${process.arch}` };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

function overheadTable(results: readonly OverheadResult[]): string {
  return renderTable(
    ["case", "payload", "PDK", "by hand", "PDK / by hand", "PDK ns/B", "by hand ns/B"],
    results.map((r) => [
      r.case,
      formatBytes(r.payloadBytes),
      formatDuration(r.pdkNs),
      formatDuration(r.handNs),
      `${r.ratio.toFixed(3)}x`,
      r.pdkNsPerByte.toFixed(2),
      r.handNsPerByte.toFixed(2),
    ]),
  );
}

function sizeTables(sizes: SizeResults): string {
  const plugins = renderTable(
    ["plugin", "exports", "bundle (minified)", "PDK code"],
    [sizes.minimal, ...sizes.examples].map((entry) =>
      "error" in entry
        ? [entry.name, "-", `failed: ${entry.error.slice(0, 60)}`, "-"]
        : [entry.name, String(entry.exports.length), formatBytes(entry.totalBytes), formatBytes(entry.pdkBytes)],
    ),
  );
  const minimalModules = renderTable(
    ["PDK module in the minimal plugin", "bytes"],
    sizes.minimal.pdkModules.map((entry) => [entry.module, String(entry.bytes)]),
  );
  const services = renderTable(
    ["host service", "call", "added (minified)"],
    sizes.services.map((entry) => [entry.service, `${entry.service}.${entry.function}`, formatBytes(entry.addedBytes)]),
  );
  return `${plugins}\n\n${minimalModules}\n\nAdded to a ${formatBytes(sizes.serviceBaselineBytes)} one-capability plugin by one call:\n\n${services}`;
}

function codecTable(results: readonly CodecResult[]): string {
  return renderTable(
    ["1 MiB", "PDK codec", "textbook loop", "prelude atob/btoa", "PDK / faster"],
    results.map((r) => [r.operation, formatDuration(r.pdkNs), formatDuration(r.loopNs), formatDuration(r.preludeNs), `${r.ratio.toFixed(2)}x`]),
  );
}

function buildTable(results: readonly BuildTimeResult[]): string {
  return renderTable(
    ["example", "result", "first build", "median of the next"],
    results.map((r) => [r.example, r.ok ? "ok" : `failed: ${(r.error ?? "").slice(0, 50)}`, formatDuration(r.firstMs * 1e6), formatDuration(r.medianMs * 1e6)]),
  );
}

function engineTables(results: EngineResults): string {
  if (!results.available) return `skipped, because ${results.reason}`;

  const sizes = renderTable(
    ["plugin", "plugin.js", "plugin.wasm", "gzipped", "wasm - engine.wasm", "gzipped - engine.wasm", "nd-pdk build"],
    results.plugins.map((entry) =>
      "error" in entry
        ? [entry.example, "-", `failed: ${entry.error.slice(0, 60)}`, "-", "-", "-", "-"]
        : [
            entry.example,
            formatBytes(entry.bundleBytes),
            formatBytes(entry.wasmBytes),
            formatBytes(entry.wasmGzipBytes),
            formatBytes(entry.wasmBytes - results.engineWasmBytes),
            formatBytes(entry.wasmGzipBytes - results.engineWasmGzipBytes),
            formatDuration(entry.buildMs * 1e6),
          ],
    ),
  );

  const times = renderTable(
    ["plugin", "measure", "engine in @extism/extism", "QuickJS-ng simulator", "engine / QuickJS-ng"],
    results.plugins.flatMap((entry) => {
      if ("error" in entry) return [];
      const row = (measure: string, timing: EngineTiming): string[] => [
        entry.example,
        measure,
        formatDuration(timing.engineNs),
        formatDuration(timing.quickJsNs),
        `${timing.ratio.toFixed(3)}x`,
      ];
      return [row("instantiate", entry.instantiate), row("first call", entry.firstCall), row("warm call", entry.warmCall)];
    }),
  );
  const engineSize = `engine.wasm: ${formatBytes(results.engineWasmBytes)}, ${formatBytes(results.engineWasmGzipBytes)} gzipped`;
  return `${engineSize}\n\n${sizes}\n\n${times}`;
}

function summarize(overhead: readonly OverheadResult[], sizes: SizeResults, codec: readonly CodecResult[], builds: readonly BuildTimeResult[]) {
  const worstOverhead = Math.max(...overhead.map((r) => r.ratio));
  const worstCodec = Math.max(...codec.map((r) => r.ratio));
  const slowestBuild = Math.max(...builds.filter((r) => r.ok).map((r) => r.medianMs));
  return {
    overhead: { limit: TARGETS.maxOverheadRatio, measured: worstOverhead, met: worstOverhead <= TARGETS.maxOverheadRatio },
    minimalPdkBytes: { limit: TARGETS.maxMinimalPdkBytes, measured: sizes.minimal.pdkBytes, met: sizes.minimal.pdkBytes <= TARGETS.maxMinimalPdkBytes },
    codec: { limit: TARGETS.maxCodecRatio, measured: worstCodec, met: worstCodec <= TARGETS.maxCodecRatio },
    buildMs: { limit: TARGETS.maxBuildMs, measured: slowestBuild, met: slowestBuild <= TARGETS.maxBuildMs },
  };
}

const PARTS = ["overhead", "size", "codec", "build", "engine"] as const;
type Part = (typeof PARTS)[number];

/** Reads `--only=a,b`; every part when the option is absent. */
function selectedParts(argv: readonly string[]): ReadonlySet<Part> {
  const option = argv.find((arg) => arg.startsWith("--only="));
  if (option === undefined) return new Set(PARTS);
  const names = option.slice("--only=".length).split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !(PARTS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--only: unknown part ${unknown.join(", ")}; the parts are ${PARTS.join(", ")}`);
  return new Set(names as Part[]);
}

function targetsTable(targets: ReturnType<typeof summarize>): string {
  const yesNo = (met: boolean): string => (met ? "yes" : "no");
  return renderTable(
    ["target", "limit", "measured", "met"],
    [
      ["call overhead (worst ratio)", `${targets.overhead.limit}x`, `${targets.overhead.measured.toFixed(3)}x`, yesNo(targets.overhead.met)],
      ["PDK code in the minimal plugin", formatBytes(targets.minimalPdkBytes.limit), formatBytes(targets.minimalPdkBytes.measured), yesNo(targets.minimalPdkBytes.met)],
      ["codec against the faster baseline", `${targets.codec.limit}x`, `${targets.codec.measured.toFixed(2)}x`, yesNo(targets.codec.met)],
      ["build time (slowest median)", formatDuration(targets.buildMs.limit * 1e6), formatDuration(targets.buildMs.measured * 1e6), yesNo(targets.buildMs.met)],
    ],
  );
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const parts = selectedParts(process.argv.slice(2));
  const timing = quick ? { batches: 3, batchMs: 20 } : { batches: 15, batchMs: 100 };
  const machine = describeMachine();
  const examples = exampleDirs(REPO_DIR);

  // Builds run first, so that the first one pays for loading the QuickJS engine as a fresh
  // `nd-pdk build` process does.
  const builds = parts.has("build") ? await measureBuildTimes(examples, { runs: quick ? 2 : 5, onProgress: progress }) : undefined;
  const overhead = parts.has("overhead") ? await measureOverhead({ ...timing, onProgress: progress }) : undefined;
  const sizes = parts.has("size") ? await measureSizes(examples, { onProgress: progress }) : undefined;
  const codec = parts.has("codec") ? await measureCodec({ ...timing, onProgress: progress }) : undefined;
  const engine = parts.has("engine") ? await measureEngine({ ...timing, buildRuns: quick ? 1 : 3, onProgress: progress }) : undefined;

  const sections = [`Machine: ${machine.cpuModel}, ${machine.nproc} CPUs, Node ${machine.node}, ${machine.platform}${quick ? " (--quick: figures not for publication)" : ""}`];
  if (overhead !== undefined) sections.push(`Call overhead (QuickJS-ng, one call on an evaluated bundle, median of alternating batches):\n\n${overheadTable(overhead)}`);
  if (sizes !== undefined) sections.push(`Size:\n\n${sizeTables(sizes)}`);
  if (codec !== undefined) sections.push(`Base64 in QuickJS-ng:\n\n${codecTable(codec)}`);
  if (builds !== undefined) sections.push(`Build time (nd-pdk build without the compiler):\n\n${buildTable(builds)}`);
  if (engine !== undefined) sections.push(`Built-in engine (nd-pdk build --compiler engine; times are medians of alternating batches):\n\n${engineTables(engine)}`);

  if (overhead !== undefined && sizes !== undefined && codec !== undefined && builds !== undefined && engine !== undefined) {
    const targets = summarize(overhead, sizes, codec, builds);
    sections.push(`Targets:\n\n${targetsTable(targets)}`);
    const results = { date: new Date().toISOString(), quick, machine, timing, targets, overhead, sizes, codec, buildTimes: builds, engine };
    const file = path.join(BENCH_DIR, "bench-results.json");
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    sections.push(`Written to ${path.relative(REPO_DIR, file)}.`);
  }
  process.stdout.write(`${sections.join("\n\n")}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pnpm bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
