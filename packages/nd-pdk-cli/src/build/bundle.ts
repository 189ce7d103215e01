/**
 * Bundles a plugin's entry module into the one CommonJS file extism-js compiles.
 */
import { builtinModules } from "node:module";
import path from "node:path";

import type { Message, Metafile, Plugin } from "esbuild";
import { build } from "esbuild";

import { onlyExportedCapabilities } from "./capability-table.js";
import { hostNamespaces } from "./host-namespaces.js";

/** Options of {@link bundlePlugin}. */
export interface BundleOptions {
  /** The plugin directory, from which packages are resolved and message paths are shown. */
  readonly projectDir: string;
  /** The entry module, whose default export is the definePlugin result. */
  readonly entry: string;
  /** Where the bundle is meant to be written; it names the source map's file. Nothing is written. */
  readonly outFile: string;
  /** Minify the bundle. nd-pdk build does not, so that stack traces in Navidrome's log stay readable. */
  readonly minify?: boolean | undefined;
  /**
   * The plugin's exports, once a first bundle has shown them: `definePlugin` then carries the glue of
   * these exports only (see capability-table.ts). Default: the glue of every capability.
   */
  readonly exports?: readonly string[] | undefined;
}

/** The bundle and its source map, or the problems that stopped esbuild. */
export interface BundleOutput {
  /** The bundle: one CommonJS file whose `module.exports` is the definePlugin result. Empty when bundling failed. */
  readonly code: string;
  /** The source map of the bundle, as JSON text. Empty when bundling failed. */
  readonly sourceMap: string;
  /** esbuild's account of which input contributed how many bytes; absent when bundling failed. */
  readonly metafile?: Metafile | undefined;
  /** esbuild's errors, each with the file and line; the bundle is empty when there are any. */
  readonly errors: readonly string[];
  /** esbuild's warnings, each with the file and line. */
  readonly warnings: readonly string[];
}

const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);

const BUILTIN_CHECKED = Symbol("nd-pdk builtin checked");

/**
 * Fails the bundle on Node built-in modules, which the extism-js runtime does not have. A bare name
 * such as "buffer" or "util" is allowed when an npm package of that name is installed.
 */
const rejectNodeBuiltins: Plugin = {
  name: "nd-pdk-reject-node-builtins",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^[a-z_:][\w:/.-]*$/ }, async (args) => {
      if (args.pluginData === BUILTIN_CHECKED) return undefined;
      const isNodeScheme = args.path.startsWith("node:");
      if (!isNodeScheme && !NODE_BUILTINS.has(args.path)) return undefined;

      if (!isNodeScheme) {
        const installed = await pluginBuild.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: BUILTIN_CHECKED });
        if (installed.errors.length === 0) return installed;
      }
      return {
        errors: [
          {
            text: `"${args.path}" is a Node built-in module, which no plugin runtime provides (neither extism-js nor the built-in engine): remove the import, or use a package that works without Node`,
          },
        ],
      };
    });
  },
};

function formatMessage(message: Message, projectDir: string): string {
  const location = message.location;
  if (location === null) return message.text;
  const file = path.relative(projectDir, path.resolve(projectDir, location.file)) || location.file;
  return `${file}:${location.line}:${location.column + 1}: ${message.text}`;
}

/**
 * Replaces esbuild's message for an entry module without a default export, which points into the
 * generated wrapper, with one that names the entry module and the fix.
 */
function describeError(message: Message, projectDir: string, entryLabel: string): string {
  if (/^No matching export in .* for import "default"$/.test(message.text)) {
    return `${entryLabel} has no default export: end it with \`export default definePlugin({ ... })\`, or pass --entry with the module that has one`;
  }
  return formatMessage(message, projectDir);
}

/**
 * Bundles `entry` with everything it imports.
 *
 * A generated wrapper is the real entry point: it imports the plugin's default export and assigns it
 * to `module.exports`. extism-js finds exports by their position among the sorted keys of
 * `module.exports`, so the keys must be exactly the export names definePlugin returns, without the
 * `default` or other named exports an esbuild CommonJS bundle of the entry module itself would add.
 */
export async function bundlePlugin(options: BundleOptions): Promise<BundleOutput> {
  const { projectDir, entry, outFile } = options;
  const entryLabel = path.relative(projectDir, entry) || entry;
  const wrapper = `import plugin from ${JSON.stringify(entry)};\nmodule.exports = plugin;\n`;
  const capabilityTable = options.exports === undefined ? undefined : onlyExportedCapabilities(options.exports);

  try {
    const result = await build({
      stdin: { contents: wrapper, resolveDir: projectDir, sourcefile: "nd-pdk-entry.js", loader: "js" },
      outfile: outFile,
      write: false,
      bundle: true,
      format: "cjs",
      target: "es2020",
      platform: "neutral",
      mainFields: ["module", "main"],
      sourcemap: "external",
      minify: options.minify ?? false,
      metafile: true,
      absWorkingDir: projectDir,
      plugins: [rejectNodeBuiltins, ...(capabilityTable === undefined ? [] : [capabilityTable]), hostNamespaces(projectDir)],
      logLevel: "silent",
      // The wrapper assigns the global `module` that extism-js defines on purpose.
      logOverride: { "commonjs-variable-in-esm": "silent" },
    });

    const code = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text ?? "";
    const sourceMap = result.outputFiles.find((file) => file.path.endsWith(".js.map"))?.text ?? "";
    return { code, sourceMap, metafile: result.metafile, errors: [], warnings: result.warnings.map((message) => formatMessage(message, projectDir)) };
  } catch (error) {
    const failure = error as { errors?: Message[]; warnings?: Message[] };
    if (failure.errors === undefined) throw error;
    return {
      code: "",
      sourceMap: "",
      errors: failure.errors.map((message) => describeError(message, projectDir, entryLabel)),
      warnings: (failure.warnings ?? []).map((message) => formatMessage(message, projectDir)),
    };
  }
}
