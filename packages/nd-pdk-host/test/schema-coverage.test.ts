/**
 * Checks the generated wrappers against schema/ itself: every host function of the schema must be
 * exported under its name, call its wasm import, and send exactly the schema's parameter keys.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, test } from "vitest";
import { parse } from "yaml";

import * as host from "../src/index.js";
import { installHost } from "./fake-host.js";

interface FieldSpec {
  readonly type: string;
  readonly optional?: boolean | "when-sending";
}

interface TypeSpec {
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

interface FunctionSpec {
  readonly import: string;
  readonly params?: Readonly<Record<string, FieldSpec>>;
  readonly returns?: Readonly<Record<string, FieldSpec>>;
}

interface ServiceSpec {
  readonly module: string;
  readonly types?: Readonly<Record<string, TypeSpec>>;
  readonly functions: Readonly<Record<string, FunctionSpec>>;
}

interface TypesFile {
  readonly types?: Readonly<Record<string, TypeSpec>>;
}

const schemaDir = fileURLToPath(new URL("../../../schema/", import.meta.url));

function readYaml(path: string): unknown {
  return parse(readFileSync(path, "utf8"));
}

function yamlFilesIn(folder: string): string[] {
  return readdirSync(join(schemaDir, folder))
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .map((name) => join(schemaDir, folder, name));
}

const services = yamlFilesIn("host").map((path) => readYaml(path) as ServiceSpec);

// Type names are unique across the whole schema folder, so one table contains the named types of every
// file, capabilities included.
const namedTypes = new Map<string, TypeSpec>();
for (const file of [join(schemaDir, "types.yaml"), ...yamlFilesIn("host"), ...yamlFilesIn("capabilities")]) {
  for (const [name, spec] of Object.entries((readYaml(file) as TypesFile).types ?? {})) namedTypes.set(name, spec);
}

const SCALARS = new Set(["string", "bool", "int32", "int64", "uint32", "float32", "float64", "bytes"]);
const WRAPPER_PATTERN = /^(array|map|nullable)<(.+)>$/;

/** Which side of the wire a placeholder is for: an argument the plugin passes, or reply JSON. */
type Side = "argument" | "reply";

/**
 * Builds a minimal valid value of a schema type: string "x", numbers 1, bool true, bytes [1], empty
 * arrays and maps, and named types with only the keys the given side must contain.
 */
function placeholder(type: string, side: Side): unknown {
  const wrapper = WRAPPER_PATTERN.exec(type);
  if (wrapper !== null) {
    const [, kind, inner] = wrapper as unknown as [string, string, string];
    if (kind === "array") return [];
    if (kind === "map") return {};
    return placeholder(inner, side);
  }

  if (SCALARS.has(type)) {
    switch (type) {
      case "string":
        return "x";
      case "bool":
        return true;
      case "bytes":
        return side === "argument" ? Uint8Array.of(1) : "AQ==";
      default:
        return 1;
    }
  }

  const spec = namedTypes.get(type);
  if (spec === undefined) throw new Error(`unknown schema type "${type}"`);
  const object: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(spec.fields)) {
    // The plugin may leave out "when-sending" keys, but Navidrome always writes them in replies.
    const required = field.optional === undefined || field.optional === false || (field.optional === "when-sending" && side === "reply");
    if (required) object[key] = placeholder(field.type, side);
  }
  return object;
}

const functions = services.flatMap((service) =>
  Object.entries(service.functions).map(([name, spec]) => ({ label: `${service.module}.${name}`, module: service.module, name, spec })),
);

function namespaceOf(module: string): Record<string, unknown> {
  return (host as unknown as Record<string, Record<string, unknown>>)[module] ?? {};
}

describe("schema coverage", () => {
  test("schema lists host functions", () => {
    expect(functions.length).toBeGreaterThan(0);
  });

  test("package exports exactly the schema modules", () => {
    expect(Object.keys(host).sort()).toEqual(services.map((service) => service.module).sort());
  });

  test.each(services)("$module exports only schema functions", (service) => {
    const exported = Object.entries(namespaceOf(service.module))
      .filter(([, value]) => typeof value === "function")
      .map(([name]) => name)
      .sort();

    expect(exported).toEqual(Object.keys(service.functions).sort());
  });
});

describe.each(functions)("$label", ({ module, name, spec }) => {
  test("is exported as a function", () => {
    expect(typeof namespaceOf(module)[name]).toBe("function");
  });

  test("calls its import with the schema param keys", () => {
    const wrapper = namespaceOf(module)[name] as (...args: unknown[]) => unknown;
    const params = Object.values(spec.params ?? {});
    const reply: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(spec.returns ?? {})) reply[key] = placeholder(field.type, "reply");
    const fake = installHost({ [spec.import]: () => JSON.stringify(reply) });

    wrapper(...params.map((param) => placeholder(param.type, "argument")));

    expect(fake.calls.map((call) => call.name)).toEqual([spec.import]);
    const request = JSON.parse(fake.calls[0]?.request ?? "null") as Record<string, unknown>;
    expect(Object.keys(request)).toEqual(Object.keys(spec.params ?? {}));
  });
});
