import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import ts from "typescript";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { createNavidrome } from "@nd/pdk-simulator";

import { bundlePlugin } from "../src/build/bundle.js";
import { generateConfigModule, generateConfigModuleWithNotes } from "../src/config-types/generate.js";
import { ConfigSchemaError } from "../src/config-types/schema.js";
import { cliPackageRoot } from "../src/init/template.js";

// The generated modules import "@nd/pdk", which resolves from inside this package, so they are
// compiled into a cache folder here rather than the system temp folder.
const WORK_DIR = join(cliPackageRoot(), "node_modules", ".cache", "config-types-test");

/** The compiler options of a plugin project: strict, ES2020, no DOM and no Node typings. */
const PLUGIN_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2020,
  lib: ["lib.es2020.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noImplicitReturns: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  skipLibCheck: true,
  types: [],
  noEmit: true,
};

interface ConfigModule {
  readConfig(): Record<string, unknown>;
}

let moduleCount = 0;

/** Writes files into a fresh folder under WORK_DIR and returns their paths by name. */
function writeFiles(files: Readonly<Record<string, string>>): Record<string, string> {
  const dir = join(WORK_DIR, `module-${++moduleCount}`);
  mkdirSync(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(paths[name], text);
  }
  return paths;
}

/** Type-checks files with the plugin compiler options and returns the diagnostics as text. */
function typeCheck(paths: readonly string[]): string[] {
  const program = ts.createProgram(paths, PLUGIN_COMPILER_OPTIONS);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName.split("/").pop()}:${line + 1}: ${message}`;
  });
}

/**
 * Generates the module for a schema, type-checks it together with `usage` (code that uses its types),
 * compiles it with TypeScript and imports the result.
 */
async function compileConfigModule(schema: unknown, usage = ""): Promise<ConfigModule> {
  const source = await generateConfigModule(schema);
  const paths = writeFiles({
    "config.ts": source,
    "usage.ts": `import { readConfig } from "./config.js";\nimport type { PluginConfig } from "./config.js";\n${usage}\nexport type { PluginConfig };\nexport const read = readConfig;\n`,
  });
  expect(typeCheck([paths["config.ts"] as string, paths["usage.ts"] as string])).toEqual([]);

  const output = ts.transpileModule(source, { compilerOptions: { ...PLUGIN_COMPILER_OPTIONS, noEmit: false } }).outputText;
  const [jsPath] = Object.values(writeFiles({ "config.mjs": output }));
  return (await import(pathToFileURL(jsPath as string).href)) as ConfigModule;
}

let fake: FakeExtism | undefined;

/** Installs a fake extism-js runtime whose config_get serves `values`, as Navidrome does. */
function serveConfig(values: Readonly<Record<string, string>>): void {
  fake?.uninstall();
  fake = installFakeExtism({
    hostFunctions: {
      config_get(request) {
        const { key } = JSON.parse(request) as { key: string };
        return Object.prototype.hasOwnProperty.call(values, key) ? JSON.stringify({ value: values[key], exists: true }) : "{}";
      },
    },
  });
}

/** Returns the message of the error `action` throws, and checks that it is a ConfigValueError for `key`. */
function errorOf(action: () => unknown, key: string): string {
  try {
    action();
  } catch (error) {
    // The module under test loads its own copy of @nd/pdk, so the check goes by the error's marker.
    expect((error as { name?: unknown }).name).toBe("ConfigValueError");
    expect((error as { key?: unknown }).key).toBe(key);
    return (error as Error).message;
  }
  throw new Error("expected readConfig to throw, but it returned");
}

function fix(message: string): string {
  return `${message}; correct it in the plugin's settings in Navidrome`;
}

beforeAll(() => {
  rmSync(WORK_DIR, { recursive: true, force: true });
});

afterEach(() => {
  fake?.uninstall();
  fake = undefined;
});

afterAll(() => {
  rmSync(WORK_DIR, { recursive: true, force: true });
});

