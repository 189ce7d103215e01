import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { capabilitySpecs } from "@nd/pdk";
import { manifestLoadRules, parseManifest } from "@nd/pdk-simulator";
import { Command } from "commander";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { registerInit, runInitCommand } from "../src/commands/init.js";
import type { CapabilityKey } from "../src/init/capabilities.js";
import { CAPABILITIES } from "../src/init/capabilities.js";
import type { InitOptions } from "../src/init/create-project.js";
import { createPluginProject, InitError, parseCapabilities, toPackageName } from "../src/init/create-project.js";
import { cliPackageRoot, fillPlaceholders, readTemplate, selectParts } from "../src/init/template.js";
import { TOOL_VERSIONS } from "../src/init/versions.js";

const CLI_ROOT = cliPackageRoot();
const REPO_ROOT = join(CLI_ROOT, "..", "..");
const ALL_CAPABILITIES: readonly CapabilityKey[] = CAPABILITIES.map((capability) => capability.key);

let workDir: string;
let projectCount = 0;

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function workspaceVersion(folder: string): string {
  return readJson(join(REPO_ROOT, "packages", folder, "package.json"))["version"] as string;
}

/** Creates a project in a new folder under the work folder and returns its path. */
function createProject(options: Omit<InitOptions, "dir"> = {}): string {
  const dir = join(workDir, "projects", `plugin-${++projectCount}`);
  createPluginProject({ author: "Test Author", ...options, dir });
  return dir;
}

function read(dir: string, file: string): string {
  return readFileSync(join(dir, file), "utf8");
}

/** Reads a tsconfig file as TypeScript does, which allows comments. */
function readTsconfig(path: string): { extends?: unknown; compilerOptions: Record<string, unknown>; include?: unknown } {
  const { config, error } = ts.readConfigFile(path, ts.sys.readFile);
  if (error !== undefined) throw new Error(`${path}: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`);
  return config as { extends?: unknown; compilerOptions: Record<string, unknown>; include?: unknown };
}

