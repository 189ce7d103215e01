// Builds the fixture plugins under test/fixtures against the built workspace packages (run `pnpm build`
// first) and checks what each check reports. No compiler is found here: the compiler tests are in
// build-compiler.test.ts and build-engine.test.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { buildPlugin } from "../src/index.js";
import { copyFixture, noCompiler } from "./fixtures/projects.js";

/** Builds a copy of a fixture where no compiler is found. */
async function buildFixture(name: string) {
  const dir = copyFixture(name);
  const result = await buildPlugin({ dir, ...noCompiler });
  return { dir, result };
}

/** Runs a CommonJS bundle as extism-js evaluates it and returns `module.exports`. */
function evaluateBundle(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", code)(module);
  return module.exports;
}

describe("buildPlugin", () => {
  describe("should fail with a message naming the fix", () => {
    const cases: ReadonlyArray<{ fixture: string; error: string | ReturnType<typeof expect.stringContaining> }> = [
      { fixture: "manifest-invalid", error: 'manifest.json: author is missing: add a non-empty "author" string to manifest.json' },
      { fixture: "manifest-invalid", error: expect.stringContaining("manifest.json: config.schema is not a valid JSON Schema") },
      { fixture: "missing-permission", error: 'http.send is used but manifest.json does not grant "http"; add "http": {} under permissions' },
      { fixture: "top-level-host-call", error: expect.stringMatching(/^console\.log cannot be used at module top level: .*\(at src\/index\.ts:4:9\)$/s) },
      { fixture: "scrobbler-without-users", error: expect.stringContaining('which makes it a scrobbler, and a scrobbler requires permissions.users: add "users": {} to permissions in manifest.json') },
      { fixture: "scheduler-without-callback", error: expect.stringContaining("manifest.json: permissions.scheduler requires the export nd_scheduler_callback") },
      { fixture: "taskqueue-without-worker", error: expect.stringContaining("manifest.json: permissions.taskqueue requires the export nd_task_execute") },
      { fixture: "subsonicapi-without-users", error: expect.stringContaining('manifest.json: permissions.subsonicapi requires permissions.users: add "users": {}') },
      {
        fixture: "partial-scrobbler",
        error:
          "the Scrobbler capability needs every method, but scrobbler.isAuthorized (nd_scrobbler_is_authorized), scrobbler.nowPlaying (nd_scrobbler_now_playing) and scrobbler.playbackReport (nd_scrobbler_playback_report) are missing: implement them, because Navidrome fails the calls of a missing method",
      },
      {
        fixture: "unknown-export",
        error: "nd_get_artist_bio is not an export Navidrome calls. Export only what definePlugin returns from the entry module's default export; Navidrome's exports are named nd_* after the capability methods",
      },
      { fixture: "no-default-export", error: "src/index.ts has no default export: end it with `export default definePlugin({ ... })`, or pass --entry with the module that has one" },
      {
        fixture: "node-builtin",
        error: 'src/index.ts:1:30: "node:fs" is a Node built-in module, which no plugin runtime provides (neither extism-js nor the built-in engine): remove the import, or use a package that works without Node',
      },
    ];

    test.each(cases)("for $fixture", async ({ fixture, error }) => {
      const { dir, result } = await buildFixture(fixture);

      expect(result.errors).toContainEqual(error);
      expect(result.ok).toBe(false);
      expect(result.exitCode).toBe(1);
      expect(existsSync(path.join(dir, "dist", "plugin.wasm"))).toBe(false);
    });
  });

  test("rejects a bare built-in module name", async () => {
    const dir = copyFixture("node-builtin");
    const entry = path.join(dir, "src", "index.ts");
    writeFileSync(entry, readFileSync(entry, "utf8").replace('from "node:fs"', 'from "fs"'));

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.errors).toEqual(['src/index.ts:1:30: "fs" is a Node built-in module, which no plugin runtime provides (neither extism-js nor the built-in engine): remove the import, or use a package that works without Node']);
  });

  test("passes once the named fix is applied", async () => {
    const dir = copyFixture("missing-permission");
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, permissions: { http: {} } }));

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.errors).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.imports).toEqual(["http_send"]);
    expect(result.minNavidrome).toEqual({ release: "v0.61.0", requiredBy: ["http_send"] });
  });

  describe("for a plugin that passes every check", () => {
    test("reports exports, imports and oldest release", async () => {
      const { result } = await buildFixture("sample");

      expect(result.errors).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.exitCode).toBe(0);
      expect(result.exports).toEqual(["nd_scheduler_callback", "nd_task_execute"]);
      expect(result.imports).toEqual(expect.arrayContaining(["kvstore_set", "scheduler_scheduleonetime", "task_enqueue"]));
      expect(result.imports.every((name) => /^(kvstore|scheduler|task)_/.test(name))).toBe(true);
      expect(result.minNavidrome?.release).toBe("v0.61.0");
      expect(result.minNavidrome?.requiredBy).toContain("permissions.taskqueue");
    });

    test("writes bundle, map and interface file", async () => {
      const { dir, result } = await buildFixture("sample");
      const dist = path.join(dir, "dist");

      expect(result.files).toEqual([path.join(dist, "plugin.js"), path.join(dist, "plugin.js.map"), path.join(dist, "plugin.d.ts")]);
      const code = readFileSync(path.join(dist, "plugin.js"), "utf8");
      expect(code).not.toContain("sourceMappingURL");
      const map = JSON.parse(readFileSync(path.join(dist, "plugin.js.map"), "utf8")) as { sources: string[] };
      expect(map.sources).toContain("../src/index.ts");
    });

    test("gives module.exports exactly the export names", async () => {
      const { dir, result } = await buildFixture("sample");

      const exported = evaluateBundle(readFileSync(path.join(dir, "dist", "plugin.js"), "utf8"));

      expect(Object.keys(exported).sort()).toEqual(result.exports);
      expect(Object.values(exported).every((value) => typeof value === "function")).toBe(true);
    });

    test("matches the golden interface file", async () => {
      const { dir } = await buildFixture("sample");

      await expect(readFileSync(path.join(dir, "dist", "plugin.d.ts"), "utf8")).toMatchFileSnapshot("golden/plugin.d.ts");
    });

    test("stops without a compiler, warning once", async () => {
      const { result } = await buildFixture("sample");

      expect(result.warnings).toHaveLength(1);
      expect(result.warnings[0]).toMatch(/^no compiler was found, .*extism-js is not on PATH, and the built-in engine is unavailable because .*no-such-engine\.wasm does not exist\./);
      expect(result.warnings[0]).toContain("wasm-merge and wasm-opt on PATH");
      expect(result.steps.at(-1)).toEqual({ stage: "compile", status: "skipped", detail: "no compiler found" });
      expect(result.compiler).toBeNull();
    });
  });

  describe("should warn without failing", () => {
    const cases = [
      { name: "the experimental key", warning: expect.stringMatching(/^manifest\.json: experimental has no effect: Navidrome releases up to v0\.63\.2 accept it but never act on it/) },
      { name: "an unused permission", warning: expect.stringMatching(/^manifest\.json: permissions\.cache is declared, but the plugin uses no host function that needs it/) },
      { name: "websocket without callbacks", warning: expect.stringMatching(/^manifest\.json: permissions\.websocket is declared, but the plugin implements no websocket callback/) },
      { name: "websocket without hosts", warning: expect.stringMatching(/^manifest\.json: permissions\.websocket has no requiredHosts, so Navidrome rejects every WebSocket connection/) },
      { name: "a host pattern with a scheme", warning: expect.stringMatching(/^manifest\.json: permissions\.http\.requiredHosts entry "https:\/\/api\.example\.com" never matches a host/) },
    ];

    test.each(cases)("for $name", async ({ warning }) => {
      const { result } = await buildFixture("warnings");

      expect(result.warnings).toContainEqual(warning);
      expect(result.errors).toEqual([]);
      expect(result.ok).toBe(true);
    });
  });

  test("keeps a permission that a rule requires", async () => {
    const dir = copyFixture("scrobbler-without-users");
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, permissions: { users: {} } }));

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.ok).toBe(true);
    expect(result.warnings.filter((warning) => warning.includes("permissions.users"))).toEqual([]);
  });

  test("counts Extism's HTTP client as http use", async () => {
    const { dir, result } = await buildFixture("extism-http");

    expect(result.ok).toBe(true);
    expect(result.imports).toEqual([]);
    expect(result.warnings.filter((warning) => warning.includes("permissions.http"))).toEqual([]);
    expect(readFileSync(path.join(dir, "dist", "plugin.d.ts"), "utf8")).not.toContain('declare module "extism:host"');
  });

  test("reads keys differing in case like Navidrome", async () => {
    const dir = copyFixture("missing-permission");
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, Permissions: { http: {} } }));

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.ok).toBe(true);
    expect(result.warnings).toContainEqual(expect.stringMatching(/^manifest\.json: Permissions is spelled differently from "permissions"\. Navidrome matches keys ignoring case/));
  });

  test("records a missing package name as an error", async () => {
    const dir = copyFixture("sample");
    writeFileSync(path.join(dir, "package.json"), "{}");

    const result = await buildPlugin({ dir, ...noCompiler });

    expect(result.errors).toContainEqual(expect.stringMatching(/^package\.json in .* has no "name": add one, or pass --id to name the package$/));
    expect(result.exitCode).toBe(1);
  });
});
