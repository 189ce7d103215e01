/**
 * A TypeDoc plugin for this site. It names each guide after the `title` of its front matter. It also
 * adds the README of every example plugin under examples/ as a page below the Examples guide, so a
 * new example appears on the site without an edit to the guide.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { Converter, MinimalSourceFile } from "typedoc";

const examplesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "examples");

/** Returns the README of each example that has one, sorted by folder name. */
function exampleReadmes() {
  if (!existsSync(examplesDir)) return [];
  return readdirSync(examplesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(examplesDir, entry.name, "README.md")))
    .map((entry) => ({ name: entry.name, path: join(examplesDir, entry.name, "README.md") }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DOCUMENT, (_context, reflection) => {
    const { title, examples } = reflection.frontmatter;
    if (typeof title === "string") reflection.name = title;
    if (examples !== true) return;

    // NOTE: addDocument is private in TypeDoc 0.28, which adds front matter `children` with it.
    // package.json pins TypeDoc to 0.28.x, where it takes (parent, file, name).
    const converter = /** @type {{ addDocument(parent: unknown, file: MinimalSourceFile, name: string): void }} */ (
      /** @type {unknown} */ (app.converter)
    );
    for (const readme of exampleReadmes()) {
      const path = /** @type {import("typedoc").NormalizedPath} */ (readme.path.split("\\").join("/"));
      converter.addDocument(reflection, new MinimalSourceFile(readFileSync(readme.path, "utf8"), path), readme.name);
    }
  });
}
