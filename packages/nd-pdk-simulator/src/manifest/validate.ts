/**
 * Validation of manifest.json as Navidrome performs it: the structure first, then the rules between
 * permissions that Navidrome checks when it parses the manifest, and, once the plugin's exports are
 * known, the rules it checks when it loads the plugin.
 */
import AjvDraft07 from "ajv";
import type { AnySchema, ErrorObject, ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019.js";
import Ajv2020 from "ajv/dist/2020.js";

import { capabilities } from "../generated/api.js";
import { manifestSchema } from "./schema.js";
import type { Manifest } from "./types.js";

/** A manifest that Navidrome would reject, with every problem found. */
export class ManifestError extends Error {
  /** One line per problem: the JSON path, what is wrong, and how to fix it. */
  readonly problems: string[];

  /** Creates the error from every problem found, each with its fix. */
  constructor(problems: readonly string[]) {
    const heading = problems.length === 1 ? "manifest.json has 1 problem:" : `manifest.json has ${problems.length} problems:`;
    super([heading, ...problems.map((problem) => `  - ${problem}`)].join("\n"));
    this.name = "ManifestError";
    this.problems = [...problems];
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Renders a received value briefly for a message. */
function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (Array.isArray(value)) return "an array";
  if (isObject(value)) return "an object";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

// ---------------------------------------------------------------------------------------------------
// Byte sizes
// ---------------------------------------------------------------------------------------------------

const KB = 1000;
const KIB = 1024;

/**
 * Multipliers of the units Navidrome accepts in `permissions.kvstore.maxSize`, lower-cased. Navidrome
 * parses the size with go-humanize's ParseBytes, where KB, MB, ... are powers of 1000 and KiB, MiB, ...
 * powers of 1024, and a unit may drop its trailing "b" ("k", "mi").
 */
const BYTE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: KB,
  kb: KB,
  ki: KIB,
  kib: KIB,
  m: KB ** 2,
  mb: KB ** 2,
  mi: KIB ** 2,
  mib: KIB ** 2,
  g: KB ** 3,
  gb: KB ** 3,
  gi: KIB ** 3,
  gib: KIB ** 3,
  t: KB ** 4,
  tb: KB ** 4,
  ti: KIB ** 4,
  tib: KIB ** 4,
  p: KB ** 5,
  pb: KB ** 5,
  pi: KIB ** 5,
  pib: KIB ** 5,
  e: KB ** 6,
  eb: KB ** 6,
  ei: KIB ** 6,
  eib: KIB ** 6,
};

const BYTE_SIZE_HINT = 'Use a number with an optional unit, such as "1048576", "500KB", "1.5 MB" or "1MiB" (KB and MB are powers of 1000, KiB and MiB powers of 1024)';

/**
 * Parses a human-readable byte size as Navidrome does for `permissions.kvstore.maxSize`: a number,
 * optionally with commas and a fraction, followed by an optional unit, ignoring case and the spaces
 * before the unit. KB, MB, GB, ... are decimal (1MB is 1,000,000 bytes) and KiB, MiB, GiB, ... binary
 * (1MiB is 1,048,576 bytes), which is also why Navidrome's default quota of 1,048,576 bytes is 1 MiB
 * rather than "1MB". Fractions of a byte are dropped.
 *
 * @throws {Error} when the text has no number, an unknown unit, or a size beyond 2^53 bytes.
 */
export function parseByteSize(text: string): number {
  const numberLength = /^[\d.,]*/.exec(text)?.[0].length ?? 0;
  const numberText = text.slice(0, numberLength).replaceAll(",", "");
  if (!/^(\d+\.?\d*|\.\d+)$/.test(numberText)) {
    throw new Error(`invalid byte size ${JSON.stringify(text)}: it does not start with a number. ${BYTE_SIZE_HINT}`);
  }

  const unit = text.slice(numberLength).trim().toLowerCase();
  const multiplier = BYTE_UNITS[unit];
  if (multiplier === undefined) {
    throw new Error(`invalid byte size ${JSON.stringify(text)}: unknown unit ${JSON.stringify(unit)}. ${BYTE_SIZE_HINT}`);
  }

  const bytes = Math.floor(Number(numberText) * multiplier);
  if (!Number.isSafeInteger(bytes)) {
    throw new Error(`invalid byte size ${JSON.stringify(text)}: larger than the ${Number.MAX_SAFE_INTEGER} bytes the simulator can count`);
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------------
// Structure (the JSON Schema)
// ---------------------------------------------------------------------------------------------------

/** Checks for an absolute URI in a simple form: a scheme, a colon and no whitespace. */
function isAbsoluteUri(text: string): boolean {
  return /^[a-z][a-z\d+.-]*:\S+$/i.test(text);
}

let manifestValidator: ValidateFunction | undefined;

function validateStructure(value: unknown): readonly ErrorObject[] {
  manifestValidator ??= new Ajv2020({ allErrors: true, formats: { uri: isAbsoluteUri } }).compile(manifestSchema as AnySchema);
  return manifestValidator(value) ? [] : (manifestValidator.errors ?? []);
}

/** Converts an ajv instance path (`/permissions/http/requiredHosts/0`) into `permissions.http.requiredHosts[0]`. */
function dottedPath(segments: readonly string[]): string {
  let path = "";
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else path += path === "" ? segment : `.${segment}`;
  }
  return path === "" ? "the manifest" : path;
}

function pathSegments(instancePath: string): string[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** Returns the keys the schema allows in the object at `segments`, for "unknown key" messages. */
function allowedKeysAt(segments: readonly string[]): string[] {
  const defs = manifestSchema.$defs;
  if (segments.length === 0) return Object.keys(manifestSchema.properties);
  if (segments[0] === "config") return Object.keys(defs.config.properties);
  if (segments[0] === "permissions" && segments.length === 1) return Object.keys(defs.permissions.properties);
  if (segments[0] === "permissions" && segments.length === 2) {
    const permission = defs.permissions.properties[segments[1] as keyof typeof defs.permissions.properties];
    return permission === undefined ? [] : Object.keys(permission.properties);
  }
  return [];
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (Array.isArray(current)) current = current[Number(segment)];
    else if (isObject(current)) current = current[segment];
    else return undefined;
  }
  return current;
}

function unknownKeyProblem(segments: readonly string[], key: string): string {
  const path = dottedPath([...segments, key]);
  const allowed = allowedKeysAt(segments);
  const sameIgnoringCase = allowed.find((candidate) => candidate.toLowerCase() === key.toLowerCase());
  const fix = sameIgnoringCase === undefined ? `remove it, or use one of the allowed keys: ${allowed.join(", ")}` : `rename it to "${sameIgnoringCase}", because keys are case-sensitive`;

  if (segments.length === 0) return `${path} is not a manifest key: ${fix}`;
  if (segments.length === 1 && segments[0] === "permissions") return `${path} is not a known permission: ${fix}`;
  return `${path} is not a known option of ${dottedPath(segments)}: ${fix}`;
}

function missingKeyProblem(segments: readonly string[], key: string): string {
  const path = dottedPath([...segments, key]);
  if (segments.length === 0) return `${path} is missing: add a non-empty "${key}" string to manifest.json`;
  if (key === "schema") return `${path} is missing: add "schema" with the JSON Schema of the plugin's settings to config, or remove config`;
  return `${path} is missing: add it to ${dottedPath(segments)}`;
}

function wrongTypeProblem(root: unknown, segments: readonly string[], expected: string): string {
  const path = dottedPath(segments);
  const received = describeValue(valueAt(root, segments));
  const key = segments[segments.length - 1];
  const isPermission = segments.length === 2 && segments[0] === "permissions";
  const fix = isPermission ? `write "${key}": {} to request the permission, optionally with a "reason"` : `change it to ${expected === "integer" ? "an integer" : `a JSON ${expected}`}`;
  return `${path} must be ${expected === "integer" || expected === "object" || expected === "array" ? "an" : "a"} ${expected}, but it is ${received}: ${fix}`;
}

function structureProblem(root: unknown, error: ErrorObject): string {
  const segments = pathSegments(error.instancePath);
  const path = dottedPath(segments);
  const params = error.params as Record<string, unknown>;

  switch (error.keyword) {
    case "required":
      return missingKeyProblem(segments, String(params["missingProperty"]));
    case "additionalProperties":
      return unknownKeyProblem(segments, String(params["additionalProperty"]));
    case "type":
      return wrongTypeProblem(root, segments, String(params["type"]));
    case "minLength":
      return `${path} is empty: set it to a non-empty string`;
    case "minimum":
      // taskqueue.maxConcurrency, whose default is 1, is the only key of the schema with a minimum.
      return `${path} must be at least ${String(params["limit"])}, but it is ${describeValue(valueAt(root, segments))}: set it to ${String(params["limit"])} or more, or leave it out to use the default of 1`;
    case "format":
      return `${path} must be an absolute URL such as "https://example.com/my-plugin", but it is ${describeValue(valueAt(root, segments))}: correct it or remove it`;
    default:
      return `${path} ${error.message ?? "is invalid"}: correct it as the manifest schema describes`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rules Navidrome checks when it parses the manifest
// ---------------------------------------------------------------------------------------------------

/** Permissions that Navidrome accepts only together with another permission. */
const PERMISSION_DEPENDENCIES: ReadonlyArray<readonly [permission: string, requires: string]> = [
  ["subsonicapi", "users"],
  ["scrobbleRetriever", "users"],
  ["matcher", "library"],
];

function permissionDependencyProblems(permissions: JsonObject): string[] {
  const problems: string[] = [];
  for (const [permission, requires] of PERMISSION_DEPENDENCIES) {
    if (permissions[permission] !== undefined && permissions[requires] === undefined) {
      problems.push(`permissions.${permission} requires permissions.${requires}: add "${requires}": {} to permissions in manifest.json`);
    }
  }
  return problems;
}

const DRAFT_2020_12 = /^https?:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;
const DRAFT_2019_09 = /^https?:\/\/json-schema\.org\/draft\/2019-09\/schema#?$/;
const DRAFT_04_OR_06 = /^https?:\/\/json-schema\.org\/draft-0[46]\/schema#?$/;

/**
 * Compiles the plugin's settings schema and returns the compiler's error, if any. Navidrome compiles
 * it with santhosh-tekuri/jsonschema, which ignores unknown keywords, so ajv runs with strict mode off.
 */
function compileConfigSchema(schema: JsonObject): string | undefined {
  const declared = typeof schema["$schema"] === "string" ? schema["$schema"] : "";
  const options = { strict: false, allErrors: true, validateFormats: false };

  let compiler: AjvDraft07 | Ajv2019 | Ajv2020;
  let compiled: JsonObject = schema;
  if (DRAFT_2020_12.test(declared)) {
    compiler = new Ajv2020(options);
  } else if (DRAFT_2019_09.test(declared)) {
    compiler = new Ajv2019(options);
  } else {
    compiler = new AjvDraft07(options);
    // NOTE: the draft-07 compiler does not load older meta-schemas, so a draft-04 or draft-06 schema
    // is checked as draft-07. Navidrome's compiler supports those drafts, so a schema that uses a
    // draft-04-only form (a boolean exclusiveMinimum) is rejected here although Navidrome accepts it.
    if (DRAFT_04_OR_06.test(declared)) {
      const { $schema: _olderDraft, ...rest } = schema;
      compiled = rest;
    }
  }

  try {
    compiler.compile(compiled);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function contentProblems(manifest: JsonObject): string[] {
  const problems: string[] = [];

  const permissions = manifest["permissions"];
  if (isObject(permissions)) {
    problems.push(...permissionDependencyProblems(permissions));

    // Navidrome parses maxSize when it loads the plugin rather than when it reads the manifest. The
    // plugin fails to load either way, so the simulator reports it with the other manifest problems.
    const kvstore = permissions["kvstore"];
    const maxSize = isObject(kvstore) ? kvstore["maxSize"] : undefined;
    if (typeof maxSize === "string" && maxSize !== "") {
      try {
        parseByteSize(maxSize);
      } catch (error) {
        problems.push(`permissions.kvstore.maxSize is not a valid byte size: ${(error as Error).message}`);
      }
    }
  }

  const config = manifest["config"];
  const schema = isObject(config) ? config["schema"] : undefined;
  if (isObject(schema)) {
    const compileError = compileConfigSchema(schema);
    if (compileError !== undefined) {
      problems.push(`config.schema is not a valid JSON Schema (${compileError}): correct the settings schema so that it compiles`);
    }
  }

  return problems;
}

/**
 * Reads a manifest as Navidrome does when it loads a plugin package, and returns it typed. Accepts the
 * parsed JSON or the text of manifest.json.
 *
 * @throws {ManifestError} listing every structural problem (missing or empty name, author or version,
 * unknown keys, wrong types, maxConcurrency below 1) and every rule Navidrome enforces when it parses
 * the manifest: subsonicapi and scrobbleRetriever need users, matcher needs library, and config.schema
 * must compile as a JSON Schema. An invalid kvstore maxSize is reported here too.
 */
export function parseManifest(value: unknown): Manifest {
  let manifest = value;
  if (typeof value === "string") {
    try {
      manifest = JSON.parse(value) as unknown;
    } catch (error) {
      throw new ManifestError([`the manifest is not valid JSON (${(error as Error).message}): correct the syntax of manifest.json`]);
    }
  }

  if (!isObject(manifest)) {
    throw new ManifestError([`the manifest must be a JSON object, but it is ${describeValue(manifest)}: write manifest.json as an object with name, author and version`]);
  }

  const problems = [...new Set(validateStructure(manifest).map((error) => structureProblem(manifest, error)))];
  problems.push(...contentProblems(manifest));
  if (problems.length > 0) throw new ManifestError(problems);

  return structuredClone(manifest) as unknown as Manifest;
}

// ---------------------------------------------------------------------------------------------------
// Rules Navidrome checks when it loads the plugin
// ---------------------------------------------------------------------------------------------------

function exportsOf(capability: string): readonly string[] {
  return capabilities.find((info) => info.capability === capability)?.exports.map((info) => info.exportName) ?? [];
}

/**
 * Returns the problems that make Navidrome refuse to load a plugin with this manifest and these wasm
 * exports, or an empty array. Navidrome checks them after it has read the exports:
 *
 * - A plugin counts as a scrobbler as soon as it exports any nd_scrobbler_* function, and a scrobbler
 *   needs the users permission, because Navidrome only sends it the scrobbles of the users the
 *   administrator selects.
 * - The scheduler permission needs the nd_scheduler_callback export, which Navidrome calls when a
 *   schedule fires.
 * - The taskqueue permission needs the nd_task_execute export, which Navidrome calls to run each task.
 */
export function manifestLoadRules(manifest: Manifest, exports: readonly string[]): string[] {
  const exported = new Set(exports);
  const permissions = manifest.permissions ?? {};
  const problems: string[] = [];

  const scrobblerExports = exportsOf("Scrobbler").filter((name) => exported.has(name));
  if (scrobblerExports.length > 0 && permissions.users === undefined) {
    problems.push(
      `the plugin exports ${scrobblerExports.join(", ")}, which makes it a scrobbler, and a scrobbler requires permissions.users: add "users": {} to permissions in manifest.json`,
    );
  }

  if (permissions.scheduler !== undefined && !exported.has("nd_scheduler_callback")) {
    problems.push(
      'permissions.scheduler requires the export nd_scheduler_callback, which Navidrome calls when a schedule fires: implement the scheduler callback, or remove "scheduler" from permissions',
    );
  }

  if (permissions.taskqueue !== undefined && !exported.has("nd_task_execute")) {
    problems.push(
      'permissions.taskqueue requires the export nd_task_execute, which Navidrome calls to run each task: implement the task worker, or remove "taskqueue" from permissions',
    );
  }

  return problems;
}
