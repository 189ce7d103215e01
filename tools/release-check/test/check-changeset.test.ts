import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { afterEach, describe, expect, test } from "vitest";

import type { RangeFacts } from "../src/check-changeset.js";
import { findMissingChangesets, runChangesetCheck } from "../src/check-changeset.js";
import type { PublishedPackage } from "../src/workspace.js";

const host: PublishedPackage = { name: "@nd/pdk-host", dir: "packages/nd-pdk-host", manifest: { name: "@nd/pdk-host", version: "1.0.0", files: ["dist"] } };
const cli: PublishedPackage = {
  name: "@nd/pdk-cli",
  dir: "packages/nd-pdk-cli",
  manifest: { name: "@nd/pdk-cli", version: "1.0.0", files: ["bin", "dist", "templates"] },
};

function facts(changedPaths: string[], changesets: RangeFacts["changesets"] = []): RangeFacts {
  return { changedPaths, changesets, published: [host, cli] };
}

describe("findMissingChangesets", () => {
  test("source change without changeset", () => {
    expect(findMissingChangesets(facts(["packages/nd-pdk-host/src/index.ts"]))).toEqual([
      { packageName: "@nd/pdk-host", paths: ["packages/nd-pdk-host/src/index.ts"] },
    ]);
  });

  test("package.json and shipped folders count", () => {
    const missing = findMissingChangesets(facts(["packages/nd-pdk-cli/package.json", "packages/nd-pdk-cli/templates/init/README.md", "packages/nd-pdk-cli/bin/nd-pdk.js"]));

    expect(missing.map((entry) => entry.paths.length)).toEqual([3]);
  });

  test("tests, READMEs and other folders need none", () => {
    expect(findMissingChangesets(facts(["packages/nd-pdk-host/test/kvstore.test.ts", "packages/nd-pdk-host/README.md", "docs/testing.md", "examples/x/src/index.ts"]))).toEqual([]);
  });

  test("pending changeset naming the package", () => {
    const changesets = [{ file: ".changeset/old.md", packages: ["@nd/pdk-host"] }];

    expect(findMissingChangesets(facts(["packages/nd-pdk-host/src/index.ts"], changesets))).toEqual([]);
  });

  test("changeset naming another package", () => {
    const changesets = [{ file: ".changeset/cli.md", packages: ["@nd/pdk-cli"] }];

    expect(findMissingChangesets(facts(["packages/nd-pdk-host/src/index.ts", "packages/nd-pdk-cli/src/cli.ts"], changesets)).map((entry) => entry.packageName)).toEqual([
      "@nd/pdk-host",
    ]);
  });

  test("empty changeset added in the range", () => {
    const changesets = [{ file: ".changeset/no-release.md", packages: [] }];

    expect(findMissingChangesets(facts(["packages/nd-pdk-host/src/index.ts", ".changeset/no-release.md"], changesets))).toEqual([]);
  });

  test("empty changeset from an earlier range", () => {
    const changesets = [{ file: ".changeset/no-release.md", packages: [] }];

    expect(findMissingChangesets(facts(["packages/nd-pdk-host/src/index.ts"], changesets))).toHaveLength(1);
  });

  test("version commit that writes the changelog", () => {
    expect(findMissingChangesets(facts(["packages/nd-pdk-host/package.json", "packages/nd-pdk-host/CHANGELOG.md", ".changeset/old.md"]))).toEqual([]);
  });
});

describe("runChangesetCheck", () => {
  let root: string | undefined;

  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** Creates a git repository with one published package and one commit. */
  function createRepository(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "nd-pdk-changeset-check-"));
    const run = (...args: string[]): void => {
      execFileSync("git", args, { cwd: dir, stdio: "ignore" });
    };
    run("init", "--quiet", "--initial-branch=main");
    run("config", "user.email", "test@example.com");
    run("config", "user.name", "Test");
    mkdirSync(path.join(dir, "packages/nd-pdk-host/src"), { recursive: true });
    mkdirSync(path.join(dir, ".changeset"));
    writeFileSync(path.join(dir, "packages/nd-pdk-host/package.json"), JSON.stringify({ name: "@nd/pdk-host", version: "1.0.0", files: ["dist"] }));
    writeFileSync(path.join(dir, "packages/nd-pdk-host/src/index.ts"), "export const a = 1;\n");
    writeFileSync(path.join(dir, ".changeset/config.json"), "{}\n");
    run("add", ".");
    run("commit", "--quiet", "-m", "first");
    return dir;
  }

  function commit(dir: string, files: Record<string, string>): void {
    for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
    execFileSync("git", ["add", "."], { cwd: dir });
    execFileSync("git", ["commit", "--quiet", "-m", "change"], { cwd: dir });
  }

  test("root commit has nothing to compare", () => {
    root = createRepository();

    expect(runChangesetCheck(root)).toEqual({ base: undefined, missing: [] });
  });

  test("last commit changes source without changeset", () => {
    root = createRepository();
    commit(root, { "packages/nd-pdk-host/src/index.ts": "export const a = 2;\n" });

    expect(runChangesetCheck(root).missing).toEqual([{ packageName: "@nd/pdk-host", paths: ["packages/nd-pdk-host/src/index.ts"] }]);
  });

  test("last commit adds a changeset", () => {
    root = createRepository();
    commit(root, {
      "packages/nd-pdk-host/src/index.ts": "export const a = 2;\n",
      ".changeset/bright-owls.md": '---\n"@nd/pdk-host": patch\n---\n\nFix a.\n',
    });

    expect(runChangesetCheck(root).missing).toEqual([]);
  });

  test("explicit base covers several commits", () => {
    root = createRepository();
    const base = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    commit(root, { "packages/nd-pdk-host/src/index.ts": "export const a = 2;\n" });
    commit(root, { "README.md": "docs\n" });

    expect(runChangesetCheck(root).missing).toEqual([]);
    expect(runChangesetCheck(root, base).missing.map((entry) => entry.packageName)).toEqual(["@nd/pdk-host"]);
  });

  test("unknown base is an error", () => {
    root = createRepository();

    expect(() => runChangesetCheck(root as string, "no-such-commit")).toThrow("the base commit no-such-commit does not exist");
  });
});
