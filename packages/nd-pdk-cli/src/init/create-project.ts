/**
 * Creates a new plugin project: package.json, manifest.json, tsconfig.json, a stub plugin with the
 * chosen capabilities, a test that runs it in the simulator with its own test/tsconfig.json, a README
 * and a .gitignore.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

import type { CapabilityInfo, CapabilityKey } from "./capabilities.js";
import { CAPABILITIES, DEFAULT_CAPABILITY, findCapability } from "./capabilities.js";
import { fillPlaceholders, readTemplate, selectParts } from "./template.js";
import type { PdkVersions } from "./versions.js";
import { installedPdkVersions, TOOL_VERSIONS } from "./versions.js";

/** A problem with the command line or the target folder; the command prints it without a stack trace. */
export class InitError extends Error {
  /** Creates the error with a message that names the problem and the fix. */
  constructor(message: string) {
    super(message);
    this.name = "InitError";
  }
}

/** Options of {@link createPluginProject}, as `nd-pdk init` passes them. */
export interface InitOptions {
  /** The folder to create the project in. It must not exist, or be empty. */
  readonly dir: string;
  /** `definePlugin` keys, such as `scrobbler`; each entry may also list several, separated by commas. */
  readonly capabilities?: readonly string[];
  /** The plugin's display name in manifest.json. Defaults to the folder name. */
  readonly name?: string;
  /** The author in manifest.json. Defaults to the name of the user running the command. */
  readonly author?: string;
  /**
   * A local checkout of the PDK repository. When set, the @nd/* dependencies are `link:` paths to
   * its packages instead of version ranges, so the project installs before the packages are on npm.
   */
  readonly pdkPath?: string;
}

/** Files and settings of the project that {@link createPluginProject} wrote. */
export interface InitResult {
  /** The absolute path of the project folder. */
  readonly dir: string;
  /** The files written, relative to `dir`, in the order written. */
  readonly files: readonly string[];
  /** The capabilities the project implements, by `definePlugin` key. */
  readonly capabilities: readonly CapabilityKey[];
  /** The package.json name, which `nd-pdk build` also uses as the plugin id. */
  readonly packageName: string;
  /** The package manager the next steps use: pnpm for `link:` dependencies, which npm cannot install. */
  readonly packageManager: "npm" | "pnpm";
  /** Things the user should know, such as an unbuilt PDK checkout. */
  readonly warnings: readonly string[];
}

/** The options with every default filled in and checked. */
interface ProjectSettings {
  readonly pluginName: string;
  readonly packageName: string;
  readonly author: string;
  readonly capabilities: readonly CapabilityInfo[];
  readonly dependencies: { readonly [name: string]: string };
  readonly devDependencies: { readonly [name: string]: string };
  readonly pdkPath: string | undefined;
}

const PACKAGE_VERSION = "0.1.0";

/**
 * Turns a display name into an npm package name that also works as a plugin id: lower case, with
 * runs of other characters replaced by "-".
 */
export function toPackageName(name: string): string {
  const ascii = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  const packageName = ascii
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-._]+|[-._]+$/g, "")
    .slice(0, 214);
  return packageName === "" ? "navidrome-plugin" : packageName;
}

/**
 * Reads the capability names given on the command line: repeated options, comma-separated lists, or
 * none for the default.
 *
 * @throws {InitError} for a name that is not a `definePlugin` key, suggesting the key it resembles.
 */
export function parseCapabilities(names: readonly string[] | undefined): CapabilityKey[] {
  const requested = (names ?? []).flatMap((entry) => entry.split(",")).map((name) => name.trim()).filter((name) => name !== "");
  if (requested.length === 0) return [DEFAULT_CAPABILITY];

  const keys = new Set<CapabilityKey>();
  for (const name of requested) {
    const capability = findCapability(name);
    if (capability === undefined) {
      const simplified = name.toLowerCase().replace(/[-_\s]/g, "");
      const similar = CAPABILITIES.find((candidate) => candidate.key.toLowerCase() === simplified);
      const hint = similar === undefined ? "" : ` Did you mean "${similar.key}"?`;
      throw new InitError(`unknown capability "${name}".${hint} The capabilities are: ${CAPABILITIES.map((entry) => entry.key).join(", ")}.`);
    }
    keys.add(capability.key);
  }
  // Catalogue order, so that the files read the same whatever order the options came in.
  return CAPABILITIES.map((capability) => capability.key).filter((key) => keys.has(key));
}

