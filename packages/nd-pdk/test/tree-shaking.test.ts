// Bundles small plugins against the built packages (dist/) with the esbuild options of a plugin build
// (CommonJS, ES2020, one file), and checks that only the host services a plugin uses end up in the
// bundle. Run `pnpm build` first.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";

import type { FakeExtism } from "@nd/testing";
import { installFakeExtism } from "@nd/testing";
import { build } from "esbuild";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";

const packageDir = join(import.meta.dirname, "..");
const workspaceDir = join(packageDir, "../..");
const hostSchemaDir = join(workspaceDir, "schema/host");

interface HostSchema {
  module: string;
  functions: Record<string, { import: string }>;
}

/** Import names of every host function, by PDK module (`kvstore` -> `kvstore_get`, ...). */
function hostImportNames(): Map<string, string[]> {
  const byModule = new Map<string, string[]>();
  for (const file of readdirSync(hostSchemaDir).filter((name) => name.endsWith(".yaml"))) {
    const schema = parse(readFileSync(join(hostSchemaDir, file), "utf8")) as HostSchema;
    byModule.set(
      schema.module,
      Object.values(schema.functions).map((fn) => fn.import),
    );
  }
  return byModule;
}

interface Bundle {
  readonly code: string;
  /** Files that contribute code to the bundle, relative to the workspace root. */
  readonly inputs: string[];
}

/** Bundles `source` as the entry module of a plugin, with the options of a plugin build. */
async function bundlePlugin(source: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, sourcefile: "plugin.ts", loader: "ts" },
    bundle: true,
    write: false,
    format: "cjs",
    target: "es2020",
    minify: false,
    platform: "neutral",
    mainFields: ["module", "main"],
    metafile: true,
    absWorkingDir: packageDir,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text ?? "";
  // metafile.inputs lists every file esbuild parsed, so the output's inputs are used to find the files
  // that kept any code.
  const inputs: string[] = [];
  for (const output of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput > 0) inputs.push(relative(workspaceDir, join(packageDir, input)));
    }
  }
  return { code, inputs };
}

/** Runs a CommonJS bundle and returns its `module.exports`. */
function loadBundle(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function("module", "exports", code)(module, module.exports);
  return module.exports;
}

const kvstorePlugin = `
import { definePlugin, kvstore } from "@nd/pdk";

export default definePlugin({
  metadataAgent: {
    getArtistBiography({ id, name }) {
      const cached = kvstore.get("bio:" + id);
      if (cached !== undefined) return { biography: new TextDecoder().decode(cached) };
      const biography = name + " is an artist.";
      kvstore.set("bio:" + id, new TextEncoder().encode(biography));
      return { biography };
    },
  },
});
`;

const importNames = hostImportNames();

beforeAll(() => {
  for (const name of ["nd-pdk", "nd-pdk-host", "nd-pdk-capabilities", "nd-pdk-types"]) {
    if (!existsSync(join(workspaceDir, "packages", name, "dist/index.js"))) {
      throw new Error(`packages/${name}/dist/index.js is missing; run "pnpm build" at the workspace root first`);
    }
  }
});

describe("tree-shaking of host services", () => {
  test("schema lists the host services", () => {
    expect(importNames.get("kvstore")).toContain("kvstore_get");
    expect(importNames.get("http")).toContain("http_send");
    expect(importNames.size).toBeGreaterThanOrEqual(14);
  });

  test("kvstore plugin bundles kvstore", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);

    expect(code).toContain('"kvstore_get"');
    expect(code).toContain('"kvstore_set"');
  });

  test("kvstore plugin bundles no other service", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);

    for (const [module, names] of importNames) {
      if (module === "kvstore") continue;
      for (const name of names) expect(code, `${module} import ${name}`).not.toContain(name);
    }
    for (const prefix of ["http_", "task_", "cache_", "config_", "scheduler_", "websocket_", "subsonicapi_"]) {
      expect(code).not.toContain(`"${prefix}`);
    }
  });

  test("kvstore plugin bundles no other host module file", async () => {
    const { inputs } = await bundlePlugin(kvstorePlugin);
    const hostFiles = inputs.filter((input) => input.startsWith("packages/nd-pdk-host/"));

    expect(hostFiles).toEqual(["packages/nd-pdk-host/dist/generated/kvstore.js"]);
  });

  test("plugin without host calls bundles no host service", async () => {
    const { code } = await bundlePlugin(`
      import { definePlugin } from "@nd/pdk";
      export default definePlugin({ lifecycle: { onInit() {} } });
    `);

    for (const names of importNames.values()) {
      for (const name of names) expect(code).not.toContain(name);
    }
  });

  test("config helpers bundle only the config service", async () => {
    const { code } = await bundlePlugin(`
      import { definePlugin, requireConfig } from "@nd/pdk";
      export default definePlugin({ lifecycle: { onInit() { requireConfig("apiKey"); } } });
    `);

    expect(code).toContain('"config_get"');
    for (const [module, names] of importNames) {
      if (module === "config") continue;
      for (const name of names) expect(code, `${module} import ${name}`).not.toContain(name);
    }
  });
});

