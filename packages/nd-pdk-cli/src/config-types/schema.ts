/**
 * Reads a plugin's config.schema (JSON Schema draft-07) into what `nd-pdk config-types` generates
 * from: one checked field per top-level property, and a plain schema for the TypeScript type.
 */
import type { Field, Rule, ValueType } from "../../templates/config-types/check.js";
import { describeProblem, showValue } from "../../templates/config-types/check.js";

/** A JSON Schema object, as parsed from manifest.json. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** A config.schema that `nd-pdk config-types` cannot turn into a type and a reader. */
export class ConfigSchemaError extends Error {
  /** Creates the error with a message that names the place in config.schema. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigSchemaError";
  }
}

/** Result of {@link readConfigSchema}. */
export interface ConfigSchemaReading {
  /** One entry per top-level property, in schema order. */
  readonly fields: readonly Field[];
  /**
   * The schema with references resolved and only the keywords that shape the type, for
   * json-schema-to-typescript.
   */
  readonly typeSchema: JsonSchema;
  /** Keywords that the schema uses but the generated reader does not check, one sentence each. */
  readonly unchecked: readonly string[];
}

const VALUE_TYPES: readonly ValueType[] = ["string", "integer", "number", "boolean", "array", "object"];

// Keywords that only describe a value, or that the reader handles elsewhere.
const ANNOTATIONS = new Set([
  "$schema", "$id", "$comment", "title", "description", "default", "examples", "readOnly", "writeOnly",
  "deprecated", "definitions", "$defs", "format",
]);

// Keywords that constrain a value without changing its type: the reader skips them and reports them.
const UNCHECKED = new Set([
  "multipleOf", "uniqueItems", "contains", "minProperties", "maxProperties", "propertyNames",
  "dependencies", "contentMediaType", "contentEncoding",
]);

// Keywords that change which values fit in ways a single TypeScript type and a plain check cannot express.
const UNSUPPORTED_ADVICE: ReadonlyMap<string, string> = new Map([
  ["allOf", "merge the subschemas into one"],
  ["not", "check the value in the plugin instead"],
  ["if", "check the value in the plugin instead"],
  ["then", "check the value in the plugin instead"],
  ["else", "check the value in the plugin instead"],
  ["patternProperties", "use additionalProperties with a schema instead"],
  ["additionalItems", "use items with a single schema instead"],
]);

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** Converter for one config.schema: resolves `$ref` against its root and collects the unchecked keywords. */
class SchemaReader {
  readonly unchecked: string[] = [];
  readonly #root: JsonSchema;
  readonly #resolving: string[] = [];

  constructor(root: JsonSchema) {
    this.#root = root;
  }

  /** Throws a ConfigSchemaError about the property at `location` (`server.port`, `tags[]`), or the root for "". */
  fail(location: string, problem: string): never {
    throw new ConfigSchemaError(`config.schema${describeLocation(location)}: ${problem}`);
  }

  note(location: string, problem: string): void {
    this.unchecked.push(`config.schema${describeLocation(location)}: ${problem}`);
  }

