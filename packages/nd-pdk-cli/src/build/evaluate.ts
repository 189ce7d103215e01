/**
 * Runs a bundle's top-level code once in the simulator's QuickJS-ng runtime, as extism-js and the
 * built-in engine do at build time, to learn its exports and to find what the compiler would reject.
 */
import path from "node:path";

import type { TopLevelProblem } from "@nd/pdk-simulator";
import { loadQuickJsPlugin } from "@nd/pdk-simulator";

/**
 * The phrase with which the simulator's prelude, which the built-in engine runs too, explains a host
 * facility used at top level. It names extism-js whichever compiler runs.
 */
const PRELUDE_COMPILER_PHRASE = "extism-js runs top-level code once at build time";

/**
 * Rewrites the top-level error text of the simulator's prelude to name `compiler` (such as "the
 * built-in engine") instead of extism-js.
 */
export function nameCompilerInTopLevelError(text: string, compiler: string): string {
  return text.replaceAll(PRELUDE_COMPILER_PHRASE, `${compiler} runs top-level code once at build time`);
}

/** Returns the message of a top-level problem, naming `compiler` as the one that fails the build. */
function describeProblem(problem: TopLevelProblem, compiler: string): string {
  if (problem.kind !== "exception") return nameCompilerInTopLevelError(problem.message, compiler);
  return problem.message.replace(/^(top-level code (?:threw|trapped)), so extism-js cannot build the plugin/, `$1, so ${compiler} cannot build the plugin`);
}

/** The exports of a bundle, and the problems its top-level code has. */
export interface Evaluation {
  /** The function keys of `module.exports`, sorted. */
  readonly exports: readonly string[];
  readonly errors: readonly string[];
}

/**
 * Evaluates the bundle with the host functions it declares. Top-level code that calls a host
 * function, uses the files API, reads Config or Var, or logs to the console fails the real build,
 * because the compiler runs it while no host exists; so does a `module.exports` key that is not a
 * function. `compiler` names the compiler in those messages, such as "extism-js".
 */
export async function evaluateBundle(options: {
  code: string;
  sourceMap: string;
  imports: readonly string[];
  bundleFile: string;
  projectDir: string;
  compiler: string;
}): Promise<Evaluation> {
  const plugin = await loadQuickJsPlugin({
    bundle: options.code,
    sourceMap: sourcesRelativeTo(options.sourceMap, path.dirname(options.bundleFile), options.projectDir),
    fileName: path.relative(options.projectDir, options.bundleFile),
    declaredImports: options.imports,
  });
  try {
    // Each message names its location in the plugin's sources when the stack shows one.
    const errors = plugin.checkTopLevel().map((problem) => describeProblem(problem, options.compiler));
    return { exports: [...plugin.exports], errors };
  } finally {
    plugin.dispose();
  }
}

/**
 * Rewrites the `sources` of a source map, which esbuild writes relative to the map's folder, to be
 * relative to the plugin directory, so that locations in messages read `src/index.ts:4:9`.
 */
function sourcesRelativeTo(sourceMap: string, mapDir: string, projectDir: string): string {
  const map = JSON.parse(sourceMap) as { sources?: string[] };
  map.sources = (map.sources ?? []).map((source) => path.relative(projectDir, path.resolve(mapDir, source)));
  return JSON.stringify(map);
}