/** Runs the command with captured output. */
function runInit(dir: string, options: Parameters<typeof runInitCommand>[1]): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = runInitCommand(dir, options, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "nd-pdk-init-test-"));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("nd-pdk init files", () => {
  test("default project has a metadata agent", () => {
    const dir = createProject();

    const index = read(dir, "src/index.ts");
    expect(index).toContain("metadataAgent: {");
    expect(index).toContain("getArtistBiography({ name }) {");
    for (const key of ALL_CAPABILITIES.filter((key) => key !== "metadataAgent")) expect(index).not.toContain(`  ${key}: {`);
    expect(read(dir, "test/plugin.test.ts")).toContain('describe("metadataAgent", () => {');
    expect(read(dir, "test/plugin.test.ts")).not.toContain("const track = {");
  });

  test("every file is written", () => {
    const dir = createProject();

    for (const file of ["package.json", "manifest.json", "tsconfig.json", ".gitignore", "README.md", "src/index.ts", "test/plugin.test.ts", "test/tsconfig.json"]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(read(dir, ".gitignore").split("\n")).toEqual(expect.arrayContaining(["node_modules/", "dist/", "*.ndp"]));
  });

  test("package.json", () => {
    const dir = createProject({ name: "Last.fm Scrobbler", capabilities: ["scrobbler"] });

    expect(readJson(join(dir, "package.json"))).toEqual({
      name: "last.fm-scrobbler",
      version: "0.1.0",
      private: true,
      description: "Navidrome plugin written in TypeScript: scrobbler.",
      type: "module",
      scripts: { build: "nd-pdk build", test: "vitest run", typecheck: "tsc -p tsconfig.json && tsc -p test/tsconfig.json" },
      dependencies: { "@nd/pdk": `^${workspaceVersion("nd-pdk")}` },
      devDependencies: {
        "@nd/pdk-cli": `^${workspaceVersion("nd-pdk-cli")}`,
        "@nd/pdk-simulator": `^${workspaceVersion("nd-pdk-simulator")}`,
        "@types/node": "^20.19.0",
        typescript: "~5.9.3",
        vitest: "^4.0.0",
      },
    });
  });

  test("tool ranges match the workspace", () => {
    const rootDevDependencies = readJson(join(REPO_ROOT, "package.json"))["devDependencies"] as Record<string, string>;

    expect(TOOL_VERSIONS.typescript).toBe(rootDevDependencies["typescript"]);
    expect(TOOL_VERSIONS.vitest).toBe(rootDevDependencies["vitest"]);
    expect(TOOL_VERSIONS["@types/node"]).toBe(rootDevDependencies["@types/node"]);
  });

  test("tsconfig keeps Node types out of src", () => {
    const dir = createProject();

    const source = readTsconfig(join(dir, "tsconfig.json"));
    expect(source.compilerOptions).toMatchObject({ strict: true, target: "ES2020", lib: ["ES2020"], moduleResolution: "Bundler", types: [], noEmit: true });
    expect(JSON.stringify(source.compilerOptions["lib"])).not.toContain("DOM");
    expect(source.include).toEqual(["src"]);

    const tests = readTsconfig(join(dir, "test", "tsconfig.json"));
    expect(tests.extends).toBe("../tsconfig.json");
    expect(tests.compilerOptions).toEqual({ types: ["node"] });
    expect(tests.include).toEqual(["."]);
  });

  test("manifest.json with name and author", () => {
    const dir = createProject({ name: "Artist Facts", author: "Jane Doe" });

    expect(readJson(join(dir, "manifest.json"))).toEqual({
      name: "Artist Facts",
      author: "Jane Doe",
      version: "0.1.0",
      description: "Navidrome plugin written in TypeScript: metadata agent.",
    });
  });

  test("name defaults to the folder name", () => {
    const dir = join(workDir, "projects", "My Lyrics Plugin");

    createPluginProject({ dir, author: "A" });

    expect(readJson(join(dir, "manifest.json"))["name"]).toBe("My Lyrics Plugin");
    expect(readJson(join(dir, "package.json"))["name"]).toBe("my-lyrics-plugin");
  });

  test("scrobbler gets the users permission", () => {
    const dir = createProject({ capabilities: ["scrobbler"] });

    expect(readJson(join(dir, "manifest.json"))["permissions"]).toEqual({ users: { reason: "Scrobbles the plays of the users you allow." } });
  });

  test("stub scheduler and task worker need no permission", () => {
    const dir = createProject({ capabilities: ["scheduler", "taskWorker", "websocket", "lifecycle"] });

    expect(readJson(join(dir, "manifest.json"))["permissions"]).toBeUndefined();
  });

  test("every capability", () => {
    const dir = createProject({ capabilities: [...ALL_CAPABILITIES] });

    const index = read(dir, "src/index.ts");
    const testFile = read(dir, "test/plugin.test.ts");
    for (const key of ALL_CAPABILITIES) {
      expect(index).toContain(`  ${key}: {`);
      expect(testFile).toContain(`describe("${key}", () => {`);
    }
    expect(testFile.match(/const track = \{/g)).toHaveLength(1);
  });

  test("required-method capabilities implement every method", () => {
    const dir = createProject({ capabilities: ["scrobbler", "lyrics", "sonicSimilarity"] });

    const index = read(dir, "src/index.ts");
    for (const key of ["scrobbler", "lyrics", "sonicSimilarity"] as const) {
      const spec = capabilitySpecs[key];
      expect(spec.required).toBe(true);
      for (const entry of spec.exports) expect(index).toContain(`    ${entry.method}(`);
    }
  });

  test("no marker or placeholder is left", () => {
    for (const capabilities of [["metadataAgent"], ["lyrics", "websocket"], [...ALL_CAPABILITIES]]) {
      const dir = createProject({ capabilities });

      for (const file of ["README.md", "src/index.ts", "test/plugin.test.ts"]) {
        const text = read(dir, file);
        expect(text, file).not.toContain("nd-pdk:");
        expect(text, file).not.toContain("{{");
        expect(text.endsWith("\n"), file).toBe(true);
        expect(text.endsWith("\n\n"), file).toBe(false);
      }
    }
  });

  test("README explains build, test and install", () => {
    const dir = createProject({ name: "Sonic Paths", capabilities: ["sonicSimilarity", "lifecycle"] });

    const readme = read(dir, "README.md");
    expect(readme.startsWith("# Sonic Paths\n")).toBe(true);
    expect(readme).toContain("- `sonicSimilarity`: Suggests songs");
    expect(readme).toContain("- `lifecycle`: Runs setup code");
    expect(readme).toContain("npm install\nnpm test");
    expect(readme).toContain("npm run build");
    expect(readme).toContain("`dist/sonic-paths.ndp`");
    expect(readme).toContain("Navidrome's plugins folder");
    expect(readme).toContain("else with the built-in engine of `@nd/pdk-engine`");
    expect(readme).toContain("`npm run typecheck` checks `src/` with `tsconfig.json`, which leaves out the Node\ntypes, and `test/` with `test/tsconfig.json`");
    expect(readme).not.toContain("link:");
  });

  test("capability order and duplicates do not matter", () => {
    const first = createProject({ capabilities: ["lyrics", "scrobbler,lyrics"] });
    const second = createProject({ capabilities: ["scrobbler", "lyrics"] });

    expect(read(first, "src/index.ts")).toBe(read(second, "src/index.ts"));
    expect(read(first, "test/plugin.test.ts")).toBe(read(second, "test/plugin.test.ts"));
  });

  test("manifest passes the simulator's checks", () => {
    for (const key of ALL_CAPABILITIES) {
      const dir = createProject({ capabilities: [key] });
      const manifest = parseManifest(readJson(join(dir, "manifest.json")));
      const exports = capabilitySpecs[key].exports.map((entry) => entry.exportName);

      expect(manifestLoadRules(manifest, exports), key).toEqual([]);
    }
  });
});

describe("nd-pdk init --pdk-path", () => {
  test("dependencies link to the checkout", () => {
    const dir = createProject({ pdkPath: REPO_ROOT });

    const packageJson = readJson(join(dir, "package.json")) as { dependencies: unknown; devDependencies: unknown };
    expect(packageJson.dependencies).toEqual({ "@nd/pdk": `link:${join(REPO_ROOT, "packages/nd-pdk")}` });
    expect(packageJson.devDependencies).toEqual({
      "@nd/pdk-cli": `link:${join(REPO_ROOT, "packages/nd-pdk-cli")}`,
      "@nd/pdk-simulator": `link:${join(REPO_ROOT, "packages/nd-pdk-simulator")}`,
      "@types/node": "^20.19.0",
      typescript: "~5.9.3",
      vitest: "^4.0.0",
    });
  });

  test("README says how to use the checkout", () => {
    const dir = createProject({ pdkPath: REPO_ROOT });

    const readme = read(dir, "README.md");
    expect(readme).toContain(`local checkout of the PDK (${REPO_ROOT})`);
    expect(readme).toContain("pnpm install\npnpm test");
  });

  test("folder that is not a checkout", () => {
    expect(() => createProject({ pdkPath: workDir })).toThrow(
      `--pdk-path ${workDir} is not a checkout of the PDK repository: packages/nd-pdk/package.json with the name @nd/pdk is missing there. Pass the folder that contains pnpm-workspace.yaml.`,
    );
  });
});

describe("nd-pdk init refusals", () => {
  test("non-empty folder", () => {
    const dir = join(workDir, "occupied");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "notes.txt"), "keep me");

    const result = runInit(dir, {});

    expect(result.code).toBe(2);
    expect(result.err).toBe(`error: cannot create the plugin in ${dir}: the folder is not empty (it contains notes.txt). Choose a new or empty folder.\n`);
    expect(read(dir, "notes.txt")).toBe("keep me");
    expect(existsSync(join(dir, "package.json"))).toBe(false);
  });

  test("empty existing folder is fine", () => {
    const dir = join(workDir, "empty");
    mkdirSync(dir, { recursive: true });

    expect(runInit(dir, { author: "A" }).code).toBe(0);
    expect(existsSync(join(dir, "src/index.ts"))).toBe(true);
  });

  test("path of a file", () => {
    const file = join(workDir, "a-file");
    writeFileSync(file, "");

    expect(() => createPluginProject({ dir: file })).toThrow(`cannot create the plugin in ${file}: it is a file. Choose a folder path that does not exist yet.`);
  });

  test("unknown capability with a suggestion", () => {
    expect(() => parseCapabilities(["metadata-agent"])).toThrow(
      'unknown capability "metadata-agent". Did you mean "metadataAgent"? The capabilities are: metadataAgent, scrobbler, lyrics, sonicSimilarity, lifecycle, scheduler, taskWorker, websocket.',
    );
    expect(() => parseCapabilities(["radio"])).toThrow(InitError);
  });

  test("unknown capability writes nothing", () => {
    const dir = join(workDir, "never-created");

    const result = runInit(dir, { capability: ["radio"] });

    expect(result.code).toBe(2);
    expect(result.err).toContain('error: unknown capability "radio".');
    expect(existsSync(dir)).toBe(false);
  });

  test("empty name or author", () => {
    expect(() => createPluginProject({ dir: join(workDir, "x1"), name: " " })).toThrow("--name must not be empty: Navidrome requires a plugin name");
    expect(() => createPluginProject({ dir: join(workDir, "x2"), author: "" })).toThrow("--author must not be empty: Navidrome requires an author");
  });
});

