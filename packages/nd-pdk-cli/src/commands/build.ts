import type { Command } from "commander";

import type { BuildOptions } from "../build/build-plugin.js";
import { buildPlugin } from "../build/build-plugin.js";
import type { OutputStreams } from "../output.js";
import { EXIT_CODES_HELP, ExitCode, jsonOutputHelp, processStreams, report, reportUsageError, UsageError } from "../output.js";

/** The options `nd-pdk build` accepts. */
export interface BuildCommandOptions {
  readonly entry?: string;
  readonly outDir?: string;
  readonly compiler?: string;
  readonly id?: string;
  readonly json?: boolean;
}

/**
 * Runs `nd-pdk build` and returns its exit code. `environment` overrides the search path for
 * compilers and the engine file, for tests.
 */
export async function runBuildCommand(
  dir: string,
  options: BuildCommandOptions,
  streams: OutputStreams = processStreams,
  environment: Pick<BuildOptions, "searchPath" | "engineWasmFile"> = {},
): Promise<ExitCode> {
  try {
    const result = await buildPlugin({ ...environment, dir, entry: options.entry, outDir: options.outDir, compiler: options.compiler, id: options.id });
    return report(result, "build", options, streams);
  } catch (error) {
    if (error instanceof UsageError) return reportUsageError(error, options, streams);
    throw error;
  }
}

/** Registers `nd-pdk build [dir]`. */
export function registerBuild(program: Command): void {
  program
    .command("build")
    .summary("bundle, check and compile a plugin into a .ndp package")
    .description(
      [
        "Bundle the plugin's entry module with esbuild, learn its exports by running the bundle's top-level code as extism-js would, find the host functions it uses, and check both against manifest.json and the rules Navidrome applies when it loads a plugin.",
        "Writes plugin.js, plugin.js.map and the extism-js interface file plugin.d.ts, then compiles plugin.wasm and packs <id>.ndp. The compiler is extism-js when it is on PATH, else the built-in engine (@nd/pdk-engine); with neither, the build stops after plugin.d.ts with a warning. Reports the oldest Navidrome release that can load the plugin.",
      ].join("\n\n"),
    )
    .argument("[dir]", "plugin directory, with package.json and manifest.json", ".")
    .option("--entry <file>", "entry module whose default export is the definePlugin result, relative to the plugin directory (default: src/index.ts)")
    .option("--out-dir <dir>", "output directory, relative to the plugin directory (default: dist)")
    .option(
      "--compiler <name>",
      "compiler to use: extism-js (from PATH), engine (the built-in @nd/pdk-engine), or the path or command name of a compiler that takes the extism-js arguments; a path is relative to the working directory, and a .js, .mjs or .cjs file runs with Node (default: extism-js if on PATH, else engine)",
    )
    .option("--id <id>", "plugin id, which names the package <id>.ndp (default: the package.json name without its npm scope)")
    .option("--json", "print one JSON object instead of the step lines")
    .addHelpText("after", `${jsonOutputHelp("the files written", true)}\n${EXIT_CODES_HELP}`)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? ExitCode.success : ExitCode.usageError))
    .action(async (dir: string, options: BuildCommandOptions) => {
      process.exitCode = await runBuildCommand(dir, options);
    });
}