  /** Follows `$ref` to the schema it names; draft-07 ignores the other keywords beside a `$ref`. */
  resolve(schema: unknown, location: string): { readonly schema: JsonSchema; readonly refs: readonly string[] } {
    const refs: string[] = [];
    let current = schema;
    while (isObject(current) && typeof current["$ref"] === "string") {
      const ref = current["$ref"];
      if (refs.includes(ref) || this.#resolving.includes(ref)) this.fail(location, `"$ref": "${ref}" refers to itself, which a configuration value cannot do; remove the cycle`);
      refs.push(ref);
      current = this.#lookUp(ref, location);
    }
    if (current === true) return { schema: {}, refs };
    if (!isObject(current)) this.fail(location, `must be a JSON Schema object, found ${showValue(current)}`);
    return { schema: current, refs };
  }

  #lookUp(ref: string, location: string): unknown {
    if (!ref.startsWith("#")) {
      this.fail(location, `"$ref": "${ref}" points outside config.schema; Navidrome compiles the schema on its own, so copy the definition into config.schema under "definitions"`);
    }
    let target: unknown = this.#root;
    let pointer: string;
    try {
      pointer = decodeURIComponent(ref.slice(1));
    } catch {
      this.fail(location, `"$ref": "${ref}" is not a valid URI fragment; write it as "#/definitions/name"`);
    }
    const tokens = pointer === "" ? [] : pointer.replace(/^\//, "").split("/");
    for (const token of tokens) {
      const key = token.replace(/~1/g, "/").replace(/~0/g, "~");
      target = isObject(target) && Object.prototype.hasOwnProperty.call(target, key) ? target[key] : undefined;
      if (target === undefined) this.fail(location, `"$ref": "${ref}" points to nothing in config.schema; check the name under "definitions"`);
    }
    return target;
  }

  /** Converts one property schema into its rule and its type schema, with every nested schema. */
  convert(input: unknown, location: string): { readonly rule: Rule; readonly typeSchema: JsonSchema } {
    const { schema, refs } = this.resolve(input, location);
    this.#resolving.push(...refs);
    try {
      return this.#convertResolved(schema, location);
    } finally {
      this.#resolving.splice(this.#resolving.length - refs.length, refs.length);
    }
  }

  #convertResolved(schema: JsonSchema, location: string): { readonly rule: Rule; readonly typeSchema: JsonSchema } {
    this.#checkKeywords(schema, location);

    const values = this.#allowedValues(schema, location);
    const type = this.#valueType(schema, values, location);
    const rule: { -readonly [K in keyof Rule]: Rule[K] } = {};
    const typeSchema: { [keyword: string]: unknown } = {};
    if (type !== undefined) {
      rule.type = type;
      typeSchema["type"] = type;
    }
    if (values !== undefined) {
      for (const value of values) {
        const problem = type === undefined ? undefined : describeProblem({ type }, value);
        if (problem !== undefined) this.fail(location, `the allowed value ${showValue(value)} ${problem}, but "type" is "${type}"; make them agree`);
      }
      rule.enum = values;
      typeSchema["enum"] = values;
    }

    this.#copyNumbers(schema, rule, location, ["minLength", "maxLength", "minItems", "maxItems"], true);
    this.#copyNumbers(schema, rule, location, ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"], false);
    if (schema["pattern"] !== undefined) rule.pattern = this.#pattern(schema["pattern"], location);

    if (schema["items"] !== undefined) {
      if (Array.isArray(schema["items"])) this.fail(location, `"items" is a list of schemas (a tuple), which is not supported; use a single schema for every item`);
      const items = this.convert(schema["items"], `${location}[]`);
      rule.items = items.rule;
      typeSchema["items"] = items.typeSchema;
    }

    if (type === "object") Object.assign(typeSchema, this.#convertObject(schema, rule, location));

    const doc = documentation(schema);
    if (doc !== undefined) typeSchema["description"] = doc;
    return { rule, typeSchema };
  }

  #convertObject(schema: JsonSchema, rule: { -readonly [K in keyof Rule]: Rule[K] }, location: string): JsonSchema {
    const typeSchema: { [keyword: string]: unknown } = {};

    const properties = schema["properties"];
    if (properties !== undefined && !isObject(properties)) this.fail(location, `"properties" must be an object of schemas`);
    if (properties !== undefined) {
      const propertyRules: { [name: string]: Rule } = {};
      const propertyTypes: { [name: string]: JsonSchema } = {};
      for (const [name, propertySchema] of Object.entries(properties)) {
        const converted = this.convert(propertySchema, location === "" ? name : `${location}.${name}`);
        propertyRules[name] = converted.rule;
        propertyTypes[name] = converted.typeSchema;
      }
      rule.properties = propertyRules;
      typeSchema["properties"] = propertyTypes;
    }

    const required = this.#requiredList(schema, location);
    if (required.length > 0) {
      rule.required = required;
      typeSchema["required"] = required;
    }

    const additional = schema["additionalProperties"];
    if (additional === false) {
      rule.additionalProperties = false;
      typeSchema["additionalProperties"] = false;
    } else if (isObject(additional)) {
      // The reader checks unknown keys against no rule here; the type still lists their values.
      const converted = this.convert(additional, `${location}.*`);
      typeSchema["additionalProperties"] = converted.typeSchema;
      this.note(location, `the values of keys not listed in "properties" are not checked against "additionalProperties"`);
    } else {
      // Without listed properties, an object may hold any key; with them, the type lists only those.
      typeSchema["additionalProperties"] = properties === undefined;
    }
    return typeSchema;
  }

