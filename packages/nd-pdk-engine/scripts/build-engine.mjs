// @ts-check
/**
 * Builds dist/engine.wasm: QuickJS 2021-03-27 (C sources from the `qjsc` npm package) and the
 * engine's own C glue, compiled with Debian's clang-14 for wasm32-wasi, linked as a WASI reactor and
 * optimised once with binaryen. Object files and the optimised module are cached in .cache/ by the
 * hash of their inputs, so a rebuild compiles only what changed.
 *
 * Usage: node scripts/build-engine.mjs [--eval-tool]
 *   --eval-tool  also link .cache/eval-tool.wasm, the WASI command the number formatting tests run.
 * With ND_PDK_ENGINE_SKIP=1 the command builds nothing and succeeds, and nd-pdk build then has no
 * built-in compiler.
 *
 * The scripts are plain JavaScript because tsx re-transforms binaryen's 10 MB module on every run,
 * which costs about 7 s per command.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { PRELUDE_SOURCE } from "@nd/pdk-simulator/prelude";
import binaryen from "binaryen";

import { wasmFeatures } from "./wasm-features.mjs";

const run = promisify(execFile);

export const ENGINE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CACHE_DIR = join(ENGINE_DIR, ".cache");
export const ENGINE_WASM = join(ENGINE_DIR, "dist", "engine.wasm");
export const EVAL_TOOL_WASM = join(CACHE_DIR, "eval-tool.wasm");
/** Set to 1 to build no engine where clang-14 or wasi-libc cannot be installed. */
export const SKIP_VARIABLE = "ND_PDK_ENGINE_SKIP";
/** binaryen's optimisation level for the engine: -O3 took 50% longer than -O2 for 1% less size. */
const ENGINE_OPTIMIZE_LEVEL = 2;
const QUICKJS_VERSION = "2021-03-27";
/** Wasm shadow stack of the engine; engine.c sets QuickJS's own limit to three eighths of it. */
const STACK_BYTES = 1024 * 1024;
const QUICKJS_FILES = ["quickjs.c", "libregexp.c", "libunicode.c", "cutils.c", "libbf.c"];
const GLUE_FILES = ["engine.c", "natives.c", "files.c", "number-format.c"];
const INSTALL_HINT = [
  "On Debian or Ubuntu, install them with: apt-get update && apt-get install -y clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32",
  "(CLANG and WASI_SYSROOT point the build at another clang or sysroot).",
  `To build without the engine, set ${SKIP_VARIABLE}=1: nd-pdk build then compiles with extism-js when it is on PATH, and otherwise stops before plugin.wasm.`,
].join(" ");

/**
 * A checked edit of quickjs.c. `find` must occur exactly once, so a different QuickJS release fails
 * the build instead of compiling with a stale edit. A pair [start, end] replaces from start up to,
 * not including, end.
 *
 * @typedef {object} SourceEdit
 * @property {string} reason
 * @property {string | readonly [string, string]} find
 * @property {string} replace
 */

/** @type {readonly SourceEdit[]} */
const QUICKJS_EDITS = [
  {
    reason: "Atomics need pthreads, which wasm32-wasi lacks",
    find: "#define CONFIG_ATOMICS\n",
    replace: "/* nd-engine: CONFIG_ATOMICS is off, since wasm32-wasi has no threads. */\n",
  },
  {
    reason: "js_ecvt and js_fcvt switch rounding modes with fesetround, which WebAssembly lacks",
    find: ["/* buf1 contains the printf result */", "/* radix != 10 is only supported with flags = JS_DTOA_VAR_FORMAT */"],
    replace: [
      "/* nd-engine: digit generation without fesetround, from packages/nd-pdk-engine/src/number-format.c. */",
      '#include "number-format.h"',
      "#define JS_DTOA_BUF_SIZE 128",
      "static int js_ecvt(double d, int n_digits, int *decpt, int *sign, char *buf, BOOL is_fixed)",
      "{",
      "    return nd_ecvt(d, n_digits, decpt, sign, buf, is_fixed);",
      "}",
      "static void js_fcvt(char *buf, int buf_size, double d, int n_digits)",
      "{",
      "    nd_fcvt(buf, buf_size, d, n_digits);",
      "}",
      "",
      "",
    ].join("\n"),
  },
];

/**
 * @typedef {object} Toolchain
 * @property {string} clang
 * @property {string} sysroot
 * @property {string} version
 */