describe("string settings", () => {
  const schema = {
    type: "object",
    properties: {
      apiKey: { type: "string", title: "API key", minLength: 8 },
      mode: { type: "string", enum: ["low", "medium", "high"], default: "medium" },
      label: { type: "string", oneOf: [{ const: "short", title: "Short" }, { const: "long", title: "Long" }] },
      prefix: { type: "string", pattern: "^[a-z]+$" },
      note: { type: "string", maxLength: 5 },
      password: { type: "string", format: "password", minLength: 4 },
    },
    required: ["apiKey", "mode"],
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      [
        "declare const config: PluginConfig;",
        "const apiKey: string = config.apiKey;",
        'const mode: "low" | "medium" | "high" = config.mode;',
        'const label: "short" | "long" | undefined = config.label;',
        "// @ts-expect-error an optional setting without a default may be missing",
        "const prefix: string = config.prefix;",
        "export { apiKey, mode, label, prefix };",
      ].join("\n"),
    );
  });

  test("values as set", () => {
    serveConfig({ apiKey: "abcdefgh", mode: "high", label: "long", prefix: "abc", note: "", password: "s3cret" });

    expect(module.readConfig()).toEqual({ apiKey: "abcdefgh", mode: "high", label: "long", prefix: "abc", note: "", password: "s3cret" });
  });

  test("default and missing optional values", () => {
    serveConfig({ apiKey: "abcdefgh" });

    const config = module.readConfig();

    expect(config).toEqual({ apiKey: "abcdefgh", mode: "medium" });
    expect(Object.keys(config)).toEqual(["apiKey", "mode"]);
  });

  test("missing required value", () => {
    serveConfig({});

    expect(errorOf(() => module.readConfig(), "apiKey")).toBe(`plugin configuration "apiKey" is not set; set it in the plugin's settings in Navidrome`);
  });

  test("value outside the enum", () => {
    serveConfig({ apiKey: "abcdefgh", mode: "loud" });

    expect(errorOf(() => module.readConfig(), "mode")).toBe(fix(`plugin configuration "mode" is "loud", which is not one of "low", "medium", "high"`));
  });

  test("value outside the oneOf choices", () => {
    serveConfig({ apiKey: "abcdefgh", label: "medium" });

    expect(errorOf(() => module.readConfig(), "label")).toBe(fix(`plugin configuration "label" is "medium", which is not one of "short", "long"`));
  });

  test("too short, too long and empty values", () => {
    serveConfig({ apiKey: "abc" });
    expect(errorOf(() => module.readConfig(), "apiKey")).toBe(fix(`plugin configuration "apiKey" is "abc", which has fewer than 8 characters`));

    serveConfig({ apiKey: "" });
    expect(errorOf(() => module.readConfig(), "apiKey")).toBe(fix(`plugin configuration "apiKey" is "", which is empty`));

    serveConfig({ apiKey: "abcdefgh", note: "abcdef" });
    expect(errorOf(() => module.readConfig(), "note")).toBe(fix(`plugin configuration "note" is "abcdef", which has more than 5 characters`));
  });

  test("length counts characters, not UTF-16 units", () => {
    serveConfig({ apiKey: "🎵🎵🎵🎵🎵🎵🎵🎵", note: "ééééé" });

    expect(module.readConfig()).toMatchObject({ apiKey: "🎵🎵🎵🎵🎵🎵🎵🎵", note: "ééééé" });
  });

  test("value that does not match the pattern", () => {
    serveConfig({ apiKey: "abcdefgh", prefix: "ABC" });

    expect(errorOf(() => module.readConfig(), "prefix")).toBe(fix(`plugin configuration "prefix" is "ABC", which does not match the pattern ^[a-z]+$`));
  });

  test("password value stays out of the error", () => {
    serveConfig({ apiKey: "abcdefgh", password: "abc" });

    const message = errorOf(() => module.readConfig(), "password");

    expect(message).toBe(fix(`plugin configuration "password" (value not shown) has fewer than 4 characters`));
    expect(message).not.toContain('"abc"');
  });

  test("reads each key through config_get", () => {
    serveConfig({ apiKey: "abcdefgh" });

    module.readConfig();

    expect(fake?.calls.map((call) => call.name)).toEqual(Array(6).fill("config_get"));
    expect(fake?.calls.map((call) => JSON.parse(call.request) as unknown)).toEqual(
      ["apiKey", "mode", "label", "prefix", "note", "password"].map((key) => ({ key })),
    );
  });
});

