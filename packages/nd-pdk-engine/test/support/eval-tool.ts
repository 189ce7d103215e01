import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";

/**
 * Evaluates `source` in plain QuickJS (the engine's build, without the Extism glue) through the
 * eval tool under Node's WASI, and returns the completion value as text.
 *
 * @throws {Error} with QuickJS's exception text when the script throws.
 */
export async function evaluateInQuickjs(evalToolPath: string, source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "nd-engine-eval-"));
  try {
    const inputPath = join(dir, "input.js");
    const outputPath = join(dir, "output.txt");
    const errorPath = join(dir, "error.txt");
    writeFileSync(inputPath, source);
    const stdin = openSync(inputPath, "r");
    const stdout = openSync(outputPath, "w");
    const stderr = openSync(errorPath, "w");
    let exitCode: number;
    try {
      const wasi = new WASI({ version: "preview1", stdin, stdout, stderr, returnOnExit: true });
      const module = await WebAssembly.compile(readFileSync(evalToolPath));
      const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
      exitCode = wasi.start(instance);
    } finally {
      closeSync(stdin);
      closeSync(stdout);
      closeSync(stderr);
    }
    if (exitCode !== 0) throw new Error(`QuickJS exited with status ${exitCode}: ${readFileSync(errorPath, "utf8")}`);
    return readFileSync(outputPath, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
