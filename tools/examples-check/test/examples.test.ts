import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { type InterfaceDeclarations, parseInterfaceFile } from "@nd/pdk-cli";
import { capabilities, services } from "@nd/pdk-simulator/api";
import { describe, expect, test } from "vitest";

import checkPackage from "../package.json" with { type: "json" };

const examplesDir = join(import.meta.dirname, "..", "..", "..", "examples");

/** Every folder under examples/, sorted, including examples that are still being written. */
const folders = readdirSync(examplesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
  .map((entry) => entry.name)
  .sort();

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8")) as unknown;
}

/** Returns the exports and imports that `nd-pdk build` wrote to dist/plugin.d.ts, or undefined before the first build. */
function readInterface(folder: string): InterfaceDeclarations | undefined {
  const path = join(examplesDir, folder, "dist", "plugin.d.ts");
  return existsSync(path) ? parseInterfaceFile(readFileSync(path, "utf8")) : undefined;
}

/** Returns the permissions object of an example's manifest, or an empty object when it has none. */
function readPermissions(folder: string): Record<string, Record<string, unknown>> {
  const path = join(examplesDir, folder, "manifest.json");
  if (!existsSync(path)) return {};
  const manifest = readJson(path) as { permissions?: Record<string, Record<string, unknown>> };
  return manifest.permissions ?? {};
}

function hasTestFile(folder: string): boolean {
  const testDir = join(examplesDir, folder, "test");
  if (!existsSync(testDir)) return false;
  return readdirSync(testDir, { recursive: true, encoding: "utf8" }).some((name) => /\.test\.[cm]?[jt]s$/.test(name));
}

const capabilityByExport = new Map(capabilities.flatMap((capability) => capability.exports.map((entry) => [entry.exportName, capability.capability] as const)));
const serviceByImport = new Map(services.flatMap((service) => service.functions.map((fn) => [fn.importName, service] as const)));
const scrobblerExports = new Set(capabilities.find((capability) => capability.capability === "Scrobbler")?.exports.map((entry) => entry.exportName));

const built = folders.flatMap((folder) => {
  const declarations = readInterface(folder);
  return declarations === undefined ? [] : [{ folder, ...declarations }];
});
const unbuilt = folders.filter((folder) => !built.some((example) => example.folder === folder));

/** Returns a note naming the examples without dist/plugin.d.ts, whose exports and imports the coverage checks cannot see. */
function unbuiltNote(): string {
  return unbuilt.length === 0 ? "" : ` (not built, so not counted: ${unbuilt.join(", ")}; run \`pnpm build\`)`;
}

describe("example plugins", () => {
  test("every folder has the required files", () => {
    const problems: string[] = [];
    for (const folder of folders) {
      for (const file of ["README.md", "manifest.json", "package.json", "tsconfig.json", join("test", "tsconfig.json"), join("src", "index.ts")]) {
        if (!existsSync(join(examplesDir, folder, file))) problems.push(`${folder}: ${file} is missing`);
      }
      if (!hasTestFile(folder)) problems.push(`${folder}: no test file (test/*.test.ts) found`);
    }
    expect(problems).toEqual([]);
  });

  test("every example is a devDependency", () => {
    // turbo builds an example before this package's tests only when it is listed here.
    const listed = new Set(Object.keys(checkPackage.devDependencies));
    const missing = folders
      .filter((folder) => existsSync(join(examplesDir, folder, "package.json")))
      .map((folder) => (readJson(join(examplesDir, folder, "package.json")) as { name: string }).name)
      .filter((name) => !listed.has(name))
      .map((name) => `add "${name}": "workspace:*" to devDependencies of tools/examples-check/package.json`);
    expect(missing).toEqual([]);
  });

  test("every example is built", () => {
    expect(unbuilt.map((folder) => `${folder}: dist/plugin.d.ts is missing; run \`pnpm build\``)).toEqual([]);
  });

  test("together they use every capability", () => {
    const used = new Set(built.flatMap((example) => example.exports.map((name) => capabilityByExport.get(name))));
    const missing = capabilities.map((capability) => capability.capability).filter((name) => !used.has(name));
    expect(missing, `capabilities that no example exports${unbuiltNote()}`).toEqual([]);
  });

  test("together they use every host service", () => {
    const used = new Set(built.flatMap((example) => example.imports.map((name) => serviceByImport.get(name)?.service)));
    const missing = services.map((service) => service.service).filter((name) => !used.has(name));
    expect(missing, `host services that no example imports${unbuiltNote()}`).toEqual([]);
  });

  test("exports and imports are known names", () => {
    const unknown = built.flatMap((example) => [
      ...example.exports.filter((name) => !capabilityByExport.has(name)).map((name) => `${example.folder}: export ${name} belongs to no capability`),
      ...example.imports.filter((name) => !serviceByImport.has(name)).map((name) => `${example.folder}: import ${name} belongs to no host service`),
    ]);
    expect(unknown).toEqual([]);
  });

  test("manifests grant every imported service", () => {
    const problems = built.flatMap((example) => {
      const permissions = readPermissions(example.folder);
      const needed = new Set(example.imports.flatMap((name) => serviceByImport.get(name)?.permission ?? []));
      return [...needed].filter((permission) => permissions[permission] === undefined).map((permission) => `${example.folder}: permissions.${permission} is missing`);
    });
    expect(problems).toEqual([]);
  });

  test("manifests declare no unused permission", () => {
    const problems = built.flatMap((example) => {
      const permissions = readPermissions(example.folder);
      const usedServices = new Set(example.imports.flatMap((name) => serviceByImport.get(name)?.permission ?? []));
      const isScrobbler = example.exports.some((name) => scrobblerExports.has(name));

      // Navidrome requires users for scrobblers and for the subsonicapi and scrobbleRetriever services,
      // and library for the matcher. library with filesystem access mounts the music folders without
      // any host function.
      const justified = (permission: string): boolean => {
        if (usedServices.has(permission)) return true;
        if (permission === "users") return isScrobbler || usedServices.has("subsonicapi") || usedServices.has("scrobbleRetriever");
        if (permission === "library") return usedServices.has("matcher") || permissions.library?.filesystem === true;
        return false;
      };
      return Object.keys(permissions)
        .filter((permission) => !justified(permission))
        .map((permission) => `${example.folder}: permissions.${permission} is declared but no export or import needs it`);
    });
    expect(problems).toEqual([]);
  });
});