describe("nd-pdk init helpers", () => {
  test("capability list matches definePlugin", () => {
    expect([...ALL_CAPABILITIES].sort()).toEqual(Object.keys(capabilitySpecs).sort());
  });

  test("parseCapabilities defaults and splits", () => {
    expect(parseCapabilities(undefined)).toEqual(["metadataAgent"]);
    expect(parseCapabilities([])).toEqual(["metadataAgent"]);
    expect(parseCapabilities(["websocket, lyrics", "scrobbler"])).toEqual(["scrobbler", "lyrics", "websocket"]);
  });

  test("toPackageName", () => {
    expect(toPackageName("My Plugin")).toBe("my-plugin");
    expect(toPackageName("Café Lyrics!")).toBe("cafe-lyrics");
    expect(toPackageName("  --Last.fm--  ")).toBe("last.fm");
    expect(toPackageName("歌词")).toBe("navidrome-plugin");
  });

  test("selectParts keeps parts of any listed name", () => {
    const text = ["a", "// nd-pdk:begin x y", "b", "// nd-pdk:end x y", "<!-- nd-pdk:begin z -->", "c", "<!-- nd-pdk:end z -->", "d"].join("\n");

    expect(selectParts(text, new Set(["y"]))).toBe("a\nb\nd");
    expect(selectParts(text, new Set(["z"]))).toBe("a\nc\nd");
    expect(selectParts(text, new Set())).toBe("a\nd");
  });

  test("selectParts rejects unbalanced markers", () => {
    expect(() => selectParts("// nd-pdk:begin x\na", new Set())).toThrow('template line 1: "nd-pdk:begin x" has no end marker');
    expect(() => selectParts("// nd-pdk:end x", new Set())).toThrow('template line 1: "nd-pdk:end x" has no matching begin marker');
    expect(() => selectParts("// nd-pdk:begin x\n// nd-pdk:begin y", new Set())).toThrow("marked parts cannot nest");
  });

  test("every template part is balanced", () => {
    for (const file of ["init/src/index.ts", "init/test/plugin.test.ts", "init/README.md"]) {
      expect(() => selectParts(readTemplate(file), new Set()), file).not.toThrow();
    }
  });

  test("fillPlaceholders rejects a missing value", () => {
    expect(fillPlaceholders("{{a}}-{{b}}", { a: "1", b: "2" })).toBe("1-2");
    expect(() => fillPlaceholders("{{a}}", {})).toThrow("the template uses {{a}}, but no value was given for it");
  });

  test("command names a differing package", () => {
    const dir = join(workDir, "named-output");

    const result = runInit(dir, { name: "Now Playing", author: "A" });

    expect(result.out.split("\n")[0]).toBe(`Created the plugin project ${dir} (package now-playing) with metadataAgent:`);
  });

  test("command prints the next steps", () => {
    const dir = join(workDir, "command-output");

    const result = runInit(dir, { capability: ["lyrics"], author: "A" });

    expect(result.code).toBe(0);
    expect(result.out.startsWith(`Created the plugin project ${dir} with lyrics:\n  package.json\n`)).toBe(true);
    expect(result.out).toContain("\nNext steps:\n");
    expect(result.out).toContain("  npm install\n  npm test\n  npm run build\n");
  });
});

