import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { GENERATED_DIRS, generate } from "./generate.js";
import { loadSchema, SchemaError } from "./load.js";

const USAGE = `Usage: nd-codegen [--check] [--schema DIR] [--out DIR]

Generates the typed bindings of @nd/pdk-types, @nd/pdk-host and @nd/pdk-capabilities from the API schema.

  --check        write nothing; exit with 1 when a generated file is missing, stale or left over
  --schema DIR   the schema folder (default: schema/ at the repository root); it is validated against
                 schema/schema.json of the repository, whatever folder is given
  --out DIR      the repository root to write into (default: the repository root)`;

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

// The JSON Schema describes the format this generator reads, so it comes from the generator's own
// repository even when --schema names another folder, such as a test fixture without a schema.json.
const metaSchemaPath = join(repositoryRoot, "schema", "schema.json");

function main(): number {
  const { values } = parseArgs({
    options: {
      check: { type: "boolean", default: false },
      schema: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }

  const schemaDir = resolve(values.schema ?? join(repositoryRoot, "schema"));
  const outDir = resolve(values.out ?? repositoryRoot);

  let files: Map<string, string>;
  try {
    files = generate(loadSchema(schemaDir, metaSchemaPath));
  } catch (error) {
    if (error instanceof SchemaError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }

  // Every file in a generated folder must come from the generator: a leftover one is stale too.
  const existing = new Set<string>();
  for (const dir of Object.values(GENERATED_DIRS)) {
    const absolute = join(outDir, dir);
    if (!existsSync(absolute)) continue;
    for (const name of readdirSync(absolute)) existing.add(`${dir}/${name}`);
  }

  if (values.check) {
    const stale: string[] = [];
    for (const [path, content] of files) {
      const absolute = join(outDir, path);
      if (!existsSync(absolute) || readFileSync(absolute, "utf8") !== content) stale.push(path);
    }
    for (const path of existing) if (!files.has(path)) stale.push(`${path} (no longer generated)`);
    if (stale.length > 0) {
      console.error(`Generated code is stale; run \`pnpm gen\` and commit the result. Files that differ:\n${stale.map((p) => `  ${p}`).join("\n")}`);
      return 1;
    }
    console.log(`Generated code is up to date (${files.size} files).`);
    return 0;
  }

  for (const path of existing) {
    if (!files.has(path)) rmSync(join(outDir, path));
  }
  let written = 0;
  for (const [path, content] of files) {
    const absolute = join(outDir, path);
    if (existsSync(absolute) && readFileSync(absolute, "utf8") === content) continue;
    mkdirSync(dirname(absolute), { recursive: true });
    writeFileSync(absolute, content);
    written++;
  }
  console.log(`Generated ${files.size} files from ${relative(process.cwd(), schemaDir) || "."} (${written} changed).`);
  return 0;
}

process.exitCode = main();
