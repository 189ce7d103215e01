/**
 * The built-in engine: example plugins compiled to plugin.wasm by `nd-pdk build --compiler engine`,
 * their size against engine.wasm and against their bundle, and their start and call times in
 * `@extism/extism` against the same bundle in the simulator's QuickJS-ng runtime.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

import type { Plugin } from "@extism/extism";
import { buildPlugin } from "@nd/pdk-cli";
import { engineStatus } from "@nd/pdk-engine";
import type { HostBridge, QuickJsPlugin } from "@nd/pdk-simulator";
import { loadQuickJsPlugin } from "@nd/pdk-simulator";
import { encodeBase64 } from "@nd/pdk-types";

import { REPO_DIR } from "./bundle.js";
import type { HostFunctionImplementation, WarmPlugin } from "./engine.js";
import { loadWarmPlugin } from "./engine.js";
import { callExtismPlugin, instantiateExtismPlugin } from "./extism.js";
import { TRACK } from "./overhead.js";
import type { PairedTiming } from "./stats.js";
import { comparePairedAsync, median } from "./stats.js";

/** One example and the call made on it. */
interface EngineCase {
  /** The folder under examples/. */
  readonly example: string;
  readonly exportName: string;
  readonly input: string;
  /** Prepared replies of the host functions this call uses. Any other import fails the call. */
  readonly hostFunctions: ReadonlyMap<string, HostFunctionImplementation>;
  /** Text the output must contain, so that a call that took a failure path is not timed unnoticed. */
  readonly expectedOutput: string;
}

/** One measure taken on both runtimes in alternating batches. */
export interface EngineTiming {
  /** Median time of one run with the compiled plugin in @extism/extism, in nanoseconds. */
  readonly engineNs: number;
  /** Median time of one run of the bundle in the simulator's QuickJS-ng runtime, in nanoseconds. */
  readonly quickJsNs: number;
  /** The median over batch pairs of engine time / QuickJS-ng time. */
  readonly ratio: number;
  readonly batches: number;
  readonly runsPerBatch: number;
}

/** The figures of one example. */
export interface EnginePluginResult {
  readonly example: string;
  /** The export that the timed calls run. */
  readonly export: string;
  /** Bytes of dist/plugin.js as nd-pdk build writes it (not minified), the input of the engine. */
  readonly bundleBytes: number;
  readonly wasmBytes: number;
  /** Bytes of plugin.wasm after gzip at zlib's default level 6. */
  readonly wasmGzipBytes: number;
  /** Median wall time of a whole `nd-pdk build` with the engine, in milliseconds, over the builds after the first. */
  readonly buildMs: number;
  /** Number of builds the median is taken over. */
  readonly buildRuns: number;
  /** A fresh instance of the precompiled module, against a fresh QuickJS-ng context that evaluates the bundle. */
  readonly instantiate: EngineTiming;
  /** A fresh instance and one call, against the simulator's call (fresh context, bundle, export). */
  readonly firstCall: EngineTiming;
  /** One more call on a long-lived instance in both runtimes. */
  readonly warmCall: EngineTiming;
}

export type EngineResults =
  | {
      readonly available: true;
      readonly engineWasmBytes: number;
      readonly engineWasmGzipBytes: number;
      readonly plugins: readonly (EnginePluginResult | { readonly example: string; readonly error: string })[];
    }
  | { readonly available: false; readonly reason: string };

export interface EngineOptions {
  /** Batches per variant. Each reported time is their median. */
  readonly batches: number;
  /** Target wall time of one batch, in milliseconds. */
  readonly batchMs: number;
  /** Builds per example after an untimed first one. The build time reported is their median. */
  readonly buildRuns: number;
  readonly onProgress?: (message: string) => void;
}

/** Returns a config_get that replies as Navidrome's config service does: the value with `exists`, or `{}` for a missing key. */
function configGet(settings: Readonly<Record<string, string>>): HostFunctionImplementation {
  const replies = new Map(Object.entries(settings).map(([key, value]) => [key, JSON.stringify({ value, exists: true })]));
  return (request) => replies.get((JSON.parse(request) as { key: string }).key) ?? "{}";
}

const emptyReply: HostFunctionImplementation = () => "{}";

const LYRICS_API_RESPONSE = JSON.stringify({
  lyrics: [
    {
      language: "en",
      synced: "[00:00.50]So what, the horns reply\n[00:04.10]and the bass walks on\n[00:08.75]so what",
      plain: "So what, the horns reply\nand the bass walks on\nso what",
    },
  ],
});