function defaultAuthor(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    // userInfo() throws when the user has no entry in the system's user database, as in some containers.
    return "unknown";
  }
}

/** Checks that `pdkPath` is a checkout of this repository and returns the `link:` dependency of each package. */
function linkDependencies(pdkPath: string, warnings: string[]): PdkVersions {
  const root = resolve(pdkPath);
  const folders: Record<keyof PdkVersions, string> = {
    "@nd/pdk": "packages/nd-pdk",
    "@nd/pdk-cli": "packages/nd-pdk-cli",
    "@nd/pdk-simulator": "packages/nd-pdk-simulator",
  };

  const links: Record<string, string> = {};
  for (const [name, folder] of Object.entries(folders)) {
    const manifestPath = join(root, folder, "package.json");
    const manifestName = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: unknown }).name : undefined;
    if (manifestName !== name) {
      throw new InitError(`--pdk-path ${pdkPath} is not a checkout of the PDK repository: ${join(folder, "package.json")} with the name ${name} is missing there. Pass the folder that contains pnpm-workspace.yaml.`);
    }
    links[name] = `link:${join(root, folder)}`;
    if (!existsSync(join(root, folder, "dist"))) {
      warnings.push(`${name} in ${root} is not built yet; run \`pnpm install && pnpm build\` in ${root} before installing the new project`);
    }
  }
  return links as unknown as PdkVersions;
}

function settingsFor(options: InitOptions, dir: string, warnings: string[]): ProjectSettings {
  const capabilities = parseCapabilities(options.capabilities).map((key) => findCapability(key) as CapabilityInfo);
  const pluginName = (options.name ?? basename(dir)).trim();
  if (pluginName === "") throw new InitError("--name must not be empty: Navidrome requires a plugin name");
  const author = (options.author ?? defaultAuthor()).trim();
  if (author === "") throw new InitError("--author must not be empty: Navidrome requires an author");

  const pdk: PdkVersions = options.pdkPath === undefined ? caretRanges(installedPdkVersions()) : linkDependencies(options.pdkPath, warnings);

  return {
    pluginName,
    packageName: toPackageName(pluginName),
    author,
    capabilities,
    dependencies: { "@nd/pdk": pdk["@nd/pdk"] },
    devDependencies: {
      "@nd/pdk-cli": pdk["@nd/pdk-cli"],
      "@nd/pdk-simulator": pdk["@nd/pdk-simulator"],
      "@types/node": TOOL_VERSIONS["@types/node"],
      typescript: TOOL_VERSIONS.typescript,
      vitest: TOOL_VERSIONS.vitest,
    },
    pdkPath: options.pdkPath === undefined ? undefined : resolve(options.pdkPath),
  };
}

function caretRanges(versions: PdkVersions): PdkVersions {
  return {
    "@nd/pdk": `^${versions["@nd/pdk"]}`,
    "@nd/pdk-cli": `^${versions["@nd/pdk-cli"]}`,
    "@nd/pdk-simulator": `^${versions["@nd/pdk-simulator"]}`,
  };
}

function describePlugin(settings: ProjectSettings): string {
  return `Navidrome plugin written in TypeScript: ${settings.capabilities.map((capability) => capability.title).join(", ")}.`;
}

function renderPackageJson(settings: ProjectSettings): string {
  const packageJson = {
    name: settings.packageName,
    version: PACKAGE_VERSION,
    private: true,
    description: describePlugin(settings),
    type: "module",
    scripts: {
      build: "nd-pdk build",
      test: "vitest run",
      typecheck: "tsc -p tsconfig.json && tsc -p test/tsconfig.json",
    },
    dependencies: settings.dependencies,
    devDependencies: settings.devDependencies,
  };
  return `${JSON.stringify(packageJson, null, 2)}\n`;
}

