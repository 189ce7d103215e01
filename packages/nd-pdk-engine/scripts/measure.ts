/**
 * Measures the engine on examples/minimal-biography: plugin size, build time, call times in
 * @extism/extism and in one long-lived instance, and what evaluating the bundle on the first call
 * (instead of at build time with Wizer) would add to every fresh instance.
 *
 * Usage: tsx scripts/measure.ts [calls]   (default 200 calls per timing)
 *
 * @module
 */
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { gzipSync } from "node:zlib";

import { KernelHost } from "../test/support/kernel-host.js";
import { callPlugin } from "../test/support/extism-host.js";
import { buildEngine, ENGINE_DIR, ENGINE_WASM } from "./build-engine.mjs";
import { compilePlugin } from "../src/index.js";

const calls = Number(process.argv[2] ?? 200);
const exampleDist = join(ENGINE_DIR, "..", "..", "examples", "minimal-biography", "dist");
const bundle = readFileSync(join(exampleDist, "plugin.js"), "utf8");
const interfaceText = readFileSync(join(exampleDist, "plugin.d.ts"), "utf8");
const config = { biographies: JSON.stringify({ "Nina Simone": "Pianist, singer and songwriter." }) };
const input = JSON.stringify({ id: "ar-1", name: "nina simone" });

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(repeat: number, action: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await action();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Runs wizer.initialize of the bare engine under Node's WASI: the work a first-call evaluation would repeat per instance. */
async function timeInitialization(engine: WebAssembly.Module, header: string): Promise<number> {
  const inputPath = join(tmpdir(), `nd-engine-measure-${process.pid}.txt`);
  writeFileSync(inputPath, `${header}\n${bundle}`);
  try {
    const stub = (): never => {
      throw new Error("no host during initialisation");
    };
    const imports: WebAssembly.Imports = {};
    for (const entry of WebAssembly.Module.imports(engine)) {
      if (entry.module === "wasi_snapshot_preview1") continue;
      imports[entry.module] ??= {};
      (imports[entry.module] as Record<string, unknown>)[entry.name] = stub;
    }
    return await time(Math.min(calls, 20), async () => {
      const stdin = openSync(inputPath, "r");
      try {
        const wasi = new WASI({ version: "preview1", stdin, returnOnExit: true });
        const instance = await WebAssembly.instantiate(engine, { ...imports, ...(wasi.getImportObject() as WebAssembly.Imports) });
        wasi.initialize(instance);
        (instance.exports["wizer.initialize"] as () => void)();
      } finally {
        closeSync(stdin);
      }
    });
  } finally {
    rmSync(inputPath, { force: true });
  }
}

const engineBuild = await buildEngine();
const compileStarted = performance.now();
const compiled = await compilePlugin({ bundle, interfaceText });
const compileMs = performance.now() - compileStarted;
const module = await WebAssembly.compile(compiled.wasm);

const freshInstanceMs = await time(calls, () => callPlugin(module, "nd_get_artist_biography", input, { config }));
const host = await KernelHost.create(module, { hostFunctions: { config_get: () => JSON.stringify({ value: config.biographies, exists: true }) } });
const warmCallMs = await time(calls, () => host.call("nd_get_artist_biography", input));
const header = JSON.stringify({ exports: ["nd_get_artist_biography"], hostFunctions: ["config_get"] });
const initializationMs = await timeInitialization(await WebAssembly.compile(readFileSync(ENGINE_WASM)), header);

const engineSize = readFileSync(ENGINE_WASM).length;
console.log(`engine build: ${engineBuild.seconds.toFixed(1)} s (${engineBuild.compiled} C files compiled)`);
console.log(`dist/engine.wasm: ${engineSize} bytes`);
console.log(`plugin.wasm: ${compiled.wasm.length} bytes, ${gzipSync(compiled.wasm).length} gzipped`);
console.log(`plugin compile: ${compileMs.toFixed(0)} ms (Wizer ${compiled.timings.snapshotMs.toFixed(0)} ms, binaryen ${compiled.timings.finishMs.toFixed(0)} ms)`);
console.log(`median of ${calls}: fresh @extism/extism instance and call ${freshInstanceMs.toFixed(2)} ms; call on a warm instance ${warmCallMs.toFixed(3)} ms`);
console.log(`median: prelude and bundle evaluation (what a first-call start would add per instance) ${initializationMs.toFixed(2)} ms`);
