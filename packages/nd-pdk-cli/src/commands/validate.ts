import type { Command } from "commander";

import type { OutputStreams } from "../output.js";
import { EXIT_CODES_HELP, ExitCode, jsonOutputHelp, processStreams, report, reportUsageError, UsageError } from "../output.js";
import { validatePlugin } from "../validate/validate-plugin.js";

/** The options `nd-pdk validate` accepts. */
export interface ValidateCommandOptions {
  readonly navidrome?: string;
  readonly json?: boolean;
}

/** Runs `nd-pdk validate` and returns its exit code. */
export async function runValidateCommand(target: string, options: ValidateCommandOptions, streams: OutputStreams = processStreams): Promise<ExitCode> {
  try {
    const result = await validatePlugin(target, { navidrome: options.navidrome });
    return report(result, "validate", options, streams);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(error, options, streams);
    throw error;
  }
}

/** Registers `nd-pdk validate <dir | file.ndp>`. */
export function registerValidate(program: Command): void {
  program
    .command("validate")
    .summary("check a plugin directory or a .ndp package against Navidrome's rules")
    .description(
      [
        "Check a plugin without building it.",
        "For a directory: manifest.json against Navidrome's JSON Schema and manifest rules and, when dist/plugin.d.ts exists, the exports and host functions it declares against the manifest.",
        "For a .ndp package: its entries (exactly manifest.json and plugin.wasm), the manifest, and the imports and exports of plugin.wasm: host functions the manifest does not permit, names Navidrome does not know, capabilities whose required methods are only partly exported, and the rules Navidrome checks at load time.",
      ].join("\n\n"),
    )
    .argument("<path>", "plugin directory or .ndp package")
    .option("--navidrome <version>", "also check that this Navidrome release (such as v0.60.0) can load the plugin: host functions it lacks are errors, exports it never calls are warnings")
    .option("--json", "print one JSON object instead of the step lines")
    .addHelpText("after", `${jsonOutputHelp("the files read")}\n${EXIT_CODES_HELP}`)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.success : ExitCode.usageError))
    .action(async (target: string, options: ValidateCommandOptions) => {
      process.exitCode = await runValidateCommand(target, options);
    });
}
