/**
 * Bundle size: the bytes of PDK code in each example's minified bundle, in the smallest useful plugin,
 * and the bytes each host service adds to a plugin.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { services } from "@nd/pdk-simulator/api";

import type { SizedBundle } from "./bundle.js";
import { BENCH_DIR, sizeBundle } from "./bundle.js";

/** The size of one plugin's minified bundle. */
export interface PluginSize {
  readonly name: string;
  readonly exports: readonly string[];
  readonly totalBytes: number;
  readonly pdkBytes: number;
  /** Bytes per PDK module, largest first. */
  readonly pdkModules: readonly { readonly module: string; readonly bytes: number }[];
}

/** The bytes one host service adds to a plugin that calls one of its functions once. */
export interface ServiceSize {
  readonly service: string;
  /** The function the plugin calls. */
  readonly function: string;
  /** Minified bundle bytes beyond the same plugin without the call. */
  readonly addedBytes: number;
}

export interface SizeResults {
  /** fixtures/size/minimal.ts: one capability method, no host calls. */
  readonly minimal: PluginSize;
  readonly examples: readonly (PluginSize | { readonly name: string; readonly error: string })[];
  /** The plugin the service sizes are measured against: minimal.ts with a method body of two statements. */
  readonly serviceBaselineBytes: number;
  readonly services: readonly ServiceSize[];
}

const WORK_DIR = path.join(BENCH_DIR, ".work", "services");

function pluginSize(name: string, sized: SizedBundle): PluginSize {
  return { name, exports: sized.exports, totalBytes: sized.totalBytes, pdkBytes: sized.pdkBytes, pdkModules: sized.pdkModules };
}

/** The source of a one-capability plugin whose method calls `call` first, if given. */
function servicePluginSource(service: string | undefined, call: string | undefined): string {
  const imports = service === undefined ? "definePlugin" : `definePlugin, ${service}`;
  const statement = call === undefined ? "void name;" : `${call};`;
  return [
    `import { ${imports} } from "@nd/pdk";`,
    "",
    "export default definePlugin({",
    "  metadataAgent: {",
    "    getArtistBiography: ({ name }) => {",
    `      ${statement}`,
    "      return { biography: name };",
    "    },",
    "  },",
    "});",
    "",
  ].join("\n");
}

/** Lists the example plugin folders: every folder under examples/ with a src/index.ts. */
export function exampleDirs(repoDir: string): string[] {
  const root = path.join(repoDir, "examples");
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(root, entry.name, "src", "index.ts")))
    .map((entry) => path.join(root, entry.name))
    .sort();
}

export async function measureSizes(examples: readonly string[], options: { onProgress?: (message: string) => void } = {}): Promise<SizeResults> {
  options.onProgress?.("size: minimal plugin");
  const minimal = pluginSize("minimal (fixture)", await sizeBundle(BENCH_DIR, path.join(BENCH_DIR, "fixtures", "size", "minimal.ts")));

  const exampleSizes: SizeResults["examples"][number][] = [];
  for (const dir of examples) {
    const name = path.basename(dir);
    options.onProgress?.(`size: ${name}`);
    try {
      exampleSizes.push(pluginSize(name, await sizeBundle(dir, path.join(dir, "src", "index.ts"))));
    } catch (error) {
      exampleSizes.push({ name, error: (error as Error).message });
    }
  }

  // The generated plugins live inside the bench package, so that they resolve @nd/pdk from it.
  mkdirSync(WORK_DIR, { recursive: true });
  const baselineFile = path.join(WORK_DIR, "baseline.ts");
  writeFileSync(baselineFile, servicePluginSource(undefined, undefined));
  const baseline = await sizeBundle(BENCH_DIR, baselineFile);

  const serviceSizes: ServiceSize[] = [];
  for (const service of services) {
    const fn = service.functions[0];
    if (fn === undefined) continue;
    options.onProgress?.(`size: ${service.module}.${fn.name}`);
    const file = path.join(WORK_DIR, `${service.module}.ts`);
    // The arguments are left out: the call is never run, only bundled.
    writeFileSync(file, servicePluginSource(service.module, `${service.module}.${fn.name}()`));
    const sized = await sizeBundle(BENCH_DIR, file);
    serviceSizes.push({ service: service.module, function: fn.name, addedBytes: sized.totalBytes - baseline.totalBytes });
  }

  return { minimal, examples: exampleSizes, serviceBaselineBytes: baseline.totalBytes, services: serviceSizes };
}
