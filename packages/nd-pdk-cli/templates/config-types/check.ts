/**
 * Checks a configuration value against the rules that `nd-pdk config-types` takes from the plugin's
 * config.schema. `nd-pdk config-types` copies this file into every module it generates, where it runs
 * inside the plugin (QuickJS in extism-js), so it is plain ES2020: no imports, no Node or DOM APIs and
 * no eval. The command also uses it to check the schema's defaults.
 */

/** The JSON Schema types that a configuration value can have. */
export type ValueType = "string" | "integer" | "number" | "boolean" | "array" | "object";

/** The JSON Schema keywords of one value that are checked. A rule without `type` accepts any JSON value. */
export interface Rule {
  readonly type?: ValueType;
  readonly enum?: readonly (string | number | boolean)[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: Rule;
  readonly properties?: { readonly [name: string]: Rule };
  readonly required?: readonly string[];
  /** False when the schema sets `additionalProperties: false`, so that unknown keys are rejected. */
  readonly additionalProperties?: boolean;
}

/** One top-level property of config.schema. */
export interface Field {
  /** The configuration key, as Navidrome stores it. */
  readonly key: string;
  readonly rule: Rule & { readonly type: ValueType };
  /** True when the key is in the schema's `required` list and has no default. */
  readonly required: boolean;
  /** The schema's default, used when the key is not set. */
  readonly default?: unknown;
  /** True for passwords (`format: "password"` or `writeOnly: true`), whose values errors leave out. */
  readonly secret?: boolean;
}

const MAX_SHOWN_LENGTH = 60;

/** Formats a value for an error message as JSON, shortened to about 60 characters. */
export function showValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > MAX_SHOWN_LENGTH ? `${text.slice(0, MAX_SHOWN_LENGTH)}...` : text;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describeTypeMismatch(type: ValueType, value: unknown): string | undefined {
  switch (type) {
    case "string":
      return typeof value === "string" ? undefined : "is not a string";
    case "boolean":
      return typeof value === "boolean" ? undefined : "is not true or false";
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? undefined : "is not a number";
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return "is not an integer";
      // Beyond 2^53 a number cannot represent every integer, so the value may already have changed.
      return Number.isSafeInteger(value) ? undefined : "is beyond ±9007199254740991, the largest integer JavaScript reads exactly";
    case "array":
      return Array.isArray(value) ? undefined : "is not an array";
    case "object":
      return isPlainObject(value) ? undefined : "is not an object";
  }
}

function describeStringProblem(rule: Rule, value: string): string | undefined {
  // JSON Schema counts characters as Unicode code points, which the string iterator yields.
  const length = Array.from(value).length;
  if (rule.minLength !== undefined && length < rule.minLength) {
    return length === 0 ? "is empty" : `has fewer than ${plural(rule.minLength, "character")}`;
  }
  if (rule.maxLength !== undefined && length > rule.maxLength) return `has more than ${plural(rule.maxLength, "character")}`;
  if (rule.pattern !== undefined && !new RegExp(rule.pattern, "u").test(value)) return `does not match the pattern ${rule.pattern}`;
  return undefined;
}

function describeNumberProblem(rule: Rule, value: number): string | undefined {
  if (rule.minimum !== undefined && value < rule.minimum) return `is less than the minimum ${rule.minimum}`;
  if (rule.maximum !== undefined && value > rule.maximum) return `is greater than the maximum ${rule.maximum}`;
  if (rule.exclusiveMinimum !== undefined && value <= rule.exclusiveMinimum) return `is not greater than ${rule.exclusiveMinimum}`;
  if (rule.exclusiveMaximum !== undefined && value >= rule.exclusiveMaximum) return `is not less than ${rule.exclusiveMaximum}`;
  return undefined;
}

function describeArrayProblem(rule: Rule, value: readonly unknown[]): string | undefined {
  if (rule.minItems !== undefined && value.length < rule.minItems) {
    return value.length === 0 ? "has no items" : `has fewer than ${plural(rule.minItems, "item")}`;
  }
  if (rule.maxItems !== undefined && value.length > rule.maxItems) return `has more than ${plural(rule.maxItems, "item")}`;
  if (rule.items === undefined) return undefined;

  for (let index = 0; index < value.length; index++) {
    const problem = describeProblem(rule.items, value[index]);
    if (problem !== undefined) return `has an invalid item at index ${index}: ${showValue(value[index])} ${problem}`;
  }
  return undefined;
}

function describeObjectProblem(rule: Rule, value: { readonly [key: string]: unknown }): string | undefined {
  for (const name of rule.required ?? []) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) return `lacks the required property ${JSON.stringify(name)}`;
  }

  const properties = rule.properties ?? {};
  for (const name of Object.keys(value)) {
    const propertyRule = Object.prototype.hasOwnProperty.call(properties, name) ? properties[name] : undefined;
    if (propertyRule === undefined) {
      if (rule.additionalProperties === false) return `has the unknown property ${JSON.stringify(name)}`;
      continue;
    }
    const problem = describeProblem(propertyRule, value[name]);
    if (problem !== undefined) return `has an invalid property ${JSON.stringify(name)}: ${showValue(value[name])} ${problem}`;
  }
  return undefined;
}

/**
 * Checks a JSON value against a rule, items and properties included.
 *
 * @returns undefined when the value meets the rule, otherwise the first problem as a phrase that
 * continues "the value ...", such as `is not an integer` or `is greater than the maximum 100`.
 */
export function describeProblem(rule: Rule, value: unknown): string | undefined {
  if (rule.type !== undefined) {
    const mismatch = describeTypeMismatch(rule.type, value);
    if (mismatch !== undefined) return mismatch;
  }
  if (rule.enum !== undefined && !rule.enum.some((allowed) => allowed === value)) {
    return rule.enum.length === 1 ? `is not ${showValue(rule.enum[0])}` : `is not one of ${rule.enum.map(showValue).join(", ")}`;
  }

  if (typeof value === "string") return describeStringProblem(rule, value);
  if (typeof value === "number") return describeNumberProblem(rule, value);
  if (Array.isArray(value)) return describeArrayProblem(rule, value);
  if (isPlainObject(value)) return describeObjectProblem(rule, value);
  return undefined;
}
