/**
 * Reads the files under templates/ and fills them in.
 *
 * Templates are valid TypeScript (or Markdown, JSON), so that a test can type-check them as they are.
 * Optional parts sit between `// nd-pdk:begin NAME...` and `// nd-pdk:end NAME...` marker lines
 * (`<!-- ... -->` in Markdown), and `{{name}}` marks a value to fill in.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "@nd/pdk-cli";

let packageRoot: string | undefined;

/**
 * Returns the folder of the @nd/pdk-cli package. Found by walking up from this module, because the
 * module sits at a different depth in src/ (tests) than in the dist/ bundle.
 */
export function cliPackageRoot(): string {
  if (packageRoot !== undefined) return packageRoot;

  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifestPath = join(dir, "package.json");
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: unknown };
      if (manifest.name === PACKAGE_NAME) {
        packageRoot = dir;
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package folder above ${fileURLToPath(import.meta.url)}; reinstall ${PACKAGE_NAME}`);
    dir = parent;
  }
}

/** Returns the text of a file under templates/, such as `init/src/index.ts`. */
export function readTemplate(relativePath: string): string {
  return readFileSync(join(cliPackageRoot(), "templates", relativePath), "utf8");
}

// `// nd-pdk:begin NAME` in code, `<!-- nd-pdk:begin NAME -->` in Markdown.
const MARKER = /^\s*(?:\/\/|<!--) nd-pdk:(begin|end) (.+?)\s*(?:-->)?\s*$/;

/**
 * Keeps the marked parts whose names include one in `selected`, drops the others, and removes every
 * marker line. A part may list several names (`// nd-pdk:begin scrobbler lyrics`) and is kept when
 * any of them is selected. Parts do not nest.
 *
 * @throws {Error} when a begin marker has no matching end marker, or the markers nest.
 */
export function selectParts(text: string, selected: ReadonlySet<string>): string {
  const output: string[] = [];
  let open: { readonly names: string; readonly keep: boolean; readonly line: number } | undefined;

  const lines = text.split("\n");
  for (const [index, line] of lines.entries()) {
    const marker = MARKER.exec(line);
    if (marker === null) {
      if (open === undefined || open.keep) output.push(line);
      continue;
    }

    const [, kind, names = ""] = marker;
    if (kind === "begin") {
      if (open !== undefined) throw new Error(`template line ${index + 1}: "${names}" begins inside "${open.names}", which begins on line ${open.line}; marked parts cannot nest`);
      open = { names, keep: names.split(/\s+/).some((name) => selected.has(name)), line: index + 1 };
    } else {
      if (open === undefined || open.names !== names) throw new Error(`template line ${index + 1}: "nd-pdk:end ${names}" has no matching begin marker`);
      open = undefined;
    }
  }

  if (open !== undefined) throw new Error(`template line ${open.line}: "nd-pdk:begin ${open.names}" has no end marker`);
  return output.join("\n");
}

/**
 * Replaces one marked part, markers included, with `replacement`.
 *
 * @throws {Error} when the template has no part of that name.
 */
export function replacePart(text: string, name: string, replacement: string): string {
  const lines = text.split("\n");
  const begin = lines.findIndex((line) => line.trim() === `// nd-pdk:begin ${name}`);
  const end = lines.findIndex((line, index) => index > begin && line.trim() === `// nd-pdk:end ${name}`);
  if (begin === -1 || end === -1) throw new Error(`the template has no part marked "${name}"`);
  return [...lines.slice(0, begin), replacement, ...lines.slice(end + 1)].join("\n");
}

/**
 * Replaces every `{{name}}` with its value.
 *
 * @throws {Error} when the text names a value that `values` lacks, so that no placeholder is left.
 */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (placeholder, name: string) => {
    const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    if (value === undefined) throw new Error(`the template uses ${placeholder}, but no value was given for it`);
    return value;
  });
}
