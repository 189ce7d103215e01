/**
 * Bundles plugins the way `nd-pdk build` does, through the CLI's own `bundlePlugin`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

import { bundlePlugin } from "@nd/pdk-cli";
import { loadQuickJsPlugin } from "@nd/pdk-simulator";

/** The repository root. */
export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The bench package, which resolves `@nd/pdk` for the fixtures. */
export const BENCH_DIR = path.join(REPO_DIR, "tools", "bench");
const PACKAGES_DIR = path.join(REPO_DIR, "packages");

/** A bundle and what it owes to the PDK. */
export interface SizedBundle {
  readonly code: string;
  /** The declared exports: the function keys of `module.exports` after top-level code ran. */
  readonly exports: readonly string[];
  /** Bytes of the whole minified bundle. */
  readonly totalBytes: number;
  /** Bytes of the minified bundle that come from modules under packages/. */
  readonly pdkBytes: number;
  /** Bytes per PDK module, largest first, with paths relative to packages/. */
  readonly pdkModules: readonly { readonly module: string; readonly bytes: number }[];
}

/**
 * Bundles `entry` as nd-pdk build does and returns the bundle's code.
 *
 * @throws {Error} with esbuild's messages when bundling fails.
 */
export async function bundleEntry(projectDir: string, entry: string, options: { minify?: boolean } = {}): Promise<string> {
  const output = await bundlePlugin({ projectDir, entry, outFile: path.join(projectDir, ".bench-bundle.js"), minify: options.minify ?? false });
  if (output.errors.length > 0) throw new Error(`bundling ${path.relative(REPO_DIR, entry)} failed: ${output.errors.join("; ")}`);
  return output.code;
}

/**
 * Bundles `entry` minified, in the two passes of nd-pdk build (the second carries the glue of the
 * plugin's own exports only), and counts the bytes each input contributes, using esbuild's metafile.
 *
 * @throws {Error} with esbuild's messages when bundling fails.
 */
export async function sizeBundle(projectDir: string, entry: string): Promise<SizedBundle> {
  const exports = await exportsOf(await bundleEntry(projectDir, entry));
  const output = await bundlePlugin({ projectDir, entry, outFile: path.join(projectDir, ".bench-bundle.js"), minify: true, exports });
  if (output.errors.length > 0 || output.metafile === undefined) {
    throw new Error(`bundling ${path.relative(REPO_DIR, entry)} failed: ${output.errors.join("; ")}`);
  }

  const bundleOutput = Object.entries(output.metafile.outputs).find(([file]) => file.endsWith(".js"))?.[1];
  if (bundleOutput === undefined) throw new Error(`esbuild reported no JavaScript output for ${entry}`);

  const pdkModules: { module: string; bytes: number }[] = [];
  for (const [input, contribution] of Object.entries(bundleOutput.inputs)) {
    // Metafile paths are relative to the working directory esbuild ran in.
    const absolute = path.resolve(projectDir, input);
    if (!absolute.startsWith(PACKAGES_DIR + path.sep) || contribution.bytesInOutput === 0) continue;
    pdkModules.push({ module: path.relative(PACKAGES_DIR, absolute), bytes: contribution.bytesInOutput });
  }
  pdkModules.sort((a, b) => b.bytes - a.bytes);

  return {
    code: output.code,
    exports,
    totalBytes: Buffer.byteLength(output.code),
    pdkBytes: pdkModules.reduce((sum, entry) => sum + entry.bytes, 0),
    pdkModules,
  };
}

/** Runs the bundle's top-level code in the simulator to learn its exports, as nd-pdk build does. */
async function exportsOf(code: string): Promise<readonly string[]> {
  const plugin = await loadQuickJsPlugin({ bundle: code });
  try {
    const problems = plugin.checkTopLevel();
    if (problems.length > 0) throw new Error(problems.map((problem) => problem.message).join("; "));
    return plugin.exports;
  } finally {
    plugin.dispose();
  }
}
