import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { publishedPackages, REPOSITORY_ROOT } from "../src/workspace.js";

const REPOSITORY_URL = "git+https://github.com/nd-pdk/nd-pdk.git";
const HOMEPAGE = "https://nd-pdk.dev";
const rootLicense = readFileSync(path.join(REPOSITORY_ROOT, "LICENSE"), "utf8");
const changesetConfig = JSON.parse(readFileSync(path.join(REPOSITORY_ROOT, ".changeset/config.json"), "utf8")) as { fixed: string[][]; access: string };
const packages = publishedPackages();

test("published packages are the seven PDK packages", () => {
  expect(packages.map((pkg) => pkg.name).sort()).toEqual(["@nd/pdk", "@nd/pdk-capabilities", "@nd/pdk-cli", "@nd/pdk-engine", "@nd/pdk-host", "@nd/pdk-simulator", "@nd/pdk-types"]);
});

test("changesets version every published package together", () => {
  const group = changesetConfig.fixed.find((names) => names.includes("@nd/pdk"));

  expect([...(group ?? [])].sort()).toEqual(packages.map((pkg) => pkg.name).sort());
  expect(changesetConfig.access).toBe("public");
});

test("published packages share one version", () => {
  expect(new Set(packages.map((pkg) => pkg.manifest.version)).size).toBe(1);
});

describe.each(packages.map((pkg) => [pkg.name, pkg] as const))("%s metadata", (_name, pkg) => {
  const manifest = pkg.manifest as Record<string, unknown>;

  test("describes the package", () => {
    expect(typeof manifest["description"]).toBe("string");
    expect(manifest["keywords"]).toEqual(expect.arrayContaining(["navidrome", "plugin"]));
    expect(manifest["author"]).toBe("The @nd/pdk authors");
  });

  test("links the repository, docs and issues", () => {
    expect(manifest["repository"]).toEqual({ type: "git", url: REPOSITORY_URL, directory: pkg.dir });
    expect(manifest["homepage"]).toBe(HOMEPAGE);
    expect(manifest["bugs"]).toEqual({ url: "https://github.com/nd-pdk/nd-pdk/issues" });
  });

  test("declares license and Node version", () => {
    expect(manifest["license"]).toBe("MIT");
    expect(manifest["engines"]).toEqual({ node: ">=20" });
  });

  test("ships a copy of the root LICENSE", () => {
    expect(readFileSync(path.join(REPOSITORY_ROOT, pkg.dir, "LICENSE"), "utf8")).toBe(rootLicense);
  });

  test("is public and has side-effect-free modules", () => {
    expect(manifest["private"]).toBeUndefined();
    expect(manifest["sideEffects"]).toBe(false);
  });
});
