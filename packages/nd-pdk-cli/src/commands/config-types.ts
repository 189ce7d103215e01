import type { Command } from "commander";

import { ConfigSchemaError } from "../config-types/schema.js";
import type { WriteConfigTypesResult } from "../config-types/write.js";
import { ConfigTypesError, writeConfigTypes } from "../config-types/write.js";
import type { OutputStreams } from "../output.js";
import { displayPath, ExitCode, processStreams } from "../output.js";

/** The options `nd-pdk config-types` accepts. */
export interface ConfigTypesCommandOptions {
  readonly out?: string;
  readonly check?: boolean;
}

/** Runs `nd-pdk config-types` and returns its exit code. */
export async function runConfigTypesCommand(dir: string, options: ConfigTypesCommandOptions, streams: OutputStreams = processStreams): Promise<ExitCode> {
  let result: WriteConfigTypesResult;
  try {
    result = await writeConfigTypes({ dir, ...(options.out === undefined ? {} : { out: options.out }), check: options.check === true });
  } catch (error) {
    if (error instanceof ConfigTypesError) {
      streams.err(`error: ${error.message}\n`);
      return ExitCode.usageError;
    }
    if (error instanceof ConfigSchemaError) {
      streams.err(`error: ${error.message}\n`);
      return ExitCode.checkFailed;
    }
    throw error;
  }

  const shownFile = displayPath(result.file);
  for (const note of result.unchecked) streams.err(`warning: ${note}, so readConfig() does not enforce it\n`);

  if (options.check === true) {
    if (!result.upToDate) {
      streams.err(`error: ${shownFile} does not match config.schema in manifest.json; run nd-pdk config-types to update it\n`);
      return ExitCode.checkFailed;
    }
    streams.out(`${shownFile} matches config.schema in manifest.json\n`);
    return ExitCode.success;
  }

  const settings = result.keys.length === 0 ? "no settings" : `${result.keys.length === 1 ? "setting" : "settings"} ${result.keys.join(", ")}`;
  streams.out(`Wrote ${shownFile}: PluginConfig and readConfig() for ${settings}.\n`);
  return ExitCode.success;
}

/** Registers `nd-pdk config-types [dir]`. */
export function registerConfigTypes(program: Command): void {
  program
    .command("config-types")
    .summary("generate a typed reader for the plugin's settings")
    .description(
      [
        "Generate a TypeScript module from config.schema in manifest.json (JSON Schema draft-07): a PluginConfig",
        "interface and a readConfig() function that reads every setting through the config host service, turns",
        "the text Navidrome stores into the schema's type, applies defaults and required keys, and throws an",
        "error naming the setting, its value and the fix when a value does not fit the schema.",
      ].join(" "),
    )
    .argument("[dir]", "plugin folder, with manifest.json", ".")
    .option("-o, --out <file>", "file to write, relative to the plugin folder (default: src/config.ts)")
    .option("--check", "write nothing; exit with code 1 when the file is missing or differs from what the schema generates")
    .addHelpText(
      "after",
      `
Exit codes:
  0  success
  1  config.schema uses something the reader cannot decode, or (--check) the file is out of date
  2  usage error: missing manifest.json, invalid JSON, or no config.schema`,
    )
    .action(async (dir: string, options: ConfigTypesCommandOptions) => {
      process.exitCode = await runConfigTypesCommand(dir, options);
    });
}