describe("integer settings", () => {
  const schema = {
    type: "object",
    properties: {
      maxItems: { type: "integer", minimum: 1, maximum: 100, default: 10 },
      retries: { type: "integer" },
      level: { type: "integer", enum: [1, 2, 3] },
    },
    required: ["retries"],
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      [
        "declare const config: PluginConfig;",
        "const maxItems: number = config.maxItems;",
        "const retries: number = config.retries;",
        "const level: 1 | 2 | 3 | undefined = config.level;",
        "export { maxItems, retries, level };",
      ].join("\n"),
    );
  });

  test("decimal text becomes a number", () => {
    serveConfig({ maxItems: "25", retries: " 3 ", level: "2" });

    expect(module.readConfig()).toEqual({ maxItems: 25, retries: 3, level: 2 });
  });

  test("exponent and trailing zero forms", () => {
    serveConfig({ maxItems: "1e2", retries: "5.0" });

    expect(module.readConfig()).toEqual({ maxItems: 100, retries: 5 });
  });

  test("default for a missing or empty value", () => {
    serveConfig({ retries: "0" });
    expect(module.readConfig()).toEqual({ maxItems: 10, retries: 0 });

    serveConfig({ maxItems: "", retries: "0" });
    expect(module.readConfig()).toEqual({ maxItems: 10, retries: 0 });
  });

  test("text that is not an integer", () => {
    serveConfig({ maxItems: "abc", retries: "1" });
    expect(errorOf(() => module.readConfig(), "maxItems")).toBe(
      `plugin configuration "maxItems" is "abc", which is not an integer; correct it in the plugin's settings in Navidrome`,
    );

    serveConfig({ retries: "2.5" });
    expect(errorOf(() => module.readConfig(), "retries")).toBe(fix(`plugin configuration "retries" is "2.5", which is not an integer`));

    serveConfig({ retries: "0x10" });
    expect(errorOf(() => module.readConfig(), "retries")).toBe(fix(`plugin configuration "retries" is "0x10", which is not an integer`));
  });

  test("values outside the bounds", () => {
    serveConfig({ maxItems: "0", retries: "1" });
    expect(errorOf(() => module.readConfig(), "maxItems")).toBe(fix(`plugin configuration "maxItems" is "0", which is less than the minimum 1`));

    serveConfig({ maxItems: "101", retries: "1" });
    expect(errorOf(() => module.readConfig(), "maxItems")).toBe(fix(`plugin configuration "maxItems" is "101", which is greater than the maximum 100`));
  });

  test("value outside the enum", () => {
    serveConfig({ retries: "1", level: "4" });

    expect(errorOf(() => module.readConfig(), "level")).toBe(fix(`plugin configuration "level" is "4", which is not one of 1, 2, 3`));
  });

  test("integer beyond 2^53", () => {
    serveConfig({ retries: "9007199254740993" });

    expect(errorOf(() => module.readConfig(), "retries")).toBe(
      fix(`plugin configuration "retries" is "9007199254740993", which is beyond ±9007199254740991, the largest integer JavaScript reads exactly`),
    );
  });

  test("missing required value", () => {
    serveConfig({ retries: "" });

    expect(errorOf(() => module.readConfig(), "retries")).toBe(`plugin configuration "retries" is not set; set it in the plugin's settings in Navidrome`);
  });
});

