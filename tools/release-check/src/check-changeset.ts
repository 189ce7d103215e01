/**
 * Fails when a commit range changes what a published package ships but no pending changeset names
 * that package.
 *
 * The range is `<base>..HEAD`. The base is `--base <commit>`, else the environment variable
 * CHANGESET_BASE, else HEAD's first parent: CI runs on a fresh clone of main, where the last commit
 * is the change to check. A branch can pass its merge base instead (`--base $(git merge-base main HEAD)`).
 *
 * A package counts as changed when the range touches its src/, its package.json, or another folder
 * its package.json `files` lists besides dist (the CLI's bin/ and templates/). A change is covered when:
 *
 * - a changeset in .changeset/ at HEAD names the package (it need not come from the same commit,
 *   because a release gathers every pending changeset: extend the pending one for a further change);
 * - the range adds an empty changeset (`pnpm changeset --empty`), which records that no release is
 *   needed;
 * - the range changes the package's CHANGELOG.md, as `pnpm version-packages` does when it consumes
 *   the changesets.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { parse as parseYaml } from "yaml";

import type { PublishedPackage } from "./workspace.js";
import { publishedPackages, REPOSITORY_ROOT } from "./workspace.js";

/** A pending changeset: its file under .changeset/ and the packages its front matter names. */
export interface Changeset {
  readonly file: string;
  readonly packages: readonly string[];
}

/** The facts of a commit range that the check reads. */
export interface RangeFacts {
  /** Every path the range adds, modifies, deletes or renames (both names of a rename). */
  readonly changedPaths: readonly string[];
  /** The changesets in .changeset/ at HEAD. */
  readonly changesets: readonly Changeset[];
  /** The packages published from this repository. */
  readonly published: readonly PublishedPackage[];
}

/** A published package that changed without a changeset, with the paths that changed. */
export interface MissingChangeset {
  readonly packageName: string;
  readonly paths: readonly string[];
}

/** Returns the folders of a package whose changes need a changeset, relative to the repository root. */
function shippedPrefixes(pkg: PublishedPackage): string[] {
  const extra = (pkg.manifest.files ?? []).filter((entry) => !entry.startsWith("!") && entry !== "dist" && !entry.startsWith("dist/"));
  return [`${pkg.dir}/src/`, ...extra.map((entry) => `${pkg.dir}/${entry.replace(/\/$/, "")}/`)];
}

/** Finds the published packages that the range changes without a changeset. */
export function findMissingChangesets(facts: RangeFacts): MissingChangeset[] {
  const changed = new Set(facts.changedPaths);
  const addsEmptyChangeset = facts.changesets.some((changeset) => changeset.packages.length === 0 && changed.has(changeset.file));
  if (addsEmptyChangeset) return [];

  const named = new Set(facts.changesets.flatMap((changeset) => changeset.packages));
  const missing: MissingChangeset[] = [];

  for (const pkg of facts.published) {
    if (named.has(pkg.name) || changed.has(`${pkg.dir}/CHANGELOG.md`)) continue;
    const prefixes = shippedPrefixes(pkg);
    const paths = facts.changedPaths.filter((file) => file === `${pkg.dir}/package.json` || prefixes.some((prefix) => file.startsWith(prefix)));
    if (paths.length > 0) missing.push({ packageName: pkg.name, paths });
  }
  return missing;
}

/** Reads the changesets in `<root>/.changeset`: every Markdown file but the README. */
export function readChangesets(root: string): Changeset[] {
  const dir = path.join(root, ".changeset");
  if (!existsSync(dir)) return [];

  return readdirSync(dir)
    .filter((name) => name.endsWith(".md") && name.toLowerCase() !== "readme.md")
    .map((name) => {
      const file = `.changeset/${name}`;
      const text = readFileSync(path.join(root, file), "utf8");
      const frontMatter = /^---\r?\n([\s\S]*?)\r?\n?---/.exec(text);
      if (frontMatter === null) throw new Error(`${file} has no front matter: it must start with --- lines naming the packages, as \`pnpm changeset\` writes it`);
      const parsed = (parseYaml(frontMatter[1] ?? "") ?? {}) as unknown;
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${file}: the front matter must map package names to bump types, such as "@nd/pdk": minor`);
      }
      return { file, packages: Object.keys(parsed) };
    });
}

function git(root: string, args: readonly string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  if (result.error !== undefined) throw result.error;
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

/** Lists the paths that `base..HEAD` changes; both names of a rename count. */
export function changedPathsSince(root: string, base: string): string[] {
  const diff = git(root, ["diff", "--name-status", "-z", "--no-renames", base, "HEAD"]);
  if (!diff.ok) throw new Error(`git diff ${base} HEAD failed: ${diff.stderr.trim()}`);
  // -z output alternates status and path: "M\0path\0A\0path\0".
  const fields = diff.stdout.split("\0").filter((field) => field !== "");
  return fields.filter((_field, index) => index % 2 === 1);
}

/** The outcome of {@link runChangesetCheck}. */
export interface ChangesetCheckResult {
  /** The commit compared with HEAD, or undefined when HEAD has no parent to compare with. */
  readonly base: string | undefined;
  readonly missing: readonly MissingChangeset[];
}

/**
 * Checks the range `<base>..HEAD` of the repository at `root`. Without `base`, HEAD's first parent is
 * the base; a root commit has none, and the check then passes with nothing compared.
 */
export function runChangesetCheck(root: string, base?: string): ChangesetCheckResult {
  const resolvedBase = base ?? "HEAD^1";
  const exists = git(root, ["rev-parse", "--verify", "--quiet", `${resolvedBase}^{commit}`]);
  if (!exists.ok) {
    if (base !== undefined) throw new Error(`the base commit ${base} does not exist in ${root}`);
    return { base: undefined, missing: [] };
  }

  const facts: RangeFacts = {
    changedPaths: changedPathsSince(root, resolvedBase),
    changesets: readChangesets(root),
    published: publishedPackages(root),
  };
  return { base: resolvedBase, missing: findMissingChangesets(facts) };
}

function main(): void {
  const flag = process.argv.indexOf("--base");
  const base = flag === -1 ? process.env["CHANGESET_BASE"] || undefined : process.argv[flag + 1];
  if (flag !== -1 && base === undefined) {
    process.stderr.write("error: --base needs a commit, such as --base main\n");
    process.exitCode = 2;
    return;
  }

  let result: ChangesetCheckResult;
  try {
    result = runChangesetCheck(REPOSITORY_ROOT, base);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exitCode = 2;
    return;
  }

  if (result.base === undefined) {
    process.stdout.write("changeset check: HEAD has no parent commit to compare with, so there is nothing to check\n");
    return;
  }
  if (result.missing.length === 0) {
    process.stdout.write(`changeset check: every published package changed since ${result.base} has a changeset\n`);
    return;
  }

  for (const { packageName, paths } of result.missing) {
    const listed = paths.slice(0, 5).join(", ") + (paths.length > 5 ? `, and ${paths.length - 5} more` : "");
    process.stderr.write(
      `error: ${packageName} changed since ${result.base} (${listed}) but no changeset in .changeset/ names it: run \`pnpm changeset\`, select ${packageName} and describe the change, or run \`pnpm changeset --empty\` when the change needs no release\n`,
    );
  }
  process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
