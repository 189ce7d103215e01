/**
 * The packages this repository publishes to npm, read from packages/<folder>/package.json.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, three levels above this file. */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** The parts of a package.json the release checks read. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly files?: readonly string[];
  readonly [key: string]: unknown;
}

/** A package that is published to npm. */
export interface PublishedPackage {
  /** The npm name, such as `@nd/pdk-host`. */
  readonly name: string;
  /** The folder relative to the repository root, such as `packages/nd-pdk-host`. */
  readonly dir: string;
  /** The parsed package.json. */
  readonly manifest: PackageManifest;
}

/** Returns every package under packages/ that is not private, sorted by folder. */
export function publishedPackages(root: string = REPOSITORY_ROOT): PublishedPackage[] {
  const packagesDir = path.join(root, "packages");
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(packagesDir, entry.name, "package.json")))
    .map((entry) => {
      const dir = `packages/${entry.name}`;
      const manifest = JSON.parse(readFileSync(path.join(root, dir, "package.json"), "utf8")) as PackageManifest;
      return { name: manifest.name, dir, manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.dir.localeCompare(b.dir));
}