describe("number settings", () => {
  const schema = {
    type: "object",
    properties: {
      ratio: { type: "number", minimum: 0, maximum: 1 },
      threshold: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 10, default: 2.5 },
    },
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      ["declare const config: PluginConfig;", "const threshold: number = config.threshold;", "const ratio: number | undefined = config.ratio;", "export { threshold, ratio };"].join("\n"),
    );
  });

  test("decimal text becomes a number", () => {
    serveConfig({ ratio: "0.25", threshold: "9.99" });

    expect(module.readConfig()).toEqual({ ratio: 0.25, threshold: 9.99 });
  });

  test("bounds are inclusive for minimum and maximum", () => {
    serveConfig({ ratio: "1" });
    expect(module.readConfig()).toEqual({ ratio: 1, threshold: 2.5 });

    serveConfig({ ratio: "0" });
    expect(module.readConfig()).toEqual({ ratio: 0, threshold: 2.5 });
  });

  test("values outside the bounds", () => {
    serveConfig({ ratio: "1.5" });
    expect(errorOf(() => module.readConfig(), "ratio")).toBe(fix(`plugin configuration "ratio" is "1.5", which is greater than the maximum 1`));

    serveConfig({ ratio: "-0.1" });
    expect(errorOf(() => module.readConfig(), "ratio")).toBe(fix(`plugin configuration "ratio" is "-0.1", which is less than the minimum 0`));

    serveConfig({ threshold: "0" });
    expect(errorOf(() => module.readConfig(), "threshold")).toBe(fix(`plugin configuration "threshold" is "0", which is not greater than 0`));

    serveConfig({ threshold: "10" });
    expect(errorOf(() => module.readConfig(), "threshold")).toBe(fix(`plugin configuration "threshold" is "10", which is not less than 10`));
  });

  test("text that is not a number", () => {
    for (const text of ["abc", "Infinity", "NaN", "1e999", "1,5", "0.5x"]) {
      serveConfig({ ratio: text });
      expect(errorOf(() => module.readConfig(), "ratio")).toBe(fix(`plugin configuration "ratio" is ${JSON.stringify(text)}, which is not a number`));
    }
  });
});

describe("boolean settings", () => {
  const schema = {
    type: "object",
    properties: {
      verbose: { type: "boolean", default: false },
      enabled: { type: "boolean" },
    },
    required: ["enabled"],
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      ["declare const config: PluginConfig;", "const verbose: boolean = config.verbose;", "const enabled: boolean = config.enabled;", "export { verbose, enabled };"].join("\n"),
    );
  });

  test("true and false", () => {
    serveConfig({ verbose: "true", enabled: "false" });

    expect(module.readConfig()).toEqual({ verbose: true, enabled: false });
  });

  test("case and spaces do not matter", () => {
    serveConfig({ verbose: " TRUE ", enabled: "False" });

    expect(module.readConfig()).toEqual({ verbose: true, enabled: false });
  });

  test("default for a missing value", () => {
    serveConfig({ enabled: "true" });

    expect(module.readConfig()).toEqual({ verbose: false, enabled: true });
  });

  test("text that is not true or false", () => {
    serveConfig({ enabled: "yes" });

    expect(errorOf(() => module.readConfig(), "enabled")).toBe(fix(`plugin configuration "enabled" is "yes", which is not true or false`));
  });

  test("missing required value", () => {
    serveConfig({});

    expect(errorOf(() => module.readConfig(), "enabled")).toBe(`plugin configuration "enabled" is not set; set it in the plugin's settings in Navidrome`);
  });
});

