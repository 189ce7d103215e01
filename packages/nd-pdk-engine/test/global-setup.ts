import { buildEngine, findToolchain } from "../scripts/build-engine.mjs";

/**
 * Builds the engine and the eval tool once before the test files run in parallel. Without the
 * toolchain there is nothing to build, and every engine test skips itself.
 */
export default async function setup(): Promise<void> {
  if ((await findToolchain()) === undefined) {
    console.warn("@nd/pdk-engine: clang-14 and wasi-libc are not installed, so the engine tests are skipped (see packages/nd-pdk-engine/README.md).");
    return;
  }
  const result = await buildEngine({ evalTool: true });
  console.log(`@nd/pdk-engine: engine built in ${result.seconds.toFixed(1)} s (${result.compiled} C files compiled)`);
}