/**
 * Finds clang-14 and the wasi-libc sysroot, or returns a problem that names the missing one. The CLANG and WASI_SYSROOT
 * variables override the search.
 *
 * @returns {Promise<{ toolchain: Toolchain, problem?: undefined } | { toolchain?: undefined, problem: string }>}
 */
export async function checkToolchain() {
  const clang = process.env.CLANG ?? "clang-14";
  let version;
  try {
    version = (await run(clang, ["--version"])).stdout.split("\n")[0] ?? "";
  } catch {
    return { problem: `${clang} was not found on PATH` };
  }
  // Debian's wasi-libc installs into /usr/include/wasm32-wasi and /usr/lib/wasm32-wasi, so /usr
  // is the sysroot there; the WASI SDK layout uses /usr/share/wasi-sysroot.
  const candidates = [process.env.WASI_SYSROOT, "/usr", "/usr/share/wasi-sysroot"].filter((path) => path !== undefined);
  const sysroot = candidates.find((path) => existsSync(join(path, "lib", "wasm32-wasi", "libc.a")));
  if (sysroot === undefined) return { problem: `wasi-libc was not found (no lib/wasm32-wasi/libc.a under ${candidates.join(", ")})` };
  return { toolchain: { clang, sysroot, version } };
}

function quickjsSourceDir() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("qjsc/package.json")), "deps", "quickjs_2021_03_27");
}

/**
 * @param {string} source
 * @param {SourceEdit} edit
 */
function applyEdit(source, edit) {
  const [start, end] = typeof edit.find === "string" ? [edit.find, undefined] : edit.find;
  const first = source.indexOf(start);
  if (first < 0 || source.indexOf(start, first + 1) >= 0) {
    throw new Error(`quickjs.c does not contain ${JSON.stringify(start)} exactly once, so the edit "${edit.reason}" cannot be applied. Is the qjsc package still ${QUICKJS_VERSION}?`);
  }
  const stop = end === undefined ? first + start.length : source.indexOf(end, first);
  if (stop < 0) throw new Error(`quickjs.c has no ${JSON.stringify(end)} after ${JSON.stringify(start)}, so the edit "${edit.reason}" cannot be applied.`);
  return source.slice(0, first) + edit.replace + source.slice(stop);
}

/**
 * Writes through a temporary file and a rename, so that a concurrent build never reads a partly
 * written file.
 *
 * @param {string} path
 * @param {string | Uint8Array} data
 */
async function writeAtomically(path, data) {
  const partial = `${path}.${process.pid}.partial`;
  await writeFile(partial, data);
  await rename(partial, path);
}

/**
 * @param {string} path
 * @param {string} text
 */
async function writeIfChanged(path, text) {
  const current = existsSync(path) ? await readFile(path, "utf8") : undefined;
  if (current !== text) await writeAtomically(path, text);
}

/** Copies the QuickJS sources into .cache/quickjs, with the engine's edits in quickjs.c. */
async function prepareQuickjsSources() {
  const from = quickjsSourceDir();
  const version = (await readFile(join(from, "VERSION"), "utf8")).trim();
  if (version !== QUICKJS_VERSION) throw new Error(`the qjsc package ships QuickJS ${version}; the engine's edits are written for ${QUICKJS_VERSION}.`);

  const to = join(CACHE_DIR, "quickjs");
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (!name.endsWith(".c") && !name.endsWith(".h")) continue;
    let text = await readFile(join(from, name), "utf8");
    if (name === "quickjs.c") text = QUICKJS_EDITS.reduce(applyEdit, text);
    await writeIfChanged(join(to, name), text);
  }
  return to;
}

/** Writes a C header with the prelude and dispatcher sources as NUL-terminated byte arrays. */
async function generateEmbeddedJs() {
  const dir = join(CACHE_DIR, "generated");
  await mkdir(dir, { recursive: true });
  const dispatch = await readFile(join(ENGINE_DIR, "src", "dispatch.js"), "utf8");

  /**
   * @param {string} name
   * @param {string} text
   */
  const array = (name, text) => {
    const bytes = [...Buffer.from(text, "utf8"), 0];
    const lines = [];
    for (let i = 0; i < bytes.length; i += 24) lines.push("    " + bytes.slice(i, i + 24).join(", ") + ",");
    return `static const char ${name}[] = {\n${lines.join("\n")}\n};\n`;
  };
  const header = [
    "/* Generated by packages/nd-pdk-engine/scripts/build-engine.mjs. Do not edit. */",
    // The simulator's prelude is the JavaScript half of the extism-js globals; the engine runs the
    // same source against natives written in C.
    "/* The extism-js prelude of @nd/pdk-simulator. */",
    array("nd_prelude_source", PRELUDE_SOURCE),
    "/* packages/nd-pdk-engine/src/dispatch.js */",
    array("nd_dispatch_source", dispatch),
  ].join("\n");
  await writeIfChanged(join(dir, "embedded-js.h"), header);
  return dir;
}

