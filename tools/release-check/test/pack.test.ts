import { execFileSync } from "node:child_process";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { publishedPackages, REPOSITORY_ROOT } from "../src/workspace.js";

interface PackResult {
  readonly files: readonly { readonly path: string }[];
}

/** Lists the files `npm pack` would put into the package's tarball. */
function packedFiles(dir: string): string[] {
  const output = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: path.join(REPOSITORY_ROOT, dir),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  const [result] = JSON.parse(output) as PackResult[];
  return (result?.files ?? []).map((file) => file.path).sort();
}

describe.each(publishedPackages().map((pkg) => [pkg.name, pkg] as const))("%s tarball", (_name, pkg) => {
  const files = packedFiles(pkg.dir);
  // The CLI also ships its launcher and the files `nd-pdk init` and `nd-pdk config-types` copy.
  const allowed = pkg.name === "@nd/pdk-cli" ? /^(dist|bin|templates)\// : /^dist\//;

  test("contains built code, types, README and LICENSE", () => {
    expect(files).toContain("package.json");
    expect(files).toContain("README.md");
    expect(files).toContain("LICENSE");
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
  });

  test("contains nothing else", () => {
    const unexpected = files.filter((file) => !["package.json", "README.md", "LICENSE"].includes(file) && !allowed.test(file));
    expect(unexpected).toEqual([]);
  });

  test("has no sources, tests or source maps", () => {
    // The CLI's templates/init/src and templates/init/test are files `nd-pdk init` copies, not sources.
    expect(files.filter((file) => /^(src|test)\//.test(file) || file.endsWith(".map"))).toEqual([]);
  });
});

// nd-pdk build falls back to the engine where extism-js is missing, so a release without it would
// leave most users with no compiler. A build with ND_PDK_ENGINE_SKIP=1 has none to ship.
describe.skipIf(process.env["ND_PDK_ENGINE_SKIP"] === "1")("@nd/pdk-engine tarball", () => {
  test("contains the engine", () => {
    expect(packedFiles("packages/nd-pdk-engine")).toContain("dist/engine.wasm");
  });
});