describe("array settings", () => {
  const schema = {
    type: "object",
    properties: {
      genres: { type: "array", items: { type: "string" }, minItems: 1, default: ["rock"] },
      weights: { type: "array", items: { type: "number", minimum: 0 }, maxItems: 3 },
      levels: { type: "array", items: { type: "string", enum: ["info", "warn"] } },
      anything: { type: "array" },
    },
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      [
        "declare const config: PluginConfig;",
        "const genres: string[] = config.genres;",
        "const weights: number[] | undefined = config.weights;",
        'const levels: ("info" | "warn")[] | undefined = config.levels;',
        "const anything: unknown[] | undefined = config.anything;",
        "export { genres, weights, levels, anything };",
      ].join("\n"),
    );
  });

  test("JSON arrays become arrays", () => {
    serveConfig({ genres: '["rock", "jazz"]', weights: "[0.5, 1, 2]", levels: '["warn"]', anything: '[1, "a", null]' });

    expect(module.readConfig()).toEqual({ genres: ["rock", "jazz"], weights: [0.5, 1, 2], levels: ["warn"], anything: [1, "a", null] });
  });

  test("default is a fresh copy on every read", () => {
    serveConfig({});

    const first = module.readConfig();
    (first["genres"] as string[]).push("changed");

    expect(module.readConfig()).toEqual({ genres: ["rock"] });
  });

  test("text that is not JSON", () => {
    serveConfig({ genres: "rock, jazz" });

    expect(errorOf(() => module.readConfig(), "genres")).toBe(fix(`plugin configuration "genres" is "rock, jazz", which is not a JSON array`));
  });

  test("JSON that is not an array", () => {
    serveConfig({ genres: '{"name":"rock"}' });

    expect(errorOf(() => module.readConfig(), "genres")).toBe(fix(`plugin configuration "genres" is "{\\"name\\":\\"rock\\"}", which is not an array`));
  });

  test("item of the wrong type", () => {
    serveConfig({ genres: '["rock", 5]' });
    expect(errorOf(() => module.readConfig(), "genres")).toBe(fix(`plugin configuration "genres" is "[\\"rock\\", 5]", which has an invalid item at index 1: 5 is not a string`));

    serveConfig({ weights: '[1, "2"]' });
    expect(errorOf(() => module.readConfig(), "weights")).toBe(fix(`plugin configuration "weights" is "[1, \\"2\\"]", which has an invalid item at index 1: "2" is not a number`));
  });

  test("item outside its rule", () => {
    serveConfig({ weights: "[1, -1]" });
    expect(errorOf(() => module.readConfig(), "weights")).toBe(fix(`plugin configuration "weights" is "[1, -1]", which has an invalid item at index 1: -1 is less than the minimum 0`));

    serveConfig({ levels: '["debug"]' });
    expect(errorOf(() => module.readConfig(), "levels")).toBe(fix(`plugin configuration "levels" is "[\\"debug\\"]", which has an invalid item at index 0: "debug" is not one of "info", "warn"`));
  });

  test("too few and too many items", () => {
    serveConfig({ genres: "[]" });
    expect(errorOf(() => module.readConfig(), "genres")).toBe(fix(`plugin configuration "genres" is "[]", which has no items`));

    serveConfig({ weights: "[1, 2, 3, 4]" });
    expect(errorOf(() => module.readConfig(), "weights")).toBe(fix(`plugin configuration "weights" is "[1, 2, 3, 4]", which has more than 3 items`));
  });
});

describe("object settings", () => {
  const schema = {
    type: "object",
    properties: {
      server: {
        type: "object",
        properties: {
          host: { type: "string" },
          port: { type: "integer", minimum: 1, maximum: 65535 },
          tags: { type: "array", items: { type: "string" } },
        },
        required: ["host"],
        additionalProperties: false,
      },
      headers: { type: "object" },
    },
  };
  let module: ConfigModule;

  beforeAll(async () => {
    module = await compileConfigModule(
      schema,
      [
        "declare const config: PluginConfig;",
        "const host: string | undefined = config.server?.host;",
        "const port: number | undefined = config.server?.port;",
        "const header: unknown = config.headers?.['x-token'];",
        "export { host, port, header };",
      ].join("\n"),
    );
  });

  test("JSON objects become objects", () => {
    serveConfig({ server: '{"host":"example.org","port":8080,"tags":["a"]}', headers: '{"x-token":"abc","n":1}' });

    expect(module.readConfig()).toEqual({ server: { host: "example.org", port: 8080, tags: ["a"] }, headers: { "x-token": "abc", n: 1 } });
  });

  test("missing required property", () => {
    serveConfig({ server: '{"port":80}' });

    expect(errorOf(() => module.readConfig(), "server")).toBe(fix(`plugin configuration "server" is "{\\"port\\":80}", which lacks the required property "host"`));
  });

  test("property of the wrong type", () => {
    serveConfig({ server: '{"host":"a","port":"80"}' });

    expect(errorOf(() => module.readConfig(), "server")).toBe(
      fix(`plugin configuration "server" is "{\\"host\\":\\"a\\",\\"port\\":\\"80\\"}", which has an invalid property "port": "80" is not an integer`),
    );
  });

  test("nested array item of the wrong type", () => {
    serveConfig({ server: '{"host":"a","tags":[true]}' });

    expect(errorOf(() => module.readConfig(), "server")).toContain(`which has an invalid property "tags": [true] has an invalid item at index 0: true is not a string`);
  });

  test("unknown property when additionalProperties is false", () => {
    serveConfig({ server: '{"host":"a","path":"/"}' });

    expect(errorOf(() => module.readConfig(), "server")).toContain(`which has the unknown property "path"`);
  });

  test("JSON that is not an object", () => {
    serveConfig({ headers: "[1]" });
    expect(errorOf(() => module.readConfig(), "headers")).toBe(fix(`plugin configuration "headers" is "[1]", which is not an object`));

    serveConfig({ headers: "null" });
    expect(errorOf(() => module.readConfig(), "headers")).toBe(fix(`plugin configuration "headers" is "null", which is not an object`));

    serveConfig({ headers: "{" });
    expect(errorOf(() => module.readConfig(), "headers")).toBe(fix(`plugin configuration "headers" is "{", which is not a JSON object`));
  });
});

