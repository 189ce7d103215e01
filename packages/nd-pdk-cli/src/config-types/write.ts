/**
 * Reads a plugin's manifest.json and writes (or checks) the module that `nd-pdk config-types`
 * generates from its config.schema.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

import { displayPath } from "../output.js";
import { generateConfigModuleWithNotes } from "./generate.js";

/** A problem the user fixes in their files: the command prints the message without a stack trace. */
export class ConfigTypesError extends Error {
  /** Creates the error with a message that names the file and the fix. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigTypesError";
  }
}

/** Options of {@link writeConfigTypes}. */
export interface WriteConfigTypesOptions {
  /** The plugin folder, which contains manifest.json. */
  readonly dir: string;
  /** The file to write, relative to the plugin folder. Defaults to `src/config.ts`. */
  readonly out?: string;
  /** When true, writes nothing and reports whether the file is up to date. */
  readonly check?: boolean;
}

/** Outcome of {@link writeConfigTypes}. */
export interface WriteConfigTypesResult {
  /** The absolute path of the generated file. */
  readonly file: string;
  /** The configuration keys, in schema order. */
  readonly keys: readonly string[];
  /** Keywords of the schema that the generated reader does not check, one sentence each. */
  readonly unchecked: readonly string[];
  /** With `check`: whether the file on disk matches the schema. Without it: always true. */
  readonly upToDate: boolean;
}

/**
 * Generates the config module from `<dir>/manifest.json` and writes it, or with `check` compares it
 * with the file on disk.
 *
 * @throws {ConfigTypesError} when manifest.json is missing, is not valid JSON, or has no config.schema.
 * @throws {ConfigSchemaError} when the schema uses what the reader cannot decode or type.
 */
export async function writeConfigTypes(options: WriteConfigTypesOptions): Promise<WriteConfigTypesResult> {
  const dir = resolve(options.dir);
  const file = resolve(dir, options.out ?? "src/config.ts");
  const schema = readConfigSchemaOf(dir);

  const generated = await generateConfigModuleWithNotes(schema);
  const result = { file, keys: generated.keys, unchecked: generated.unchecked };

  if (options.check === true) {
    const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
    return { ...result, upToDate: current === generated.source };
  }

  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, generated.source);
  return { ...result, upToDate: true };
}

function readConfigSchemaOf(dir: string): unknown {
  const manifestPath = resolve(dir, "manifest.json");
  const shownPath = displayPath(manifestPath);

  let text: string;
  try {
    text = readFileSync(manifestPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigTypesError(`${shownPath} not found; run nd-pdk config-types in the plugin folder, or pass that folder as the first argument`);
    }
    throw error;
  }

  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new ConfigTypesError(`${shownPath} is not valid JSON (${(error as Error).message}); correct it and run nd-pdk config-types again`);
  }

  const config = typeof manifest === "object" && manifest !== null ? (manifest as { config?: unknown }).config : undefined;
  const schema = typeof config === "object" && config !== null ? (config as { schema?: unknown }).schema : undefined;
  if (schema === undefined) {
    throw new ConfigTypesError(
      `${shownPath} has no config.schema, so the plugin has no settings to read; add "config": { "schema": { "type": "object", "properties": { ... } } } first`,
    );
  }
  return schema;
}