/**
 * Compiles generated projects against this workspace: a node_modules folder above them links @nd/pdk,
 * @nd/pdk-simulator and vitest to the packages this repository builds.
 */
describe("generated TypeScript", () => {
  let typeCheckDir: string;

  beforeAll(() => {
    typeCheckDir = join(workDir, "typecheck");
    const modules = join(typeCheckDir, "node_modules");
    mkdirSync(join(modules, "@nd"), { recursive: true });
    symlinkSync(join(REPO_ROOT, "packages/nd-pdk"), join(modules, "@nd/pdk"));
    symlinkSync(join(REPO_ROOT, "packages/nd-pdk-simulator"), join(modules, "@nd/pdk-simulator"));
    symlinkSync(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), join(modules, "vitest"));
    mkdirSync(join(modules, "@types"));
    symlinkSync(dirname(createRequire(join(REPO_ROOT, "package.json")).resolve("@types/node/package.json")), join(modules, "@types/node"));
  });

  /**
   * Type-checks the files of several configs in one program, so that the libraries load once. The
   * configs must share their compiler options.
   */
  function typeCheck(configs: readonly string[]): { fileCount: number; diagnostics: string[] } {
    const rootFiles: string[] = [];
    let options: ts.CompilerOptions | undefined;
    for (const configPath of configs) {
      const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
      expect(config?.errors ?? ["no config"], configPath).toEqual([]);
      options ??= config?.options;
      rootFiles.push(...(config?.fileNames ?? []));
    }

    const program = ts.createProgram(rootFiles, options ?? {});
    const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file === undefined ? "" : `${diagnostic.file.fileName.slice(typeCheckDir.length + 1)}: `;
      return `${where}${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    });
    return { fileCount: rootFiles.length, diagnostics };
  }

  test("templates type-check for each capability and for all", () => {
    const capabilitySets: readonly (readonly CapabilityKey[])[] = [...ALL_CAPABILITIES.map((key) => [key]), ALL_CAPABILITIES];
    const dirs = capabilitySets.map((capabilities, index) => {
      const dir = join(typeCheckDir, `project-${index}`);
      createPluginProject({ dir, capabilities, author: "A" });
      return dir;
    });
    // A test that reads what the plugin wrote, as the files guide shows, needs the Node types.
    writeFileSync(join(dirs[0] ?? "", "test", "node.test.ts"), 'import { readFileSync } from "node:fs";\nimport { join } from "node:path";\n\nexport const text: string = readFileSync(join(process.cwd(), "package.json"), "utf8");\n');

    const source = typeCheck(dirs.map((dir) => join(dir, "tsconfig.json")));
    const tests = typeCheck(dirs.map((dir) => join(dir, "test", "tsconfig.json")));

    expect(source.fileCount).toBe(capabilitySets.length);
    expect(source.diagnostics).toEqual([]);
    expect(tests.fileCount).toBe(capabilitySets.length + 1);
    expect(tests.diagnostics).toEqual([]);
  });

  test("plugin source has no Node globals", () => {
    const dir = join(typeCheckDir, "node-globals");
    createPluginProject({ dir, author: "A" });
    writeFileSync(join(dir, "src", "encode.ts"), 'export const encoded: string = Buffer.from("note").toString("base64");\n');

    const { diagnostics } = typeCheck([join(dir, "tsconfig.json")]);

    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatch(/^node-globals\/src\/encode\.ts: Cannot find name 'Buffer'\./);
  });
});

/** Environment for the nested pnpm: without the variables that the outer pnpm and vitest set for themselves. */
function childEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NO_COLOR: "1" };
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|VITEST|TEST$|NODE_ENV$|NODE_OPTIONS$|FORCE_COLOR$)/i.test(name)) continue;
    env[name] = value;
  }
  return env;
}

function run(command: string, args: readonly string[], cwd: string): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd, env: childEnvironment(), encoding: "utf8", timeout: 120_000 });
  if (result.error !== undefined) throw new Error(`${command} ${args.join(" ")} failed to start: ${result.error.message}`);
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("generated project with --pdk-path", () => {
  let dir: string;

  beforeAll(() => {
    dir = join(mkdtempSync(join(tmpdir(), "nd-pdk-init-install-")), "all-capabilities");
    createPluginProject({ dir, capabilities: [...ALL_CAPABILITIES], author: "A", pdkPath: REPO_ROOT });
  });

  afterAll(() => {
    rmSync(dirname(dir), { recursive: true, force: true });
  });

  // The @nd packages are links, and typescript and vitest come from the pnpm store that installing
  // this workspace filled. --prefer-offline takes package metadata from pnpm's cache without a request
  // to the registry. It requests metadata only when the cache lacks it, as on a machine whose install
  // used a frozen lockfile, where --offline would fail. --no-frozen-lockfile is needed because pnpm
  // freezes the lockfile when CI is set, and a new project has none.
  test("installs from the store, passes its tests and type-checks", () => {
    const install = run("pnpm", ["install", "--prefer-offline", "--no-frozen-lockfile"], dir);
    expect(install.status, install.output).toBe(0);

    const tests = run("pnpm", ["test"], dir);
    expect(tests.status, tests.output).toBe(0);
    expect(tests.output).toMatch(/Tests\s+13 passed/);

    // Tests run in Node, so they may read files with node:fs.
    writeFileSync(join(dir, "test", "read-manifest.ts"), 'import { readFileSync } from "node:fs";\n\nexport const manifestText: string = readFileSync(new URL("../manifest.json", import.meta.url), "utf8");\n');
    const typecheck = run("pnpm", ["run", "typecheck"], dir);
    expect(typecheck.status, typecheck.output).toBe(0);

    // The plugin runs in QuickJS without Node, so the same script rejects a Node global in src/.
    writeFileSync(join(dir, "src", "encode.ts"), 'export const encoded: string = Buffer.from("note").toString("base64");\n');
    const rejected = run("pnpm", ["run", "typecheck"], dir);
    expect(rejected.status, rejected.output).not.toBe(0);
    expect(rejected.output).toContain("src/encode.ts(1,32): error TS2591: Cannot find name 'Buffer'.");
  }, 240_000);
});

describe("nd-pdk init command line", () => {
  afterAll(() => {
    process.exitCode = undefined;
  });

  test("parses repeated capabilities, name, author and pdk path", async () => {
    const dir = join(workDir, "from-command-line");
    const program = new Command("nd-pdk").exitOverride();
    registerInit(program);

    await program.parseAsync(["init", dir, "--capability", "scrobbler", "-c", "lyrics,lifecycle", "--name", "Now Playing", "--author", "Ann", "--pdk-path", REPO_ROOT], { from: "user" });

    expect(process.exitCode).toBe(0);
    expect(readJson(join(dir, "manifest.json"))).toMatchObject({ name: "Now Playing", author: "Ann" });
    expect(readJson(join(dir, "package.json"))["dependencies"]).toEqual({ "@nd/pdk": `link:${join(REPO_ROOT, "packages/nd-pdk")}` });
    const index = read(dir, "src/index.ts");
    for (const key of ["scrobbler", "lyrics", "lifecycle"]) expect(index).toContain(`  ${key}: {`);
    expect(index).not.toContain("  metadataAgent: {");
  });
});
