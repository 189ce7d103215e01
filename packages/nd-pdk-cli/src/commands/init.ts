import path from "node:path";

import type { Command } from "commander";

import { CAPABILITIES, DEFAULT_CAPABILITY } from "../init/capabilities.js";
import type { InitResult } from "../init/create-project.js";
import { createPluginProject, InitError } from "../init/create-project.js";
import type { OutputStreams } from "../output.js";
import { displayPath, ExitCode, processStreams } from "../output.js";

/** The options `nd-pdk init` accepts. */
export interface InitCommandOptions {
  readonly capability?: readonly string[];
  readonly name?: string;
  readonly author?: string;
  readonly pdkPath?: string;
}

/** Runs `nd-pdk init` and returns its exit code. */
export function runInitCommand(dir: string, options: InitCommandOptions, streams: OutputStreams = processStreams): ExitCode {
  let result: InitResult;
  try {
    result = createPluginProject({
      dir,
      ...(options.capability === undefined ? {} : { capabilities: options.capability }),
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.author === undefined ? {} : { author: options.author }),
      ...(options.pdkPath === undefined ? {} : { pdkPath: options.pdkPath }),
    });
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    streams.err(`error: ${error.message}\n`);
    return ExitCode.usageError;
  }

  const shownDir = result.dir === process.cwd() ? "." : displayPath(result.dir);
  const location = shownDir === "." ? "in the current folder" : shownDir;
  // The package name comes from --name or the folder's name, so it is shown only when it differs.
  const packageNote = result.packageName === path.basename(result.dir) ? "" : ` (package ${result.packageName})`;
  streams.out(`Created the plugin project ${location}${packageNote} with ${result.capabilities.join(", ")}:\n`);
  for (const file of result.files) streams.out(`  ${file}\n`);
  for (const warning of result.warnings) streams.err(`warning: ${warning}\n`);

  const manager = result.packageManager;
  streams.out("\nNext steps:\n");
  if (shownDir !== ".") streams.out(`  cd ${shownDir}\n`);
  streams.out(`  ${manager} install\n  ${manager} test\n  ${manager} run build\n`);
  return ExitCode.success;
}

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `nd-pdk init <dir>`. */
export function registerInit(program: Command): void {
  program
    .command("init")
    .summary("create a new plugin project")
    .description(
      [
        "Create a plugin project in <dir>: package.json, manifest.json with the permissions the chosen",
        "capabilities need, tsconfig.json, src/index.ts with a stub for each capability that reports no data,",
        "test/plugin.test.ts that calls every stub in the simulator, test/tsconfig.json, a README and a .gitignore.",
        "The folder must not exist yet, or be empty.",
      ].join(" "),
    )
    .argument("<dir>", "folder to create the project in")
    .option(
      "-c, --capability <name>",
      `capability to implement, as its definePlugin key; repeat the option or separate names with commas (default: ${DEFAULT_CAPABILITY}). One of: ${CAPABILITIES.map((capability) => capability.key).join(", ")}`,
      collect,
    )
    .option("--name <name>", "plugin name shown in Navidrome (default: the folder name); the package name and plugin id derive from it")
    .option("--author <author>", "author in manifest.json (default: your user name)")
    .option(
      "--pdk-path <dir>",
      "local checkout of the PDK repository: depend on its packages through link: paths instead of npm versions, for use before they are published (build the checkout first, and install with pnpm)",
    )
    .action((dir: string, options: InitCommandOptions) => {
      process.exitCode = runInitCommand(dir, options);
    });
}