describe("references and inferred types", () => {
  test("$ref to definitions and enum without type", async () => {
    const module = await compileConfigModule(
      {
        type: "object",
        definitions: { port: { type: "integer", minimum: 1 }, size: { enum: ["small", "large"] } },
        properties: { port: { $ref: "#/definitions/port" }, size: { $ref: "#/definitions/size", default: "ignored" } },
      },
      ['declare const config: PluginConfig;', 'const size: "small" | "large" | undefined = config.size;', "export { size };"].join("\n"),
    );

    serveConfig({ port: "0", size: "small" });
    expect(errorOf(() => module.readConfig(), "port")).toBe(fix(`plugin configuration "port" is "0", which is less than the minimum 1`));

    serveConfig({ port: "8080", size: "large" });
    expect(module.readConfig()).toEqual({ port: 8080, size: "large" });
  });

  test("schema without properties", async () => {
    const module = await compileConfigModule({ type: "object" });

    serveConfig({ anything: "1" });

    expect(module.readConfig()).toEqual({});
  });
});

describe("generateConfigModule output", () => {
  test("header, import and exports", async () => {
    const source = await generateConfigModule({ type: "object", properties: { apiKey: { type: "string" } } });

    expect(source.startsWith("// Generated by `nd-pdk config-types` from config.schema in manifest.json.")).toBe(true);
    expect(source).toContain('import { ConfigValueError, config } from "@nd/pdk";');
    expect(source).toContain("export interface PluginConfig {");
    expect(source).toContain("export function readConfig(): PluginConfig {");
    expect(source.match(/^export /gm)).toHaveLength(2);
    expect(source).not.toContain("nd-pdk:begin");
  });

  test("no Node, eval or validator in the reader", async () => {
    const source = await generateConfigModule({ type: "object", properties: { a: { type: "array", items: { type: "string", pattern: "^x" } } } });

    expect(source.match(/^import /gm)).toHaveLength(1);
    for (const word of ["eval(", "new Function", "require(", "process.", "Buffer", "ajv"]) expect(source).not.toContain(word);
  });

  test("titles become doc comments, not type names", async () => {
    const source = await generateConfigModule({
      type: "object",
      properties: { server: { type: "object", title: "Server", description: "Where to connect.", properties: { host: { type: "string", title: "Host" } } } },
    });

    expect(source).toContain("   * Server\n   *\n   * Where to connect.");
    expect(source).not.toContain("interface Server");
    expect(source).not.toContain("type Host");
  });

  test("same schema gives the same text", async () => {
    const schema = { type: "object", properties: { b: { type: "integer" }, a: { type: "string", default: "x" } } };

    expect(await generateConfigModule(schema)).toBe(await generateConfigModule(schema));
  });

  test("unchecked keywords are reported", async () => {
    const result = await generateConfigModuleWithNotes({
      type: "object",
      properties: {
        step: { type: "number", multipleOf: 0.5 },
        email: { type: "string", format: "email" },
        tags: { type: "array", items: { type: "string" }, uniqueItems: true },
      },
    });

    expect(result.keys).toEqual(["step", "email", "tags"]);
    expect(result.unchecked).toEqual([
      'config.schema property "step": "multipleOf" is not checked',
      'config.schema property "email": "format": "email" is not checked',
      'config.schema property "tags": "uniqueItems" is not checked',
    ]);
  });
});