describe("tree-shaking of the files API", () => {
  test("plugin without files bundles none of it", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);

    expect(code).not.toContain("nd-pdk.files");
    expect(code).not.toContain("FileError");
    expect(code).not.toContain("makeDirectory");
  });

  test("files plugin bundles no host service", async () => {
    const { code } = await bundlePlugin(`
      import { definePlugin, files } from "@nd/pdk";
      export default definePlugin({ lifecycle: { onInit() { files.write("/storage/started", "yes"); } } });
    `);

    expect(code).toContain('"nd-pdk.files"');
    for (const names of importNames.values()) {
      for (const name of names) expect(code).not.toContain(name);
    }
  });

  test("files plugin runs no file access at load", async () => {
    const { code } = await bundlePlugin(`
      import { definePlugin, files } from "@nd/pdk";
      export default definePlugin({ lifecycle: { onInit() { files.list("/storage"); } } });
    `);
    const natives = { mounts: (): never => { throw new Error("file access at load time"); } };
    const globals = globalThis as unknown as Record<symbol, unknown>;
    globals[Symbol.for("nd-pdk.files")] = natives;
    try {
      expect(Object.keys(loadBundle(code)["default"] as object)).toEqual(["nd_on_init"]);
    } finally {
      delete globals[Symbol.for("nd-pdk.files")];
    }
  });
});

describe("bundle portability", () => {
  test("has no require calls", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);

    expect(code).not.toMatch(/\brequire\s*\(/);
  });

  test("imports no Node built-in module", async () => {
    const { code, inputs } = await bundlePlugin(kvstorePlugin);

    for (const name of builtinModules) {
      const specifier = new RegExp(`(?:require\\(|import\\(|from )\\s*["'](?:node:)?${name.replace(/[/.]/g, "\\$&")}["']`);
      expect(code).not.toMatch(specifier);
    }
    for (const input of inputs) expect(input === "plugin.ts" || input.startsWith("packages/"), input).toBe(true);
  });

  test("uses no Node globals", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);

    expect(code).not.toMatch(/\bprocess\./);
    expect(code).not.toMatch(/\bBuffer\b/);
    expect(code).not.toMatch(/\bglobal\./);
  });
});

describe("bundled plugin", () => {
  let fake: FakeExtism | undefined;

  afterEach(() => {
    fake?.uninstall();
    fake = undefined;
  });

  test("exports only the default plugin object", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);
    const exported = loadBundle(code);

    expect(Object.keys(exported)).toEqual(["default"]);
    expect(Object.keys(exported["default"] as object)).toEqual(["nd_get_artist_biography"]);
  });

  test("runs against the fake runtime", async () => {
    const { code } = await bundlePlugin(kvstorePlugin);
    const store = new Map<string, string>();
    fake = installFakeExtism({
      hostFunctions: {
        kvstore_get(request) {
          const value = store.get((JSON.parse(request) as { key: string }).key);
          return value === undefined ? "{}" : JSON.stringify({ value, exists: true });
        },
        kvstore_set(request) {
          const { key, value } = JSON.parse(request) as { key: string; value: string };
          store.set(key, value);
          return "{}";
        },
      },
    });
    const plugin = loadBundle(code)["default"] as Record<string, () => number>;
    const exportFunction = plugin["nd_get_artist_biography"] as () => number;

    fake.startCall(JSON.stringify({ id: "ar-1", name: "Miles Davis" }));
    expect(exportFunction()).toBe(0);
    expect(fake.output).toBe('{"biography":"Miles Davis is an artist."}');

    fake.startCall(JSON.stringify({ id: "ar-1", name: "ignored" }));
    expect(exportFunction()).toBe(0);
    expect(fake.output).toBe('{"biography":"Miles Davis is an artist."}');
    expect(fake.calls.map((call) => call.name)).toEqual(["kvstore_get", "kvstore_set", "kvstore_get"]);
  });
});
