import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { registerConfigTypes, runConfigTypesCommand } from "../src/commands/config-types.js";
import { generateConfigModule } from "../src/config-types/generate.js";

const SCHEMA = {
  type: "object",
  properties: {
    apiKey: { type: "string" },
    maxItems: { type: "integer", default: 10 },
  },
  required: ["apiKey"],
};

let workDir: string;
let projectCount = 0;

/** Creates a plugin folder holding `manifest` (an object, or raw text) and returns its path. */
function pluginFolder(manifest: unknown): string {
  const dir = join(workDir, `plugin-${++projectCount}`);
  mkdirSync(dir, { recursive: true });
  if (manifest !== undefined) {
    writeFileSync(join(dir, "manifest.json"), typeof manifest === "string" ? manifest : JSON.stringify(manifest, null, 2));
  }
  return dir;
}

function manifestWith(schema: unknown): Record<string, unknown> {
  return { name: "Test", author: "Test", version: "1.0.0", config: { schema } };
}

async function runCommand(dir: string, options: Parameters<typeof runConfigTypesCommand>[1] = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runConfigTypesCommand(dir, options, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), "nd-pdk-config-types-test-"));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe("nd-pdk config-types", () => {
  test("writes src/config.ts", async () => {
    const dir = pluginFolder(manifestWith(SCHEMA));

    const result = await runCommand(dir);

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^Wrote .*src\/config\.ts: PluginConfig and readConfig\(\) for settings apiKey, maxItems\.\n$/);
    expect(result.err).toBe("");
    expect(readFileSync(join(dir, "src/config.ts"), "utf8")).toBe(await generateConfigModule(SCHEMA));
  });

  test("--out is relative to the plugin folder", async () => {
    const dir = pluginFolder(manifestWith(SCHEMA));

    const result = await runCommand(dir, { out: "lib/settings.ts" });

    expect(result.code).toBe(0);
    expect(existsSync(join(dir, "lib/settings.ts"))).toBe(true);
    expect(existsSync(join(dir, "src/config.ts"))).toBe(false);
  });

  test("--check passes for an up-to-date file", async () => {
    const dir = pluginFolder(manifestWith(SCHEMA));
    await runCommand(dir);

    const result = await runCommand(dir, { check: true });

    expect(result.code).toBe(0);
    expect(result.out).toContain("matches config.schema in manifest.json");
  });

  test("--check fails for a stale or missing file", async () => {
    const dir = pluginFolder(manifestWith(SCHEMA));

    const missing = await runCommand(dir, { check: true });
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: .*src\/config\.ts does not match config\.schema in manifest\.json; run nd-pdk config-types to update it\n$/);
    expect(existsSync(join(dir, "src/config.ts"))).toBe(false);

    await runCommand(dir);
    writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifestWith({ ...SCHEMA, properties: { ...SCHEMA.properties, verbose: { type: "boolean" } } })));
    const stale = await runCommand(dir, { check: true });
    expect(stale.code).toBe(1);
  });

  test("unchecked keywords are warnings", async () => {
    const dir = pluginFolder(manifestWith({ type: "object", properties: { email: { type: "string", format: "email" } } }));

    const result = await runCommand(dir);

    expect(result.code).toBe(0);
    expect(result.err).toBe('warning: config.schema property "email": "format": "email" is not checked, so readConfig() does not enforce it\n');
  });

  test("missing manifest.json", async () => {
    const dir = pluginFolder(undefined);

    const result = await runCommand(dir);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error: .*manifest\.json not found; run nd-pdk config-types in the plugin folder, or pass that folder as the first argument\n$/);
  });

  test("manifest.json that is not JSON", async () => {
    const dir = pluginFolder("{ name: ");

    const result = await runCommand(dir);

    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^error: .*manifest\.json is not valid JSON \(.+\); correct it and run nd-pdk config-types again\n$/);
  });

  test("manifest without config.schema", async () => {
    const dir = pluginFolder({ name: "Test", author: "Test", version: "1.0.0" });

    const result = await runCommand(dir);

    expect(result.code).toBe(2);
    expect(result.err).toContain("manifest.json has no config.schema, so the plugin has no settings to read; add");
    expect(existsSync(join(dir, "src"))).toBe(false);
  });

  test("schema the reader cannot decode", async () => {
    const dir = pluginFolder(manifestWith({ type: "object", properties: { a: { type: ["string", "integer"] } } }));

    const result = await runCommand(dir);

    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'error: config.schema property "a": "type": ["string","integer"] lists several types; give the property a single type (string, integer, number, boolean, array, object)\n',
    );
    expect(existsSync(join(dir, "src/config.ts"))).toBe(false);
  });
});

describe("nd-pdk config-types command line", () => {
  afterEach(() => {
    process.exitCode = undefined;
  });

  test("parses the folder and options", async () => {
    const dir = pluginFolder(manifestWith(SCHEMA));
    const program = new Command("nd-pdk").exitOverride();
    registerConfigTypes(program);

    await program.parseAsync(["config-types", dir, "--out", "generated/config.ts"], { from: "user" });

    expect(process.exitCode).toBe(0);
    expect(existsSync(join(dir, "generated/config.ts"))).toBe(true);

    await program.parseAsync(["config-types", dir, "--out", "generated/config.ts", "--check"], { from: "user" });
    expect(process.exitCode).toBe(0);
  });
});
