// @ts-check
/**
 * Compiles a plugin bundle to an Extism plugin with the built package (run `pnpm build` first). It is
 * the command-line form of compilePlugin, for trying the engine without nd-pdk build.
 *
 * Usage: node scripts/compile-plugin.mjs <bundle.js> <interface.d.ts> -o <plugin.wasm>
 *
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";

// The built module, typed by its source: the type check runs before the package is built.
const { compilePlugin } = /** @type {typeof import("../src/index.js")} */ (await import(new URL("../dist/index.js", import.meta.url).href));

/** @returns {never} */
function usage() {
  console.error("usage: node scripts/compile-plugin.mjs <bundle.js> <interface.d.ts> -o <plugin.wasm>");
  process.exit(2);
}

/** @param {readonly string[]} args */
async function main(args) {
  const outputIndex = args.indexOf("-o");
  const output = outputIndex >= 0 ? args[outputIndex + 1] : undefined;
  const positional = args.filter((_, index) => outputIndex < 0 || (index !== outputIndex && index !== outputIndex + 1));
  const [bundlePath, interfacePath] = positional;
  if (bundlePath === undefined || interfacePath === undefined || output === undefined || positional.length !== 2) usage();

  const result = await compilePlugin({ bundle: await readFile(bundlePath, "utf8"), interfaceText: await readFile(interfacePath, "utf8") });
  if (result.messages !== "") console.error(result.messages);
  await mkdir(dirname(resolve(output)), { recursive: true });
  await writeFile(output, result.wasm);
  const { snapshotMs, finishMs } = result.timings;
  console.log(`wrote ${output}: ${result.wasm.length} bytes (snapshot ${Math.round(snapshotMs)} ms, binaryen ${Math.round(finishMs)} ms)`);
}

main(process.argv.slice(2)).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
