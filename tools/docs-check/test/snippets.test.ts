import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, test } from "vitest";

import type { Snippet } from "../src/snippets.js";
import { checkSnippets, extractSnippets, snippetContext, snippetFileName } from "../src/snippets.js";

const repositoryRoot = path.resolve(import.meta.dirname, "../../..");
const workDir = path.join(import.meta.dirname, "..", ".snippets");

/** Lists the Markdown files whose snippets are checked, relative to the repository root. */
function markdownSources(): string[] {
  const inSubfolders = (parent: string): string[] =>
    readdirSync(path.join(repositoryRoot, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(repositoryRoot, parent, entry.name, "README.md")))
      .map((entry) => `${parent}/${entry.name}/README.md`);
  const docs = readdirSync(path.join(repositoryRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`);
  return ["README.md", ...inSubfolders("packages"), ...inSubfolders("examples"), ...docs].sort();
}

describe("extractSnippets", () => {
  test("finds ts and typescript blocks only", () => {
    const markdown = ["```ts", "const a = 1;", "```", "```sh", "ls", "```", "```typescript", "const b = 2;", "```"].join("\n");
    const snippets = extractSnippets(markdown, "x.md");

    expect(snippets.map((snippet) => snippet.code)).toEqual(["const a = 1;\n", "const b = 2;\n"]);
    expect(snippets.map((snippet) => snippet.line)).toEqual([1, 7]);
  });

  test("removes the indentation of a block in a list", () => {
    const markdown = ["1. Step:", "", "   ```ts", "   if (true) {", "     run();", "   }", "   ```"].join("\n");

    expect(extractSnippets(markdown, "x.md")[0]?.code).toBe("if (true) {\n  run();\n}\n");
  });

  test("honours the opt-out marker on the line before", () => {
    const markdown = ["<!-- not-checked -->", "", "```ts", "partial(", "```", "", "```ts", "whole();", "```"].join("\n");

    expect(extractSnippets(markdown, "x.md").map((snippet) => snippet.optedOut)).toEqual([true, false]);
  });

  test("reads the file a block names in its first line", () => {
    const markdown = ["```ts", "// src/index.ts", "export const a = 1;", "```", "```ts", "// not a path", "```"].join("\n");

    expect(extractSnippets(markdown, "x.md").map((snippet) => snippet.path)).toEqual(["src/index.ts", undefined]);
  });

  test("rejects an unclosed block", () => {
    expect(() => extractSnippets("```ts\nconst a = 1;\n", "x.md")).toThrow("x.md:1: the code block is not closed");
  });
});

describe("snippetContext", () => {
  const snippet = (code: string): Snippet => ({ source: "x.md", line: 1, code, optedOut: false });

  test("compiles plugin code without Node typings", () => {
    expect(snippetContext(snippet('import { kvstore } from "@nd/pdk";'))).toBe("plugin");
  });

  test("compiles tests and tooling with Node typings", () => {
    expect(snippetContext(snippet('import { test } from "vitest";'))).toBe("node");
    expect(snippetContext(snippet('import { createNavidrome } from "@nd/pdk-simulator";'))).toBe("node");
    expect(snippetContext(snippet('import { buildPlugin } from "@nd/pdk-cli";'))).toBe("node");
  });
});

describe("snippets in the READMEs and guides", () => {
  const sources = markdownSources();
  const snippets = sources.flatMap((source) => extractSnippets(readFileSync(path.join(repositoryRoot, source), "utf8"), source));
  const checked = snippets.filter((snippet) => !snippet.optedOut);
  const result = checkSnippets(
    checked,
    workDir,
    path.join(repositoryRoot, "tsconfig.base.json"),
    path.join(repositoryRoot, "node_modules", ".bin", "tsc"),
  );

  test("cover the guides and the main README", () => {
    expect(sources).toContain("README.md");
    expect(sources).toContain("docs/getting-started.md");
    // A guard against a broken extractor that would find nothing and pass.
    expect(checked.length).toBeGreaterThan(20);
  });

  test("leave no tsc output outside the snippets", () => {
    expect(result.other).toEqual([]);
  });

  test.each(checked.map((snippet) => [`${snippet.source}:${snippet.line}`, snippet] as const))("%s type-checks", (_name, snippet) => {
    expect(result.errors.get(snippetFileName(snippet)) ?? []).toEqual([]);
  });
});
