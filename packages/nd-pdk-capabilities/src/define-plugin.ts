import { decodeValue, encodeValue, NdPdkError, WireFormatError } from "@nd/pdk-types";
import type { CapabilitySpec, ExportSpec } from "@nd/pdk-types/internal";
import { readInput, writeOutput } from "@nd/pdk-types/internal";

import { capabilityTable } from "./capability-table.js";
import type { ExportNamesByCapability, PluginParts } from "./generated/index.js";
import { PluginDefinitionError } from "./plugin-definition-error.js";

/** An Extism export: called with no arguments, it returns 0 on success. */
export type ExportFunction = () => number;

type ExportNameOf<Key, Method> = Key extends keyof ExportNamesByCapability
  ? Method extends keyof ExportNamesByCapability[Key]
    ? ExportNamesByCapability[Key][Method]
    : never
  : never;

type ExportNamesOf<Parts> = {
  [Key in keyof Parts]-?: ExportNameOf<Key, keyof NonNullable<Parts[Key]>>;
}[keyof Parts];

/**
 * The exports `definePlugin` returns for a plugin object: one function per implemented method, under
 * the wasm export name Navidrome calls, and nothing else.
 */
export type PluginExports<Parts> = { readonly [Name in Extract<ExportNamesOf<Parts>, string>]: ExportFunction };

/** Rejects keys that are not capabilities, so that a misspelled key fails to compile. */
type NoUnknownKeys<Parts> = { readonly [Key in Exclude<keyof Parts, keyof PluginParts>]: never };

/**
 * Turns a plugin object into the exports Navidrome calls.
 *
 * Each key is one capability, implemented by an object with its methods. The result contains one export
 * per implemented method and nothing else. Export it as the default export of the plugin's entry
 * module, where `nd-pdk build` picks it up.
 *
 * Methods are synchronous. Host calls are synchronous too, so nothing needs `await`. A method that
 * returns a Promise fails the call with an error that explains this, because the extism-js runtime runs
 * promise callbacks only after the call has returned and drops their rejections: a failure after an
 * `await` would otherwise reach Navidrome as success.
 *
 * @throws {PluginDefinitionError} for an unknown capability key, a method that is not a function, or
 * a capability whose methods are all required but only partly implemented.
 *
 * @example
 * ```ts
 * import { definePlugin } from "@nd/pdk";
 *
 * export default definePlugin({
 *   metadataAgent: {
 *     getArtistBiography({ name }) {
 *       return { biography: `${name} is an artist.` };
 *     },
 *   },
 * });
 * ```
 */
export function definePlugin<const Parts extends PluginParts>(parts: Parts & NoUnknownKeys<Parts>): PluginExports<Parts> {
  if (typeof parts !== "object" || parts === null) {
    throw new PluginDefinitionError(`definePlugin expects an object of capabilities, received ${parts === null ? "null" : typeof parts}`);
  }

  const exports: Record<string, ExportFunction> = {};
  const known = Object.keys(capabilityTable);

  for (const key of Object.keys(parts)) {
    // An own-property check, so that keys such as "toString" do not find Object.prototype members.
    const spec = Object.prototype.hasOwnProperty.call(capabilityTable, key)
      ? (capabilityTable as Record<string, CapabilitySpec>)[key]
      : undefined;
    if (spec === undefined) {
      throw new PluginDefinitionError(`definePlugin: unknown capability "${key}". The capabilities are: ${known.join(", ")}.`);
    }
    const implementation = (parts as Record<string, unknown>)[key];
    if (implementation === undefined) continue;
    if (typeof implementation !== "object" || implementation === null) {
      throw new PluginDefinitionError(`definePlugin: "${key}" must be an object with the capability's methods, received ${implementation === null ? "null" : typeof implementation}.`);
    }

    const missing: string[] = [];
    for (const entry of spec.exports) {
      const method = (implementation as Record<string, unknown>)[entry.method];
      if (method === undefined) {
        missing.push(entry.method);
        continue;
      }
      if (typeof method !== "function") {
        throw new PluginDefinitionError(`definePlugin: ${key}.${entry.method} must be a function, received ${typeof method}.`);
      }
      exports[entry.exportName] = createExport(key, entry, implementation as Record<string, unknown>);
    }

    if (spec.required && missing.length > 0) {
      throw new PluginDefinitionError(
        `definePlugin: the ${spec.capability} capability needs every method, but ${key} lacks ${missing.join(", ")}. Implement ${missing.length === 1 ? "it" : "them"} in ${key}: Navidrome fails the calls of a missing method.`,
      );
    }
  }

  return exports as PluginExports<Parts>;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function createExport(key: string, entry: ExportSpec, implementation: Record<string, unknown>): ExportFunction {
  const label = `${key}.${entry.method}`;

  return function callExport(): number {
    let request: unknown;
    if (entry.input !== undefined) request = decodeInput(entry, label);

    let result: unknown;
    try {
      result = (implementation[entry.method] as (request?: unknown) => unknown).call(implementation, request);
    } catch (error) {
      // extism-js renders a thrown non-Error as an engine debug string such as String(Ok("...")). An
      // Error keeps its message verbatim, and Navidrome needs that to find error constants in it.
      if (error instanceof Error) throw error;
      throw new Error(typeof error === "string" ? error : `${label} threw a non-Error value: ${String(error)}`);
    }

    if (isThenable(result)) {
      // Keep the rejection from surfacing as an unhandled rejection: the call fails below either way.
      Promise.resolve(result).then(undefined, () => undefined);
      throw new PluginDefinitionError(
        `${label} returned a Promise. Plugin methods must be synchronous: the extism-js runtime settles promises only after the call has returned and ignores their rejections, so a failure would reach Navidrome as success. Remove "async" (host calls are synchronous and need no await).`,
      );
    }

    if (entry.output === undefined || result === undefined || result === null) return 0;

    let encoded: unknown;
    try {
      encoded = encodeValue(entry.output, result);
    } catch (error) {
      throw error instanceof WireFormatError ? error.in(`the value returned by ${label}`) : error;
    }
    writeOutput(entry.exportName, JSON.stringify(encoded));
    return 0;
  };
}

function decodeInput(entry: ExportSpec, label: string): unknown {
  const text = readInput(entry.exportName);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}...` : text;
    throw new NdPdkError(`${entry.exportName}: the input from Navidrome is not valid JSON (${(error as Error).message}): ${shown}`);
  }
  try {
    return decodeValue(entry.input as NonNullable<ExportSpec["input"]>, parsed);
  } catch (error) {
    throw error instanceof WireFormatError ? error.in(`${entry.exportName} input for ${label}`) : error;
  }
}