/** @param {readonly string[]} dirs */
async function hashHeaders(dirs) {
  const hash = createHash("sha256");
  for (const dir of dirs) {
    for (const name of (await readdir(dir)).sort()) {
      if (name.endsWith(".h")) hash.update(name).update(await readFile(join(dir, name)));
    }
  }
  return hash.digest("hex");
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function stderrOf(error) {
  return /** @type {{ stderr?: string }} */ (error).stderr ?? String(error);
}

/** @typedef {{ source: string, flags: readonly string[] }} CompileJob */

/**
 * Compiles one C file unless an object with the same inputs is cached; returns the object path.
 *
 * @param {Toolchain} toolchain
 * @param {CompileJob} job
 * @param {string} headersHash
 */
async function compile(toolchain, job, headersHash) {
  const key = createHash("sha256")
    .update(toolchain.version)
    .update(JSON.stringify(job.flags))
    .update(headersHash)
    .update(await readFile(job.source))
    .digest("hex")
    .slice(0, 16);
  const object = join(CACHE_DIR, "objects", `${basename(job.source, ".c")}-${key}.o`);
  if (existsSync(object)) return object;

  await mkdir(dirname(object), { recursive: true });
  const partial = `${object}.${process.pid}.partial`;
  try {
    await run(toolchain.clang, [...job.flags, "-c", job.source, "-o", partial], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`compiling ${job.source} failed:\n${stderrOf(error)}`);
  }
  await rename(partial, object);
  return object;
}

/**
 * Compiles the jobs with one compiler per core.
 *
 * @param {Toolchain} toolchain
 * @param {readonly CompileJob[]} jobs
 * @param {string} headersHash
 * @returns {Promise<string[]>}
 */
async function compileAll(toolchain, jobs, headersHash) {
  /** @type {string[]} */
  const objects = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      objects[index] = await compile(toolchain, /** @type {CompileJob} */ (jobs[index]), headersHash);
    }
  };
  const workers = Math.min(Math.max(1, availableParallelism()), jobs.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return objects;
}

/**
 * @param {Toolchain} toolchain
 * @param {readonly string[]} objects
 * @param {string} output
 * @param {readonly string[]} extra
 */