  #requiredList(schema: JsonSchema, location: string): string[] {
    const required = schema["required"];
    if (required === undefined) return [];
    if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) {
      this.fail(location, `"required" must be a list of property names`);
    }
    return required as string[];
  }

  #checkKeywords(schema: JsonSchema, location: string): void {
    for (const keyword of Object.keys(schema)) {
      const advice = UNSUPPORTED_ADVICE.get(keyword);
      if (advice !== undefined) this.fail(location, `"${keyword}" is not supported by nd-pdk config-types; ${advice}`);
      if (UNCHECKED.has(keyword)) this.note(location, `"${keyword}" is not checked`);
    }
    const format = schema["format"];
    if (typeof format === "string" && format !== "password") this.note(location, `"format": "${format}" is not checked`);
    // Every other keyword is either handled by #convertResolved or unknown to JSON Schema, which draft-07 ignores.
  }

  /** Returns the values of `enum`, `const`, or a `oneOf`/`anyOf` list of `const` choices. */
  #allowedValues(schema: JsonSchema, location: string): (string | number | boolean)[] | undefined {
    let values: unknown[] | undefined;

    if (schema["enum"] !== undefined) {
      if (!Array.isArray(schema["enum"]) || schema["enum"].length === 0) this.fail(location, `"enum" must be a non-empty list`);
      values = schema["enum"];
    }
    if (schema["const"] !== undefined) values = [schema["const"]];

    for (const keyword of ["oneOf", "anyOf"]) {
      const choices = schema[keyword];
      if (choices === undefined) continue;
      // JSONForms renders a oneOf of const values with titles as a drop-down list with labels.
      const isConstList =
        Array.isArray(choices) &&
        choices.length > 0 &&
        choices.every((choice) => isObject(choice) && "const" in choice && Object.keys(choice).every((key) => key === "const" || ANNOTATIONS.has(key)));
      if (!isConstList) {
        this.fail(location, `"${keyword}" is supported only as a list of choices of the form { "const": value, "title": label }; give the property one "type" and check the rest in the plugin`);
      }
      values = (choices as JsonSchema[]).map((choice) => choice["const"]);
    }

    if (values === undefined) return undefined;
    for (const value of values) {
      if (!isPrimitive(value)) this.fail(location, `the allowed value ${showValue(value)} is not a string, number or boolean, which is all nd-pdk config-types supports in a list of allowed values`);
    }
    return values as (string | number | boolean)[];
  }

  #valueType(schema: JsonSchema, values: readonly (string | number | boolean)[] | undefined, location: string): ValueType | undefined {
    const type = schema["type"];
    if (typeof type === "string") {
      if (!(VALUE_TYPES as readonly string[]).includes(type)) {
        this.fail(location, `"type": "${type}" is not supported; use one of ${VALUE_TYPES.join(", ")}`);
      }
      return type as ValueType;
    }
    if (type !== undefined) {
      this.fail(location, `"type": ${showValue(type)} lists several types; give the property a single type (${VALUE_TYPES.join(", ")})`);
    }

    // Without "type", the kind of values the schema describes still fixes it.
    if (values !== undefined) {
      if (values.every((value) => typeof value === "string")) return "string";
      if (values.every((value) => typeof value === "boolean")) return "boolean";
      if (values.every((value) => typeof value === "number")) return values.every(Number.isInteger) ? "integer" : "number";
      this.fail(location, `the allowed values mix types; give the property a "type"`);
    }
    if (schema["properties"] !== undefined || schema["required"] !== undefined || schema["additionalProperties"] !== undefined) return "object";
    if (schema["items"] !== undefined) return "array";
    return undefined;
  }

  #copyNumbers(schema: JsonSchema, rule: { -readonly [K in keyof Rule]: Rule[K] }, location: string, keywords: readonly (keyof Rule)[], wholeNumbers: boolean): void {
    for (const keyword of keywords) {
      const value = schema[keyword];
      if (value === undefined) continue;
      if (typeof value === "boolean" && keyword.startsWith("exclusive")) {
        const bound = keyword === "exclusiveMinimum" ? "minimum" : "maximum";
        this.fail(location, `"${keyword}": ${value} is the draft-04 form, which draft-07 replaced by a number: remove "${bound}" and write its value as "${keyword}"`);
      }
      if (typeof value !== "number" || (wholeNumbers && (!Number.isInteger(value) || value < 0))) {
        this.fail(location, `"${keyword}" must be ${wholeNumbers ? "a whole number of 0 or more" : "a number"}, found ${showValue(value)}`);
      }
      (rule as Record<string, unknown>)[keyword] = value;
    }
  }

  #pattern(pattern: unknown, location: string): string {
    if (typeof pattern !== "string") this.fail(location, `"pattern" must be a string, found ${showValue(pattern)}`);
    try {
      new RegExp(pattern, "u");
    } catch (error) {
      this.fail(location, `"pattern" is not a valid regular expression (${(error as Error).message}); correct it`);
    }
    return pattern;
  }
}

