import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import * as capabilities from "@nd/pdk-capabilities";
import * as host from "@nd/pdk-host";
import type { Codec, ObjectCodec } from "@nd/pdk-types";
import { decodeValue, encodeValue } from "@nd/pdk-types";
import * as shared from "@nd/pdk-types/internal";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parse } from "yaml";

const schemaDir = join(import.meta.dirname, "../../../schema");

function isObjectCodec(value: unknown): value is ObjectCodec {
  return typeof value === "object" && value !== null && typeof (value as ObjectCodec).object === "string" && typeof (value as ObjectCodec).fields === "object";
}

/** Collects every codec of a generated type from the packages' exports and namespaces. */
function generatedCodecs(): Map<string, ObjectCodec> {
  const codecs = new Map<string, ObjectCodec>();
  const visit = (module: Record<string, unknown>): void => {
    for (const value of Object.values(module)) {
      if (isObjectCodec(value)) codecs.set(value.object, value);
    }
  };
  visit(shared as Record<string, unknown>);
  for (const namespace of Object.values(host)) visit(namespace as Record<string, unknown>);
  for (const namespace of Object.values(capabilities)) {
    if (typeof namespace === "object" && namespace !== null) visit(namespace as Record<string, unknown>);
  }
  return codecs;
}

function schemaTypeNames(): string[] {
  const names: string[] = [];
  const files = [
    join(schemaDir, "types.yaml"),
    ...readdirSync(join(schemaDir, "host")).map((f) => join(schemaDir, "host", f)),
    ...readdirSync(join(schemaDir, "capabilities")).map((f) => join(schemaDir, "capabilities", f)),
  ];
  for (const file of files) {
    const document = parse(readFileSync(file, "utf8")) as { types?: Record<string, unknown> };
    names.push(...Object.keys(document.types ?? {}));
  }
  return names.sort();
}

// Text with everything JSON and UTF-8 make hard: astral characters, and lone surrogates that only
// survive because JSON.stringify escapes them.
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.array(fc.oneof(loneSurrogate, fc.string({ unit: "binary", maxLength: 2 })), { maxLength: 5 }).map((parts) => parts.join("")),
);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0));

function arbitrary(codec: Codec): fc.Arbitrary<unknown> {
  if (typeof codec === "string") {
    switch (codec) {
      case "string":
        return text;
      case "bool":
        return fc.boolean();
      case "int32":
        return fc.integer();
      case "uint32":
        return fc.integer({ min: 0, max: 4294967295 });
      case "int64":
        return fc.maxSafeInteger();
      case "float32":
      case "float64":
        return finite;
    }
  }
  if (codec === shared.bytesCodec) return fc.uint8Array({ maxLength: 16 });
  if ("decode" in codec) throw new Error("a custom codec other than bytesCodec needs an arbitrary here");
  if ("array" in codec) return fc.array(arbitrary(codec.array), { maxLength: 3 });
  if ("map" in codec) return fc.dictionary(text, arbitrary(codec.map), { maxKeys: 3 });
  if ("nullable" in codec) return fc.option(arbitrary(codec.nullable), { nil: undefined });

  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(codec.fields)) {
    model[key] = arbitrary(field);
    const optional = codec.optional?.includes(key) === true || (typeof field === "object" && "nullable" in field);
    if (!optional) required.push(key);
  }
  return fc.record(model, { requiredKeys: required });
}

/** Sends a value the way it travels: encoded, as JSON text, through UTF-8 memory, and decoded. */
function roundTrip(codec: Codec, value: unknown): unknown {
  const json = JSON.stringify(encodeValue(codec, value));
  const received = new TextDecoder().decode(new TextEncoder().encode(json));
  return decodeValue(codec, JSON.parse(received));
}

describe("generated codecs", () => {
  const codecs = generatedCodecs();

  test("exist for every type of the schema", () => {
    expect([...codecs.keys()].sort()).toEqual(schemaTypeNames());
  });

  test.each([...codecs.keys()].sort())("round-trip %s through JSON and UTF-8", (name) => {
    const codec = codecs.get(name) as ObjectCodec;
    fc.assert(
      fc.property(arbitrary(codec), (value) => {
        expect(roundTrip(codec, value)).toEqual(value);
      }),
      { numRuns: 60 },
    );
  });
});
