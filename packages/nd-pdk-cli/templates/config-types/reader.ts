import { ConfigValueError, config } from "@nd/pdk";

import type { Field } from "./check.js";
import { describeProblem, showValue } from "./check.js";

// nd-pdk:begin interface
/** The plugin's configuration. `nd-pdk config-types` replaces this with the type of config.schema. */
export interface PluginConfig {
  readonly [key: string]: unknown;
}
// nd-pdk:end interface

/**
 * Reads the plugin's configuration from Navidrome and decodes every property of config.schema.
 *
 * Navidrome hands each value to the plugin as text, so numbers and booleans arrive as `5` or `true`,
 * and arrays and objects as JSON. A key that is not set gets the schema's default, or stays out of
 * the result. An empty text counts as not set, except for strings, where it is a value.
 *
 * @throws {ConfigValueError} when a required key is not set or a value does not meet the schema,
 * naming the key, the value and the fix.
 */
export function readConfig(): PluginConfig {
  const values: { [key: string]: unknown } = {};
  for (const field of FIELDS) {
    const value = readField(field);
    if (value !== undefined) values[field.key] = value;
  }
  // Each value has passed its schema check, which is what PluginConfig describes.
  return values as unknown as PluginConfig;
}

function readField(field: Field): unknown {
  const text = config.get(field.key);

  if (text === undefined || (text === "" && field.rule.type !== "string")) {
    // A copy, so that a caller who changes an array or object default does not change the next read.
    if (field.default !== undefined) return JSON.parse(JSON.stringify(field.default)) as unknown;
    if (field.required) {
      throw new ConfigValueError(
        field.key,
        `plugin configuration ${JSON.stringify(field.key)} is not set; set it in the plugin's settings in Navidrome`,
      );
    }
    return undefined;
  }

  const parsed = parseText(field, text);
  const problem = parsed.problem ?? describeProblem(field.rule, parsed.value);
  if (problem !== undefined) {
    const valueClause = field.secret === true ? "(value not shown)" : `is ${showValue(text)}, which`;
    throw new ConfigValueError(
      field.key,
      `plugin configuration ${JSON.stringify(field.key)} ${valueClause} ${problem}; correct it in the plugin's settings in Navidrome`,
    );
  }
  return parsed.value;
}

// Decimal numbers as JSON writes them, also accepting a leading "+", leading zeros, and no digit
// before or after the point.
const NUMBER_SYNTAX = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Turns the text Navidrome stores into a value of the field's type, or names why it cannot. */
function parseText(field: Field, text: string): { readonly value?: unknown; readonly problem?: string } {
  switch (field.rule.type) {
    case "string":
      return { value: text };

    case "integer":
    case "number": {
      const trimmed = text.trim();
      const number = Number(trimmed);
      if (!NUMBER_SYNTAX.test(trimmed) || !Number.isFinite(number)) {
        return { problem: field.rule.type === "integer" ? "is not an integer" : "is not a number" };
      }
      return { value: number };
    }

    case "boolean": {
      const normalized = text.trim().toLowerCase();
      if (normalized === "true") return { value: true };
      if (normalized === "false") return { value: false };
      return { problem: "is not true or false" };
    }

    case "array":
    case "object": {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { problem: `is not a JSON ${field.rule.type}` };
      }
      return { value };
    }
  }
}

// nd-pdk:begin fields
const FIELDS: readonly Field[] = [];
// nd-pdk:end fields
