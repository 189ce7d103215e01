import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { Codec, ObjectCodec } from "@nd/pdk-types";
import { bytesCodec } from "@nd/pdk-types/internal";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";

import { capabilitySpecs } from "../src/index.js";

interface SchemaCapability {
  capability: string;
  key: string;
  required: boolean;
  types?: Record<string, { fields: Record<string, unknown> }>;
  exports: Record<string, { export: string; input?: string; output?: string }>;
}

const schemaDir = join(import.meta.dirname, "../../../schema");
const capabilityFiles = readdirSync(join(schemaDir, "capabilities")).filter((name) => name.endsWith(".yaml"));
const schema = capabilityFiles.map((name) => parse(readFileSync(join(schemaDir, "capabilities", name), "utf8")) as SchemaCapability);

const allTypes = new Map<string, Record<string, unknown>>();
for (const file of [join(schemaDir, "types.yaml"), ...capabilityFiles.map((name) => join(schemaDir, "capabilities", name))]) {
  const document = parse(readFileSync(file, "utf8")) as { types?: Record<string, { fields: Record<string, unknown> }> };
  for (const [name, type] of Object.entries(document.types ?? {})) allTypes.set(name, type.fields);
}

function codecTypeName(codec: Codec | undefined): string | undefined {
  if (codec === undefined) return undefined;
  if (typeof codec === "string") return codec;
  if ("nullable" in codec) return `nullable<${codecTypeName(codec.nullable)}>`;
  if ("array" in codec) return `array<${codecTypeName(codec.array)}>`;
  if ("map" in codec) return `map<${codecTypeName(codec.map)}>`;
  if ("decode" in codec) return codec === bytesCodec ? "bytes" : "an unknown custom codec";
  return codec.object;
}

describe("capability bindings", () => {
  test("cover every capability of the schema", () => {
    expect(Object.keys(capabilitySpecs).sort()).toEqual(schema.map((c) => c.key).sort());
  });

  describe.each(schema.map((c) => [c.key, c] as const))("%s", (key, capability) => {
    const spec = capabilitySpecs[key as keyof typeof capabilitySpecs];

    test("has the schema's name and required flag", () => {
      expect(spec.capability).toBe(capability.capability);
      expect(spec.required).toBe(capability.required);
    });

    test("binds every export under its wasm name with the schema's input and output types", () => {
      const expected = Object.entries(capability.exports).map(([method, entry]) => ({
        method,
        exportName: entry.export,
        input: entry.input,
        output: entry.output,
      }));
      const actual = spec.exports.map((entry) => ({
        method: entry.method,
        exportName: entry.exportName,
        input: codecTypeName(entry.input),
        output: codecTypeName(entry.output),
      }));
      expect(actual).toEqual(expected);
    });

    test("decodes the exact JSON keys of each input type", () => {
      for (const entry of spec.exports) {
        if (entry.input === undefined || typeof entry.input === "string" || !("object" in entry.input)) continue;
        const input = entry.input as ObjectCodec;
        expect(Object.keys(input.fields)).toEqual(Object.keys(allTypes.get(input.object) ?? {}));
      }
    });
  });
});
