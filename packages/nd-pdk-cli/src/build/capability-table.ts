/**
 * Keeps the glue of exports a plugin lacks out of its bundle.
 *
 * `definePlugin` finds each capability's exports, with the codecs of their inputs and outputs, in the
 * module `capability-table.js` of @nd/pdk-capabilities, which lists every export of every capability.
 * The keys of a plugin object decide at run time which entries are used, so esbuild has to keep them
 * all: several kilobytes that a plugin with one method never runs.
 *
 * Once the build knows a plugin's exports (from running its top-level code), this plugin replaces
 * that module with a table of those exports only. Each entry comes from
 * `generated/export-specs.js`, where every export's description is a constant named after the export.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import type { Plugin } from "esbuild";

import { capabilityExports } from "../validate/navidrome-api.js";

const CAPABILITIES_PACKAGE = "@nd/pdk-capabilities";
const TABLE_MODULE = /[\\/]capability-table\.js$/;

/**
 * Renders the replacement module for a plugin with `exports`.
 *
 * @returns the module source, or `undefined` when `exports` is empty or names an export that is not a
 * capability method, in which case the whole table stays.
 */
export function renderCapabilityTable(exports: readonly string[]): string | undefined {
  if (exports.length === 0) return undefined;
  const wanted = new Set(exports);
  const capabilities = new Map<string, { name: string; required: boolean; exports: string[] }>();

  for (const exportName of exports) {
    const entry = capabilityExports.get(exportName);
    if (entry === undefined) return undefined;
    if (capabilities.has(entry.capability.key)) continue;
    // Within a capability the exports keep the table's order, which is the order of the schema.
    const names = entry.capability.exports.map((info) => info.exportName).filter((name) => wanted.has(name));
    capabilities.set(entry.capability.key, { name: entry.capability.capability, required: entry.capability.required, exports: names });
  }

  const imported = [...capabilities.values()].flatMap((capability) => capability.exports).sort();
  const lines = [
    "// Written by nd-pdk build: the capability table of this plugin's exports only.",
    `import { ${imported.join(", ")} } from "./generated/export-specs.js";`,
    "export const capabilityTable = {",
  ];
  for (const [key, capability] of capabilities) {
    lines.push(
      `  ${key}: { capability: ${JSON.stringify(capability.name)}, key: ${JSON.stringify(key)}, required: ${String(capability.required)}, exports: [${capability.exports.join(", ")}] },`,
    );
  }
  lines.push("};", "");
  return lines.join("\n");
}

/** Whether `file` is the table module of @nd/pdk-capabilities, whose package.json is one folder above dist/. */
function isCapabilityTable(file: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path.join(path.dirname(file), "..", "package.json"), "utf8")) as { name?: unknown };
    return manifest.name === CAPABILITIES_PACKAGE;
  } catch {
    return false;
  }
}

/**
 * The esbuild plugin that gives `definePlugin` the table of `exports` only.
 *
 * @returns `undefined` when the whole table must stay (see {@link renderCapabilityTable}).
 */
export function onlyExportedCapabilities(exports: readonly string[]): Plugin | undefined {
  const contents = renderCapabilityTable(exports);
  if (contents === undefined) return undefined;
  return {
    name: "nd-pdk-capability-table",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: TABLE_MODULE }, (args) =>
        isCapabilityTable(args.path) ? { contents, loader: "js", resolveDir: path.dirname(args.path) } : undefined,
      );
    },
  };
}