describe("schemas the generator rejects", () => {
  const cases: ReadonlyArray<{ readonly name: string; readonly schema: unknown; readonly message: string }> = [
    {
      name: "schema that is not an object",
      schema: [],
      message: "config.schema must be a JSON object, found []",
    },
    {
      name: "root type other than object",
      schema: { type: "array" },
      message: 'config.schema: "type" must be "object", because Navidrome stores the configuration as keys and values',
    },
    {
      name: "several types",
      schema: { properties: { a: { type: ["string", "null"] } } },
      message: 'config.schema property "a": "type": ["string","null"] lists several types; give the property a single type (string, integer, number, boolean, array, object)',
    },
    {
      name: "null type",
      schema: { properties: { a: { type: "null" } } },
      message: 'config.schema property "a": "type": "null" is not supported; use one of string, integer, number, boolean, array, object',
    },
    {
      name: "property without type",
      schema: { properties: { a: { description: "anything" } } },
      message: 'config.schema property "a": has no "type"; add one of string, integer, number, boolean, array, object',
    },
    {
      name: "allOf",
      schema: { properties: { a: { allOf: [{ type: "string" }] } } },
      message: 'config.schema property "a": "allOf" is not supported by nd-pdk config-types; merge the subschemas into one',
    },
    {
      name: "oneOf of schemas",
      schema: { properties: { a: { oneOf: [{ type: "string" }, { type: "integer" }] } } },
      message:
        'config.schema property "a": "oneOf" is supported only as a list of choices of the form { "const": value, "title": label }; give the property one "type" and check the rest in the plugin',
    },
    {
      name: "tuple items",
      schema: { properties: { a: { type: "array", items: [{ type: "string" }] } } },
      message: 'config.schema property "a": "items" is a list of schemas (a tuple), which is not supported; use a single schema for every item',
    },
    {
      name: "default that breaks its rule",
      schema: { properties: { a: { type: "integer", minimum: 1, default: 0 } } },
      message: 'config.schema property "a": the default 0 is less than the minimum 1; change the default or the rule',
    },
    {
      name: "default of the wrong type",
      schema: { properties: { a: { type: "integer", default: "10" } } },
      message: 'config.schema property "a": the default "10" is not an integer; change the default or the rule',
    },
    {
      name: "enum value of the wrong type",
      schema: { properties: { a: { type: "integer", enum: [1, "2"] } } },
      message: 'config.schema property "a": the allowed value "2" is not an integer, but "type" is "integer"; make them agree',
    },
    {
      name: "draft-04 exclusiveMinimum",
      schema: { properties: { a: { type: "number", minimum: 0, exclusiveMinimum: true } } },
      message: 'config.schema property "a": "exclusiveMinimum": true is the draft-04 form, which draft-07 replaced by a number: remove "minimum" and write its value as "exclusiveMinimum"',
    },
    {
      name: "invalid pattern",
      schema: { properties: { a: { type: "string", pattern: "([a-z" } } },
      message: 'config.schema property "a": "pattern" is not a valid regular expression',
    },
    {
      name: "reference outside the schema",
      schema: { properties: { a: { $ref: "other.json#/port" } } },
      message: 'config.schema property "a": "$ref": "other.json#/port" points outside config.schema',
    },
    {
      name: "reference to nothing",
      schema: { properties: { a: { $ref: "#/definitions/missing" } } },
      message: 'config.schema property "a": "$ref": "#/definitions/missing" points to nothing in config.schema',
    },
    {
      name: "reference cycle",
      schema: { definitions: { node: { type: "object", properties: { next: { $ref: "#/definitions/node" } } } }, properties: { a: { $ref: "#/definitions/node" } } },
      message: 'config.schema property "a.next": "$ref": "#/definitions/node" refers to itself',
    },
    {
      name: "required key without a schema",
      schema: { properties: { a: { type: "string" } }, required: ["b"] },
      message: 'config.schema: "required" lists "b", which is not under "properties"; add its schema or remove it from "required"',
    },
    {
      name: "__proto__ as a key",
      schema: JSON.parse('{"properties":{"__proto__":{"type":"string"}}}') as unknown,
      message: 'config.schema property "__proto__": cannot be a configuration key; rename it',
    },
    {
      name: "nested property error",
      schema: { properties: { server: { type: "object", properties: { port: { type: "integer", minLength: -1 } } } } },
      message: 'config.schema property "server.port": "minLength" must be a whole number of 0 or more, found -1',
    },
  ];

  for (const { name, schema, message } of cases) {
    test(name, async () => {
      const generation = generateConfigModule(schema);

      await expect(generation).rejects.toThrow(ConfigSchemaError);
      await expect(generation).rejects.toThrow(message);
    });
  }
});