function renderManifest(settings: ProjectSettings): string {
  const permissions: Record<string, { reason: string }> = {};
  for (const capability of settings.capabilities) {
    for (const [permission, reason] of Object.entries(capability.permissions)) permissions[permission] = { reason };
  }

  const manifest: Record<string, unknown> = {
    name: settings.pluginName,
    author: settings.author,
    version: PACKAGE_VERSION,
    description: describePlugin(settings),
  };
  if (Object.keys(permissions).length > 0) manifest["permissions"] = permissions;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function renderReadme(settings: ProjectSettings, packageManager: "npm" | "pnpm"): string {
  const parts = new Set<string>(settings.pdkPath === undefined ? [] : ["pdkPath"]);
  const capabilityList = settings.capabilities.map((capability) => `- \`${capability.key}\`: ${capability.summary}`).join("\n");
  return fillPlaceholders(selectParts(readTemplate("init/README.md"), parts), {
    pluginName: settings.pluginName,
    pluginId: settings.packageName,
    capabilityList,
    installCommand: `${packageManager} install`,
    packageManager,
    pdkPath: settings.pdkPath ?? "",
  });
}

/** Returns every file of the project by path relative to its folder, without touching the disk. */
function renderProjectFiles(settings: ProjectSettings, packageManager: "npm" | "pnpm"): Map<string, string> {
  const selected = new Set<string>(settings.capabilities.map((capability) => capability.key));
  const endWithOneNewline = (text: string): string => `${text.trimEnd()}\n`;

  return new Map([
    ["package.json", renderPackageJson(settings)],
    ["manifest.json", renderManifest(settings)],
    ["tsconfig.json", readTemplate("init/tsconfig.json")],
    // npm leaves files named .gitignore out of published packages, so the template has another name.
    [".gitignore", readTemplate("init/gitignore")],
    ["README.md", endWithOneNewline(renderReadme(settings, packageManager))],
    ["src/index.ts", endWithOneNewline(selectParts(readTemplate("init/src/index.ts"), selected))],
    ["test/plugin.test.ts", endWithOneNewline(selectParts(readTemplate("init/test/plugin.test.ts"), selected))],
    // The tests get a tsconfig.json of their own because editors use the nearest one. Test files get
    // the Node types there, while src/ keeps the root tsconfig.json without them.
    ["test/tsconfig.json", readTemplate("init/test/tsconfig.json")],
  ]);
}

function checkTargetFolder(dir: string, shownDir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new InitError(`cannot create the plugin in ${shownDir}: it is a file. Choose a folder path that does not exist yet.`);

  const entries = readdirSync(dir);
  if (entries.length > 0) {
    const listed = entries.slice(0, 5).join(", ") + (entries.length > 5 ? ", ..." : "");
    throw new InitError(`cannot create the plugin in ${shownDir}: the folder is not empty (it contains ${listed}). Choose a new or empty folder.`);
  }
}

/**
 * Creates a plugin project in `options.dir`.
 *
 * @throws {InitError} when the folder exists and is not empty, a capability name is unknown, the
 * name or author is empty, or `pdkPath` is not a checkout of the PDK repository.
 */
export function createPluginProject(options: InitOptions): InitResult {
  const dir = resolve(options.dir);
  checkTargetFolder(dir, options.dir);

  const warnings: string[] = [];
  const settings = settingsFor(options, dir, warnings);
  const packageManager = settings.pdkPath === undefined ? "npm" : "pnpm";
  const files = renderProjectFiles(settings, packageManager);

  for (const [relativePath, text] of files) {
    const path = join(dir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }

  return {
    dir,
    files: [...files.keys()],
    capabilities: settings.capabilities.map((capability) => capability.key),
    packageName: settings.packageName,
    packageManager,
    warnings,
  };
}