async function link(toolchain, objects, output, extra) {
  await mkdir(dirname(output), { recursive: true });
  const partial = `${output}.${process.pid}.partial`;
  const args = [
    "--target=wasm32-wasi",
    `--sysroot=${toolchain.sysroot}`,
    // No -O here: with an optimisation level, clang runs any wasm-opt on PATH after linking, and the
    // one in node_modules/.bin is binaryen's slow JavaScript build. The engine is optimised below.
    ...objects,
    "-o",
    partial,
    `-Wl,-z,stack-size=${STACK_BYTES}`,
    // With the stack below the data, an overflow traps on an out-of-bounds access instead of
    // overwriting static data.
    "-Wl,--stack-first",
    "-Wl,--strip-debug",
    ...extra,
  ];
  try {
    await run(toolchain.clang, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    throw new Error(`linking ${output} failed:\n${stderrOf(error)}`);
  }
  await rename(partial, output);
}

/**
 * Runs binaryen's optimiser over the linked engine once, so that compiling a plugin needs no
 * whole-module optimisation (20 to 30 s for QuickJS with the JavaScript build of binaryen). The
 * result is cached by the hash of the linked module.
 *
 * @param {string} linked
 * @param {string} output
 */
async function optimizeEngine(linked, output) {
  const input = await readFile(linked);
  const key = createHash("sha256").update(input).update(String(ENGINE_OPTIMIZE_LEVEL)).digest("hex").slice(0, 16);
  const cached = join(CACHE_DIR, `engine-optimized-${key}.wasm`);
  if (!existsSync(cached)) {
    const module = binaryen.readBinary(input);
    try {
      module.setFeatures(wasmFeatures(binaryen));
      binaryen.setOptimizeLevel(ENGINE_OPTIMIZE_LEVEL);
      binaryen.setShrinkLevel(0);
      binaryen.setDebugInfo(false);
      module.optimize();
      await writeAtomically(cached, module.emitBinary());
    } finally {
      module.dispose();
    }
  }
  await mkdir(dirname(output), { recursive: true });
  await writeAtomically(output, await readFile(cached));
}

/**
 * @typedef {object} BuildResult
 * @property {string} engine
 * @property {string} [evalTool]
 * @property {number} compiled The number of C files compiled; the others came from the cache.
 * @property {number} seconds
 */

/**
 * Builds dist/engine.wasm, and .cache/eval-tool.wasm with `evalTool`.
 *
 * @param {{ evalTool?: boolean }} [options]
 * @returns {Promise<BuildResult>}
 * @throws {Error} when clang-14 or wasi-libc is missing, or when compiling or linking fails.
 */
export async function buildEngine(options = {}) {
  const started = performance.now();
  const { toolchain, problem } = await checkToolchain();
  if (toolchain === undefined) throw new Error(`The wasm engine of @nd/pdk-engine needs clang-14 and wasi-libc, but ${problem}. ${INSTALL_HINT}`);

  const quickjsDir = await prepareQuickjsSources();
  const generatedDir = await generateEmbeddedJs();
  const srcDir = join(ENGINE_DIR, "src");

  const common = [
    "--target=wasm32-wasi",
    `--sysroot=${toolchain.sysroot}`,
    "-O2",
    // QuickJS's own Makefile builds with these.
    "-funsigned-char",
    "-D_GNU_SOURCE",
    `-DCONFIG_VERSION="${QUICKJS_VERSION}"`,
    "-DCONFIG_BIGNUM",
    `-I${quickjsDir}`,
    `-I${srcDir}`,
    `-I${generatedDir}`,
    "-Wno-implicit-const-int-float-conversion",
  ];
  /** @type {CompileJob[]} */
  const quickjsJobs = QUICKJS_FILES.map((name) => ({
    source: join(quickjsDir, name),
    // wasi-libc declares malloc_usable_size in malloc.h, which quickjs.c includes only on Linux.
    flags: name === "quickjs.c" ? [...common, "-include", "malloc.h"] : common,
  }));
  /** @type {CompileJob[]} */
  const glueJobs = GLUE_FILES.map((name) => ({
    source: join(srcDir, name),
    flags: [...common, "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", `-DND_STACK_BYTES=${STACK_BYTES}`],
  }));
  /** @type {CompileJob[]} */
  const evalJobs = options.evalTool === true ? [{ source: join(ENGINE_DIR, "test", "support", "eval-tool.c"), flags: [...common, "-Wall"] }] : [];

  const headersHash = await hashHeaders([quickjsDir, srcDir, generatedDir]);
  const objectsDir = join(CACHE_DIR, "objects");
  const before = new Set(existsSync(objectsDir) ? await readdir(objectsDir) : []);
  const objects = await compileAll(toolchain, [...quickjsJobs, ...glueJobs, ...evalJobs], headersHash);
  const compiled = objects.filter((object) => !before.has(basename(object))).length;

  const quickjsObjects = objects.slice(0, quickjsJobs.length);
  const glueObjects = objects.slice(quickjsJobs.length, quickjsJobs.length + glueJobs.length);
  const linked = join(CACHE_DIR, "engine-linked.wasm");
  await link(toolchain, [...quickjsObjects, ...glueObjects], linked, ["-mexec-model=reactor"]);
  await optimizeEngine(linked, ENGINE_WASM);

  /** @type {BuildResult} */
  const result = { engine: ENGINE_WASM, compiled, seconds: 0 };
  if (options.evalTool === true) {
    // The eval tool needs number-format.o but none of the Extism glue.
    const numberFormatObject = /** @type {string} */ (glueObjects[GLUE_FILES.indexOf("number-format.c")]);
    await link(toolchain, [...quickjsObjects, numberFormatObject, /** @type {string} */ (objects[objects.length - 1])], EVAL_TOOL_WASM, []);
    result.evalTool = EVAL_TOOL_WASM;
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.env[SKIP_VARIABLE] === "1") {
    console.warn(`${SKIP_VARIABLE}=1: dist/engine.wasm was not built, so nd-pdk build has no built-in compiler.`);
    process.exit(0);
  }
  buildEngine({ evalTool: process.argv.includes("--eval-tool") }).then(
    (result) => {
      const also = result.evalTool === undefined ? "" : ` and ${result.evalTool}`;
      console.log(`built ${result.engine}${also} in ${result.seconds.toFixed(1)} s (${result.compiled} C files compiled, the rest cached)`);
    },
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
