/**
 * Checks manifest.json as Navidrome reads it.
 *
 * Navidrome decodes the manifest with Go's encoding/json into generated structs. That decoder ignores
 * keys it does not know and matches keys ignoring case, so an unknown or misspelled key is dropped
 * without an error. The simulator's schema rejects unknown keys, which is stricter than Navidrome, so
 * they are taken out here and reported as warnings before the schema and the rules run.
 */
import type { Manifest } from "@nd/pdk-simulator";
import { ManifestError, manifestSchema, parseManifest } from "@nd/pdk-simulator";

/** The outcome of checking one manifest.json. */
export interface ManifestCheck {
  /** The manifest as Navidrome would read it; undefined when it fails the schema or the parse rules. */
  readonly manifest: Manifest | undefined;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

type JsonObject = Record<string, unknown>;

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean;
  readonly required?: readonly string[];
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resolveRef(node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  const name = /^#\/\$defs\/(.+)$/.exec(node.$ref)?.[1];
  const defs = (manifestSchema as unknown as { $defs: Record<string, SchemaNode> }).$defs;
  return name === undefined ? node : (defs[name] ?? node);
}

function joinPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Copies `value`, leaving out the keys the schema does not list, and renaming keys that differ from a
 * schema key only in case, as Navidrome's decoder would read them.
 */
function withoutIgnoredKeys(value: unknown, node: SchemaNode, path: string, warnings: string[]): unknown {
  const schema = resolveRef(node);
  if (!isObject(value) || schema.properties === undefined || schema.additionalProperties !== false) return value;

  const known = Object.keys(schema.properties);
  const copy: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    const exact = schema.properties[key];
    if (exact !== undefined) {
      copy[key] = withoutIgnoredKeys(child, exact, joinPath(path, key), warnings);
      continue;
    }

    // Required keys are the exception: the generated decoder checks their presence by exact name.
    const sameIgnoringCase = known.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
    if (sameIgnoringCase !== undefined && !(sameIgnoringCase in value) && !(schema.required ?? []).includes(sameIgnoringCase)) {
      warnings.push(
        `manifest.json: ${joinPath(path, key)} is spelled differently from "${sameIgnoringCase}". Navidrome matches keys ignoring case and reads it, but the JSON Schema and other tools do not: rename it to "${sameIgnoringCase}"`,
      );
      const canonical = schema.properties[sameIgnoringCase];
      if (canonical !== undefined) copy[sameIgnoringCase] = withoutIgnoredKeys(child, canonical, joinPath(path, sameIgnoringCase), warnings);
      continue;
    }

    if (path === "" && key === "experimental") {
      warnings.push(
        "manifest.json: experimental has no effect: Navidrome releases up to v0.63.2 accept it but never act on it, and later versions no longer define it: remove it",
      );
      continue;
    }

    const where = path === "" ? "at the top level" : `in ${path}`;
    const fix = sameIgnoringCase === undefined ? "remove it, or correct its spelling" : `rename it to "${sameIgnoringCase}"`;
    warnings.push(`manifest.json: Navidrome ignores ${joinPath(path, key)}, because it reads only ${known.join(", ")} ${where}: ${fix}`);
  }
  return copy;
}

/**
 * Checks the text of a manifest.json: JSON syntax, ignored keys (warnings), Navidrome's JSON Schema
 * and the rules Navidrome enforces when it parses a manifest (errors).
 */
export function checkManifest(text: string): ManifestCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { manifest: undefined, errors: [`manifest.json is not valid JSON (${(error as Error).message}): correct its syntax`], warnings: [] };
  }

  const warnings: string[] = [];
  const cleaned = withoutIgnoredKeys(parsed, manifestSchema as unknown as SchemaNode, "", warnings);
  try {
    return { manifest: parseManifest(cleaned), errors: [], warnings };
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return { manifest: undefined, errors: error.problems.map((problem) => `manifest.json: ${problem}`), warnings };
  }
}

/** Returns the permission keys a manifest declares, in manifest order. */
export function declaredPermissions(manifest: Manifest): string[] {
  return Object.keys(manifest.permissions ?? {});
}