const CASES: readonly EngineCase[] = [
  {
    example: "minimal-biography",
    exportName: "nd_get_artist_biography",
    input: JSON.stringify({ id: "ar-1", name: "nina simone" }),
    hostFunctions: new Map([["config_get", configGet({ biographies: JSON.stringify({ "Nina Simone": "Pianist, singer and songwriter." }) })]]),
    expectedOutput: "Pianist, singer and songwriter.",
  },
  {
    // Four host functions: the settings, a cache miss, the lyrics API and the cache write.
    example: "lyrics-provider",
    exportName: "nd_lyrics_get_lyrics",
    input: JSON.stringify({ track: TRACK }),
    hostFunctions: new Map([
      ["config_get", configGet({ baseUrl: "https://lyrics.example.com/api/v1", apiKey: "lk_bench_0123456789" })],
      ["cache_getstring", emptyReply],
      [
        "http_send",
        () =>
          JSON.stringify({
            result: {
              statusCode: 200,
              headers: { "Content-Type": "application/json; charset=utf-8" },
              body: encodeBase64(new TextEncoder().encode(LYRICS_API_RESPONSE)),
            },
          }),
      ],
      ["cache_setstring", emptyReply],
    ]),
    expectedOutput: "the bass walks on",
  },
  {
    // The largest bundle of the three (nine exports); the call itself is light.
    example: "discord-rich-presence",
    exportName: "nd_scrobbler_is_authorized",
    input: JSON.stringify({ username: "Ines" }),
    hostFunctions: new Map([["config_get", configGet({ clientId: "1134567890123456789", userTokens: JSON.stringify({ ines: "bench-token" }) })]]),
    expectedOutput: "true",
  },
];

/**
 * Returns an implementation for every host function the plugin imports: the case's prepared reply,
 * or a function that fails the call.
 *
 * @throws {Error} when the case prepares a reply for a host function the plugin does not import.
 */
function hostFunctionsFor(benchCase: EngineCase, imports: readonly string[]): Map<string, HostFunctionImplementation> {
  const unused = [...benchCase.hostFunctions.keys()].filter((name) => !imports.includes(name));
  if (unused.length > 0) throw new Error(`the benchmark case prepares replies for ${unused.join(", ")}, which the plugin does not import; update the case`);
  return new Map(
    imports.map((name) => {
      const failing: HostFunctionImplementation = () => {
        throw new Error(`the plugin called ${name}, for which the benchmark case prepares no reply`);
      };
      return [name, benchCase.hostFunctions.get(name) ?? failing];
    }),
  );
}

function gzipBytes(bytes: Uint8Array): number {
  return gzipSync(bytes).length;
}

function toEngineTiming(timing: PairedTiming): EngineTiming {
  return { engineNs: timing.subjectNs, quickJsNs: timing.baselineNs, ratio: timing.ratio, batches: timing.batches, runsPerBatch: timing.iterations };
}

/**
 * Runs `nd-pdk build --compiler engine` once, then `runs` more times into `outDir`, and returns the
 * median time of the later builds in milliseconds. The first build is left out because under tsx,
 * which runs the benchmark, it includes a first import of binaryen (a 15 MB JavaScript file) that
 * took about 7 s, against 0.4 s under plain Node, which runs `nd-pdk build`.
 */
async function buildWithEngine(dir: string, outDir: string, runs: number): Promise<{ medianMs: number; exports: readonly string[]; imports: readonly string[] }> {
  const build = async (): Promise<{ ms: number; exports: readonly string[]; imports: readonly string[] }> => {
    const start = performance.now();
    const result = await buildPlugin({ dir, outDir, compiler: "engine" });
    const ms = performance.now() - start;
    if (!result.ok) throw new Error(`nd-pdk build failed: ${result.errors[0] ?? "without a message"}`);
    return { ms, exports: result.exports, imports: result.imports };
  };

  const first = await build();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) times.push((await build()).ms);
  return { medianMs: median(times), exports: first.exports, imports: first.imports };
}

/**
 * Calls the export once in each runtime and checks that both wrote the same output, containing the
 * expected text.
 *
 * @throws {Error} when a call fails or the outputs differ.
 */
async function checkOutputs(benchCase: EngineCase, module: WebAssembly.Module, functions: Map<string, HostFunctionImplementation>, quickJs: QuickJsPlugin, bridge: HostBridge): Promise<void> {
  const outcome = quickJs.call(benchCase.exportName, benchCase.input, bridge);
  if (outcome.kind !== "output") throw new Error(`${benchCase.exportName} in QuickJS-ng: expected output, got ${outcome.kind === "error" ? `the error ${outcome.message}` : outcome.kind}`);

  const plugin = await instantiateExtismPlugin(module, functions);
  let engineOutput: string | undefined;
  try {
    engineOutput = await callExtismPlugin(plugin, benchCase.exportName, benchCase.input);
  } finally {
    await plugin.close();
  }
  if (engineOutput !== outcome.output) {
    throw new Error(`${benchCase.exportName}: the compiled plugin wrote ${JSON.stringify(engineOutput)} but QuickJS-ng ${JSON.stringify(outcome.output)}`);
  }
  if (!outcome.output.includes(benchCase.expectedOutput)) {
    throw new Error(`${benchCase.exportName}: the output ${JSON.stringify(outcome.output)} lacks ${JSON.stringify(benchCase.expectedOutput)}; a prepared reply is probably wrong`);
  }
}

