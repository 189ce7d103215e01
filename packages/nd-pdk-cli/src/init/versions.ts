/**
 * The dependency versions `nd-pdk init` writes into a new plugin's package.json.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

import { cliPackageRoot } from "./template.js";

/**
 * TypeScript, vitest and Node type ranges known to work with the PDK: the ones this repository builds
 * and tests with. A test keeps them equal to the workspace root's devDependencies. The Node types are
 * for the tests, which run in Node, and match the oldest Node the PDK supports.
 */
export const TOOL_VERSIONS = {
  typescript: "~5.9.3",
  vitest: "^4.0.0",
  "@types/node": "^20.19.0",
} as const;

/** The versions of the PDK packages a new plugin depends on. */
export interface PdkVersions {
  readonly "@nd/pdk": string;
  readonly "@nd/pdk-cli": string;
  readonly "@nd/pdk-simulator": string;
}

function readVersion(packageJsonPath: string): string {
  const manifest = JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version?: unknown };
  if (typeof manifest.version !== "string") throw new Error(`${packageJsonPath} has no version; reinstall @nd/pdk-cli`);
  return manifest.version;
}

/**
 * Reads the versions of the installed PDK packages: this CLI, the simulator it depends on, and
 * @nd/pdk. The CLI does not depend on @nd/pdk itself, so its version comes from
 * @nd/pdk-capabilities, which the simulator depends on and which is released in lockstep with
 * @nd/pdk (the changesets "fixed" group).
 *
 * @throws {Error} when a package cannot be found, which means the CLI's installation is broken.
 */
export function installedPdkVersions(): PdkVersions {
  const cliRoot = cliPackageRoot();
  const fromCli = createRequire(join(cliRoot, "package.json"));

  let simulatorManifest: string;
  let capabilitiesManifest: string;
  try {
    simulatorManifest = fromCli.resolve("@nd/pdk-simulator/package.json");
    capabilitiesManifest = createRequire(simulatorManifest).resolve("@nd/pdk-capabilities/package.json");
  } catch (error) {
    throw new Error(`cannot find the PDK packages installed with @nd/pdk-cli (${(error as Error).message}); reinstall @nd/pdk-cli`);
  }

  return {
    "@nd/pdk": readVersion(capabilitiesManifest),
    "@nd/pdk-cli": readVersion(join(cliRoot, "package.json")),
    "@nd/pdk-simulator": readVersion(simulatorManifest),
  };
}
