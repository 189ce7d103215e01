/**
 * Runs a bundle's top-level code once in the simulator's QuickJS-ng runtime, as extism-js does at
 * build time, to learn its exports and to find what extism-js would reject.
 */
import path from "node:path";

import { loadQuickJsPlugin } from "@nd/pdk-simulator";

/** The exports of a bundle, and the problems its top-level code has. */
export interface Evaluation {
  /** The function keys of `module.exports`, sorted. */
  readonly exports: readonly string[];
  readonly errors: readonly string[];
}

/**
 * Evaluates the bundle with the host functions it declares. Top-level code that calls a host
 * function, reads Config or Var, or logs to the console fails the real build, because extism-js runs
 * it while no host exists; so does a `module.exports` key that is not a function.
 */
export async function evaluateBundle(options: {
  code: string;
  sourceMap: string;
  imports: readonly string[];
  bundleFile: string;
  projectDir: string;
}): Promise<Evaluation> {
  const plugin = await loadQuickJsPlugin({
    bundle: options.code,
    sourceMap: sourcesRelativeTo(options.sourceMap, path.dirname(options.bundleFile), options.projectDir),
    fileName: path.relative(options.projectDir, options.bundleFile),
    declaredImports: options.imports,
  });
  try {
    // Each message names its location in the plugin's sources when the stack shows one.
    const errors = plugin.checkTopLevel().map((problem) => problem.message);
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