describe("generated reader inside QuickJS", () => {
  const schema = {
    type: "object",
    properties: {
      apiKey: { type: "string", pattern: "^[a-z0-9]+$", minLength: 4 },
      title: { type: "string", maxLength: 3 },
      maxItems: { type: "integer", minimum: 1, default: 10 },
      ratio: { type: "number", exclusiveMaximum: 1 },
      verbose: { type: "boolean" },
      genres: { type: "array", items: { type: "string" } },
      server: { type: "object", properties: { port: { type: "integer" } }, required: ["port"] },
    },
    required: ["apiKey"],
  };
  let bundle: { code: string; sourceMap: string };

  // The plugin returns the decoded configuration as the biography, so a test can read it back.
  const pluginSource = [
    'import { definePlugin } from "@nd/pdk";',
    'import { readConfig } from "./config.js";',
    "export default definePlugin({",
    "  metadataAgent: {",
    "    getArtistBiography() {",
    "      return { biography: JSON.stringify(readConfig()) };",
    "    },",
    "  },",
    "});",
  ].join("\n");

  beforeAll(async () => {
    const paths = writeFiles({ "config.ts": await generateConfigModule(schema), "index.ts": pluginSource });
    const projectDir = dirname(paths["index.ts"] as string);
    const output = await bundlePlugin({ projectDir, entry: paths["index.ts"] as string, outFile: join(projectDir, "plugin.js") });
    expect(output.errors).toEqual([]);
    bundle = { code: output.code, sourceMap: output.sourceMap };
  });

  async function biographyWith(config: Readonly<Record<string, string>>) {
    const navidrome = createNavidrome({ manifest: { name: "config test", author: "test", version: "1.0.0", config: { schema } }, config });
    const plugin = await navidrome.loadBundle({ bundle: bundle.code, sourceMap: bundle.sourceMap });
    return plugin.metadataAgent.getArtistBiography({ id: "artist-1", name: "Nina Simone" });
  }

  test("decodes every type", async () => {
    const result = await biographyWith({
      apiKey: "abc123",
      title: "🎵🎵🎵",
      ratio: "0.5",
      verbose: "true",
      genres: '["jazz","soul"]',
      server: '{"port":8080}',
    });

    expect(result.kind).toBe("output");
    const biography = result.kind === "output" ? result.value.biography : "";
    expect(JSON.parse(biography)).toEqual({
      apiKey: "abc123",
      title: "🎵🎵🎵",
      maxItems: 10,
      ratio: 0.5,
      verbose: true,
      genres: ["jazz", "soul"],
      server: { port: 8080 },
    });
  });

  test("bad value fails the call with the fix", async () => {
    const result = await biographyWith({ apiKey: "abc123", maxItems: "abc" });

    expect(result.kind).toBe("error");
    expect(result.kind === "error" ? result.message : "").toContain(
      `plugin configuration "maxItems" is "abc", which is not an integer; correct it in the plugin's settings in Navidrome`,
    );
  });

  test("pattern and nested checks", async () => {
    const pattern = await biographyWith({ apiKey: "ABC123" });
    expect(pattern.kind === "error" ? pattern.message : pattern.kind).toContain(`plugin configuration "apiKey" is "ABC123", which does not match the pattern ^[a-z0-9]+$`);

    const nested = await biographyWith({ apiKey: "abc123", server: '{"port":"80"}' });
    expect(nested.kind === "error" ? nested.message : nested.kind).toContain(`has an invalid property "port": "80" is not an integer`);
  });

  test("missing required value", async () => {
    const result = await biographyWith({});

    expect(result.kind === "error" ? result.message : result.kind).toContain(`plugin configuration "apiKey" is not set; set it in the plugin's settings in Navidrome`);
  });
});