/** Joins a schema's title and description into one doc comment text. */
function documentation(schema: JsonSchema): string | undefined {
  const parts: string[] = [];
  if (typeof schema["title"] === "string" && schema["title"] !== "") parts.push(schema["title"]);
  if (typeof schema["description"] === "string" && schema["description"] !== "") parts.push(schema["description"]);
  if (schema["default"] !== undefined) parts.push(`@defaultValue ${JSON.stringify(schema["default"])}`);
  return parts.length === 0 ? undefined : parts.join("\n\n");
}

function describeLocation(location: string): string {
  return location === "" ? "" : ` property ${JSON.stringify(location)}`;
}

function isSecret(schema: JsonSchema): boolean {
  return schema["writeOnly"] === true || schema["format"] === "password";
}

/**
 * Reads a config.schema into fields and a type schema.
 *
 * @throws {ConfigSchemaError} when the schema uses what the reader cannot decode or type (several
 * types, `allOf`, tuples, ...), or a default does not meet its own rule. The message names the
 * property and the change to make.
 */
export function readConfigSchema(schema: unknown): ConfigSchemaReading {
  if (!isObject(schema)) throw new ConfigSchemaError(`config.schema must be a JSON object, found ${showValue(schema)}`);
  const reader: SchemaReader = new SchemaReader(schema);

  if (schema["type"] !== undefined && schema["type"] !== "object") {
    reader.fail("", `"type" must be "object", because Navidrome stores the configuration as keys and values`);
  }
  for (const keyword of Object.keys(schema)) {
    if (UNSUPPORTED_ADVICE.has(keyword) || keyword === "oneOf" || keyword === "anyOf" || keyword === "$ref") {
      reader.fail("", `"${keyword}" at the top level is not supported by nd-pdk config-types; list every setting under "properties"`);
    }
  }

  const properties = schema["properties"] ?? {};
  if (!isObject(properties)) reader.fail("", `"properties" must be an object of schemas`);
  const requiredKeys = new Set<string>();
  const required = schema["required"];
  if (required !== undefined) {
    if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) reader.fail("", `"required" must be a list of property names`);
    for (const name of required as string[]) requiredKeys.add(name);
  }

  const fields: Field[] = [];
  const propertyTypes: { [name: string]: JsonSchema } = {};
  const alwaysSet: string[] = [];

  for (const [key, propertySchema] of Object.entries(properties)) {
    // Assigning this key to a plain object replaces its prototype instead of adding a property.
    if (key === "__proto__") reader.fail(key, "cannot be a configuration key; rename it");
    const { rule, typeSchema } = reader.convert(propertySchema, key);
    const resolved = reader.resolve(propertySchema, key).schema;
    if (rule.type === undefined) {
      reader.fail(key, `has no "type"; add one of ${VALUE_TYPES.join(", ")}`);
    }

    const defaultValue = resolved["default"];
    if (defaultValue !== undefined) {
      const problem = describeProblem(rule, defaultValue);
      if (problem !== undefined) reader.fail(key, `the default ${showValue(defaultValue)} ${problem}; change the default or the rule`);
    }

    const field: { -readonly [K in keyof Field]: Field[K] } = {
      key,
      rule: { ...rule, type: rule.type },
      required: requiredKeys.has(key) && defaultValue === undefined,
    };
    if (defaultValue !== undefined) field.default = defaultValue;
    if (isSecret(resolved)) field.secret = true;
    fields.push(field);

    propertyTypes[key] = typeSchema;
    if (requiredKeys.has(key) || defaultValue !== undefined) alwaysSet.push(key);
  }

  for (const key of requiredKeys) {
    if (!Object.prototype.hasOwnProperty.call(properties, key)) {
      reader.fail("", `"required" lists "${key}", which is not under "properties"; add its schema or remove it from "required"`);
    }
  }

  // readConfig fills in defaults, so a property with a default is always present in its result.
  const typeSchema: { [keyword: string]: unknown } = {
    type: "object",
    properties: propertyTypes,
    required: alwaysSet,
    additionalProperties: false,
  };
  if (typeof schema["description"] === "string") typeSchema["description"] = schema["description"];

  return { fields, typeSchema, unchecked: reader.unchecked };
}
