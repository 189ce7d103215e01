/**
 * Extracts the TypeScript code blocks of Markdown files and type-checks them with tsc against the
 * workspace packages, as a plugin author would compile them.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The comment that, on the line before a code block, exempts the block from the check. */
export const OPT_OUT_MARKER = "<!-- not-checked -->";

/** A TypeScript code block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, relative to the repository root. */
  readonly source: string;
  /** The 1-based line of the opening fence. */
  readonly line: number;
  /** The code, with the block's indentation removed. */
  readonly code: string;
  /** Whether the line before the block is {@link OPT_OUT_MARKER}. */
  readonly optedOut: boolean;
  /**
   * The file the block stands for, when its first line is a comment naming a path such as
   * `// src/index.ts`. Blocks of one Markdown file share a folder, so a test block can import
   * `../src/index.js` from the plugin block before it.
   */
  readonly path?: string;
}

/**
 * The compiler setting of a snippet. `plugin`: the plugin runtime, with ES2020 and no Node or DOM typings.
 * `node`: tests and tooling, with Node typings, for snippets that import vitest, node:*, the
 * simulator or the CLI.
 */
export type SnippetContext = "plugin" | "node";

const OPENING_FENCE = /^(\s*)```(ts|typescript)\s*$/;
const PATH_COMMENT = /^\/\/ ((?:[\w-]+\/)*[\w.-]+\.ts)\s*$/;
const NODE_IMPORTS = /from\s+["'](vitest|node:[^"']+|@nd\/pdk-simulator|@nd\/pdk-cli)["']/;

/** Returns the ```ts and ```typescript blocks of a Markdown text, in order. */
export function extractSnippets(markdown: string, source: string): Snippet[] {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];

  for (let i = 0; i < lines.length; i++) {
    const opening = OPENING_FENCE.exec(lines[i] ?? "");
    if (opening === null) continue;

    const indent = opening[1] ?? "";
    const closing = `${indent}\`\`\``;
    const body: string[] = [];
    let end = i + 1;
    while (end < lines.length && (lines[end] ?? "").trimEnd() !== closing) {
      const line = lines[end] ?? "";
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
      end++;
    }
    if (end === lines.length) throw new Error(`${source}:${i + 1}: the code block is not closed`);

    let previous = i - 1;
    while (previous >= 0 && (lines[previous] ?? "").trim() === "") previous--;
    const optedOut = previous >= 0 && (lines[previous] ?? "").trim() === OPT_OUT_MARKER;

    const named = PATH_COMMENT.exec(body[0] ?? "");
    const snippet: Snippet = { source, line: i + 1, code: `${body.join("\n")}\n`, optedOut };
    snippets.push(named === null ? snippet : { ...snippet, path: named[1] as string });
    i = end;
  }
  return snippets;
}

/** Decides how a snippet compiles, from what it imports. */
export function snippetContext(snippet: Snippet): SnippetContext {
  return NODE_IMPORTS.test(snippet.code) ? "node" : "plugin";
}

/** The compiler options of each context, on top of the workspace's strict base configuration. */
const CONTEXT_OPTIONS: Record<SnippetContext, Record<string, unknown>> = {
  plugin: { lib: ["ES2020"], target: "ES2020", types: [] },
  node: { lib: ["ES2022"], target: "ES2022", types: ["node"] },
};

/**
 * Returns a snippet's file in the work folder: a folder per Markdown file, and in it the path the
 * snippet names or a name with its line. tsc reports errors under this path.
 */
export function snippetFileName(snippet: Snippet): string {
  return `${snippet.source.replace(/[^A-Za-z0-9]+/g, "_")}/${snippet.path ?? `snippet_L${snippet.line}.ts`}`;
}

/** The result of type-checking snippets: tsc's diagnostics for each snippet file that has any. */
export interface SnippetCheck {
  /** tsc's diagnostic lines, by snippet file name. */
  readonly errors: ReadonlyMap<string, readonly string[]>;
  /** tsc output that belongs to no snippet, such as a broken configuration. */
  readonly other: readonly string[];
}

/**
 * Writes the snippets into `workDir` (a folder inside the workspace, so that `@nd/*` resolve to the
 * workspace packages) and runs tsc once per context with strict settings.
 *
 * @param baseConfig - Path of the workspace's tsconfig.base.json.
 * @param tsc - Path of the tsc executable.
 */
export function checkSnippets(snippets: readonly Snippet[], workDir: string, baseConfig: string, tsc: string): SnippetCheck {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  const errors = new Map<string, string[]>();
  const other: string[] = [];

  const seen = new Map<string, Snippet>();
  for (const snippet of snippets) {
    const file = snippetFileName(snippet);
    const earlier = seen.get(file);
    if (earlier !== undefined) {
      throw new Error(`${snippet.source}:${snippet.line}: the block names ${snippet.path ?? file}, as the block on line ${earlier.line} does; give each file one block`);
    }
    seen.set(file, snippet);
    mkdirSync(path.dirname(path.join(workDir, file)), { recursive: true });
    writeFileSync(path.join(workDir, file), snippet.code);
  }

  for (const context of ["plugin", "node"] as const) {
    // A declaration block (a path ending in .d.ts) declares globals of the plugin runtime, which
    // every plugin snippet may use, as the same file would in a plugin project. Node has its own.
    const isDeclaration = (snippet: Snippet): boolean => snippet.path?.endsWith(".d.ts") === true;
    const files = snippets
      .filter((snippet) => (isDeclaration(snippet) ? context === "plugin" : snippetContext(snippet) === context))
      .map(snippetFileName);
    if (files.length === 0) continue;

    const config = path.join(workDir, `tsconfig.${context}.json`);
    const compilerOptions = { ...CONTEXT_OPTIONS[context], noEmit: true, resolveJsonModule: true, allowImportingTsExtensions: false };
    writeFileSync(config, JSON.stringify({ extends: path.relative(workDir, baseConfig), compilerOptions, files }, null, 2));

    // Run in the work folder, so that tsc names each file as its snippet file name.
    const result = spawnSync(tsc, ["-p", config, "--pretty", "false"], { cwd: workDir, encoding: "utf8" });
    if (result.error !== undefined) throw result.error;

    // tsc prints one diagnostic per line, starting with the file name, and indents continuation lines.
    let current: string[] = other;
    for (const line of `${result.stdout}${result.stderr}`.split("\n")) {
      if (line.trim() === "") continue;
      const file = files.find((name) => line.startsWith(`${name}(`));
      if (file !== undefined) {
        current = errors.get(file) ?? [];
        errors.set(file, current);
      } else if (!line.startsWith(" ")) {
        current = other;
      }
      current.push(line);
    }
  }

  return { errors, other };
}
