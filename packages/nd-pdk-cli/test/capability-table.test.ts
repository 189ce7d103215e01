// The second bundle of nd-pdk build, whose definePlugin carries the codecs of the plugin's own exports
// only. Builds run against the built workspace packages (run `pnpm build` first).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

import type { HostBridge } from "@nd/pdk-simulator";
import { loadQuickJsPlugin } from "@nd/pdk-simulator";
import { describe, expect, test } from "vitest";

import { renderCapabilityTable } from "../src/build/capability-table.js";
import { capabilityExports } from "../src/validate/navidrome-api.js";
import { buildPlugin, bundlePlugin } from "../src/index.js";
import { copyFixture, noCompiler } from "./fixtures/projects.js";

const BIOGRAPHY_PLUGIN = `import { definePlugin } from "@nd/pdk";

export default definePlugin({
  metadataAgent: {
    getArtistBiography: ({ name }) => ({ biography: \`\${name} plays jazz.\` }),
  },
});
`;

const bridge: HostBridge = { functions: new Map(), config: new Map(), logLevel: "off", log: () => undefined, now: () => 0 };

/** A copy of the sample fixture whose entry module is `source`, with a manifest without permissions. */
function projectWith(source: string): string {
  const dir = copyFixture("sample");
  writeFileSync(path.join(dir, "src", "index.ts"), source);
  const manifest = { name: "Biographies", author: "nd-pdk tests", version: "1.0.0", description: "Serves artist biographies.", permissions: {} };
  writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

describe("renderCapabilityTable", () => {
  test("lists the exports of each capability in schema order", () => {
    const table = renderCapabilityTable(["nd_scrobbler_scrobble", "nd_scrobbler_is_authorized", "nd_scrobbler_now_playing", "nd_scrobbler_playback_report"]) ?? "";

    expect(table).toContain(
      'import { nd_scrobbler_is_authorized, nd_scrobbler_now_playing, nd_scrobbler_playback_report, nd_scrobbler_scrobble } from "./generated/export-specs.js";',
    );
    expect(table).toContain(
      'scrobbler: { capability: "Scrobbler", key: "scrobbler", required: true, exports: [nd_scrobbler_is_authorized, nd_scrobbler_now_playing, nd_scrobbler_scrobble, nd_scrobbler_playback_report] },',
    );
  });

  test("keeps only the named exports of an optional capability", () => {
    const table = renderCapabilityTable(["nd_get_artist_biography"]) ?? "";

    expect(table).toContain("exports: [nd_get_artist_biography] }");
    expect(table).not.toContain("nd_get_artist_url");
  });

  test("keeps the whole table for no exports", () => {
    expect(renderCapabilityTable([])).toBeUndefined();
  });

  test("keeps the whole table for an unknown export", () => {
    expect(renderCapabilityTable(["nd_get_artist_biography", "nd_get_artist_bio"])).toBeUndefined();
  });
});

describe("@nd/pdk-capabilities", () => {
  // The CLI resolves @nd/pdk-capabilities through @nd/pdk, as a plugin project does.
  const pdkRequire = createRequire(createRequire(import.meta.url).resolve("@nd/pdk/package.json"));
  const packageDir = path.dirname(pdkRequire.resolve("@nd/pdk-capabilities/package.json"));

  test("has the table module the build replaces", () => {
    expect(existsSync(path.join(packageDir, "dist", "capability-table.js"))).toBe(true);
  });

  test("names each export description after its export", async () => {
    const specs = (await import(pathToFileURL(path.join(packageDir, "dist", "generated", "export-specs.js")).href)) as Record<string, { exportName?: unknown }>;

    for (const exportName of capabilityExports.keys()) {
      expect(specs[exportName]?.exportName, exportName).toBe(exportName);
    }
  });
});

describe("nd-pdk build", () => {
  test("writes a bundle without the codecs of other capabilities", async () => {
    const dir = projectWith(BIOGRAPHY_PLUGIN);

    const result = await buildPlugin({ dir, ...noCompiler });
    const code = readFileSync(path.join(dir, "dist", "plugin.js"), "utf8");

    expect(result.errors).toEqual([]);
    expect(result.steps.map((step) => step.stage)).toContain("trim");
    expect(code).toContain('"ArtistBiographyResponse"');
    expect(code).not.toContain('"TrackInfo"');
    expect(code).not.toContain('"ArtistMBIDRequest"');
  });

  test("writes a smaller bundle than the first pass", async () => {
    const dir = projectWith(BIOGRAPHY_PLUGIN);
    const entry = path.join(dir, "src", "index.ts");

    await buildPlugin({ dir, ...noCompiler });
    const full = await bundlePlugin({ projectDir: dir, entry, outFile: path.join(dir, "full.js") });
    const trimmed = readFileSync(path.join(dir, "dist", "plugin.js"), "utf8");

    expect(trimmed.length).toBeLessThan(full.code.length / 2);
  });

  test("still checks what Navidrome sends and what the plugin returns", async () => {
    const dir = projectWith(BIOGRAPHY_PLUGIN);
    await buildPlugin({ dir, ...noCompiler });
    const plugin = await loadQuickJsPlugin({ bundle: readFileSync(path.join(dir, "dist", "plugin.js"), "utf8") });

    try {
      expect(plugin.call("nd_get_artist_biography", JSON.stringify({ id: "ar-1", name: "Nina Simone" }), bridge)).toEqual({
        kind: "output",
        output: '{"biography":"Nina Simone plays jazz."}',
      });
      const invalid = plugin.call("nd_get_artist_biography", JSON.stringify({ id: "ar-1", name: 7 }), bridge);
      expect(invalid.kind).toBe("error");
      expect(invalid.kind === "error" ? invalid.message : "").toContain("invalid value at name: expected a string, received the number 7");
    } finally {
      plugin.dispose();
    }
  });

  test("keeps the whole table and warns when a capability key is undefined", async () => {
    const dir = projectWith(BIOGRAPHY_PLUGIN.replace("  metadataAgent: {", "  lifecycle: undefined,\n  metadataAgent: {"));

    const result = await buildPlugin({ dir, ...noCompiler });
    const code = readFileSync(path.join(dir, "dist", "plugin.js"), "utf8");

    expect(result.errors).toEqual([]);
    expect(result.warnings).toContainEqual(expect.stringContaining("keeps the codecs of every capability"));
    expect(code).toContain('"TrackInfo"');
  });
});
