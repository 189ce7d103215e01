/**
 * Bundles a plugin's entry module into the one CommonJS file extism-js compiles.
 */
import { builtinModules } from "node:module";
import path from "node:path";

import type { Message, Plugin } from "esbuild";
import { build } from "esbuild";

import { hostNamespaces } from "./host-namespaces.js";

/** The bundle and its source map, or the problems that stopped esbuild. */
export interface BundleOutput {
  readonly code: string;
  readonly sourceMap: string;
  readonly errors: readonly string[];
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
            text: `"${args.path}" is a Node built-in module, which the extism-js runtime does not provide: remove the import, or use a package that works without Node`,
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
export async function bundlePlugin(options: { projectDir: string; entry: string; outFile: string }): Promise<BundleOutput> {
  const { projectDir, entry, outFile } = options;
  const entryLabel = path.relative(projectDir, entry) || entry;
  const wrapper = `import plugin from ${JSON.stringify(entry)};\nmodule.exports = plugin;\n`;

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
      absWorkingDir: projectDir,
      plugins: [rejectNodeBuiltins, hostNamespaces(projectDir)],
      logLevel: "silent",
      // The wrapper assigns the global `module` that extism-js defines on purpose.
      logOverride: { "commonjs-variable-in-esm": "silent" },
    });

    const code = result.outputFiles.find((file) => file.path.endsWith(".js"))?.text ?? "";
    const sourceMap = result.outputFiles.find((file) => file.path.endsWith(".js.map"))?.text ?? "";
    return { code, sourceMap, errors: [], warnings: result.warnings.map((message) => formatMessage(message, projectDir)) };
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
