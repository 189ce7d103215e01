import { buildEngine } from "../scripts/build-engine.mjs";
import { SKIP_ENGINE } from "./support/skip.js";

/**
 * Builds the engine and the eval tool once before the test files run in parallel. A missing
 * toolchain fails the run with the packages to install, unless ND_PDK_ENGINE_SKIP=1 is set.
 */
export default async function setup(): Promise<void> {
  if (SKIP_ENGINE) {
    console.warn("@nd/pdk-engine: ND_PDK_ENGINE_SKIP=1 is set, so the engine tests are skipped.");
    return;
  }
  const result = await buildEngine({ evalTool: true });
  console.log(`@nd/pdk-engine: engine built in ${result.seconds.toFixed(1)} s (${result.compiled} C files compiled)`);
}