/** Builds one example with the engine and times it in both runtimes. */
async function measureCase(benchCase: EngineCase, outDir: string, options: EngineOptions): Promise<EnginePluginResult> {
  const dir = path.join(REPO_DIR, "examples", benchCase.example);
  const timing = { batches: options.batches, batchMs: options.batchMs };
  options.onProgress?.(`engine: ${benchCase.example}, nd-pdk build`);
  const build = await buildWithEngine(dir, outDir, options.buildRuns);

  const bundle = readFileSync(path.join(outDir, "plugin.js"), "utf8");
  const wasm = readFileSync(path.join(outDir, "plugin.wasm"));
  const module = await WebAssembly.compile(wasm);
  const functions = hostFunctionsFor(benchCase, build.imports);
  const bridge: HostBridge = { functions, config: new Map(), logLevel: "off", log: () => undefined, now: () => Date.now() };
  const quickJs = await loadQuickJsPlugin({ bundle, declaredImports: build.imports, declaredExports: build.exports });
  const loadWarm = (): Promise<WarmPlugin> => loadWarmPlugin({ bundle, input: benchCase.input, hostFunctions: functions });

  try {
    await checkOutputs(benchCase, module, functions, quickJs, bridge);

    options.onProgress?.(`engine: ${benchCase.example}, instantiate`);
    const instantiate = await comparePairedAsync(
      async () => {
        const plugin = await instantiateExtismPlugin(module, functions);
        await plugin.close();
      },
      async () => (await loadWarm()).dispose(),
      timing,
    );

    options.onProgress?.(`engine: ${benchCase.example}, first call`);
    const firstCall = await comparePairedAsync(
      async () => {
        const plugin = await instantiateExtismPlugin(module, functions);
        try {
          await callExtismPlugin(plugin, benchCase.exportName, benchCase.input);
        } finally {
          await plugin.close();
        }
      },
      async () => quickJs.call(benchCase.exportName, benchCase.input, bridge),
      timing,
    );

    options.onProgress?.(`engine: ${benchCase.example}, warm call`);
    const warmCall = await measureWarmCalls(benchCase, module, functions, loadWarm, timing);

    return {
      example: benchCase.example,
      export: benchCase.exportName,
      bundleBytes: Buffer.byteLength(bundle),
      wasmBytes: wasm.length,
      wasmGzipBytes: gzipBytes(wasm),
      buildMs: build.medianMs,
      buildRuns: options.buildRuns,
      instantiate: toEngineTiming(instantiate),
      firstCall: toEngineTiming(firstCall),
      warmCall: toEngineTiming(warmCall),
    };
  } finally {
    quickJs.dispose();
  }
}

async function measureWarmCalls(
  benchCase: EngineCase,
  module: WebAssembly.Module,
  functions: Map<string, HostFunctionImplementation>,
  loadWarm: () => Promise<WarmPlugin>,
  timing: { batches: number; batchMs: number },
): Promise<PairedTiming> {
  let extism: Plugin | undefined;
  let quickJs: WarmPlugin | undefined;
  try {
    extism = await instantiateExtismPlugin(module, functions);
    quickJs = await loadWarm();
    const engine = extism;
    const simulator = quickJs;
    return await comparePairedAsync(
      async () => {
        await callExtismPlugin(engine, benchCase.exportName, benchCase.input);
        // Drops the call's kernel blocks, which @extism/extism 1.0.3 keeps until a reset, so that
        // thousands of calls do not pile them up.
        await engine.reset();
      },
      async () => simulator.call(benchCase.exportName),
      timing,
    );
  } finally {
    await extism?.close();
    quickJs?.dispose();
  }
}

/**
 * Builds each example of the cases with the built-in engine into a temporary folder and measures
 * it. An example that fails is reported with its error and the others still run.
 */
export async function measureEngine(options: EngineOptions): Promise<EngineResults> {
  const status = engineStatus();
  if (!status.available) return { available: false, reason: status.reason };

  const engineWasm = readFileSync(status.wasmFile);
  const outRoot = mkdtempSync(path.join(tmpdir(), "nd-bench-engine-"));
  const plugins: (EnginePluginResult | { example: string; error: string })[] = [];
  try {
    for (const benchCase of CASES) {
      try {
        plugins.push(await measureCase(benchCase, path.join(outRoot, benchCase.example), options));
      } catch (error) {
        plugins.push({ example: benchCase.example, error: (error as Error).message });
      }
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
  return { available: true, engineWasmBytes: engineWasm.length, engineWasmGzipBytes: gzipBytes(engineWasm), plugins };
}
