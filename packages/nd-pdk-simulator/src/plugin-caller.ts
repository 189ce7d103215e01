import type { PluginParts } from "@nd/pdk-capabilities";
import { capabilitySpecs } from "@nd/pdk-capabilities";
import { decodeValue, encodeValue } from "@nd/pdk-types";

import type { CallOutcome } from "./host/service.js";

/** The outcome of a typed capability call: like {@link CallOutcome}, with the output decoded. */
export type CallResult<T> =
  | {
      /** Marks a call that wrote output. */
      readonly kind: "output";
      /** The output decoded into the method's result type. */
      readonly value: T;
      /** The output text as the plugin wrote it. */
      readonly output: string;
    }
  | Exclude<
      CallOutcome,
      {
        /** Selects the output outcome, which is replaced by the decoded one above. */
        readonly kind: "output";
      }
    >;

type Method<F> = F extends (...args: infer Args) => infer Result
  ? (...args: Args) => CallResult<Exclude<Result, undefined | null | void>>
  : never;

/** Typed calls to one capability's exports, as Navidrome makes them. */
export type CapabilityCaller<C> = { readonly [M in keyof C]-?: Method<NonNullable<C[M]>> };

/** Typed calls to every capability's exports, by `definePlugin` key. */
export type PluginCaller = { readonly [K in keyof PluginParts]-?: CapabilityCaller<NonNullable<PluginParts[K]>> };

/**
 * Builds typed callers over a raw `call(exportName, inputText)`: each method encodes its request as
 * Navidrome would send it and decodes the output into the method's result type.
 */
export function createPluginCaller(call: (exportName: string, input: string) => CallOutcome): PluginCaller {
  const caller: Record<string, Record<string, (request?: unknown) => CallResult<unknown>>> = {};

  for (const [key, spec] of Object.entries(capabilitySpecs)) {
    const methods: Record<string, (request?: unknown) => CallResult<unknown>> = {};
    for (const entry of spec.exports) {
      methods[entry.method] = (request?: unknown): CallResult<unknown> => {
        // Navidrome sends "{}" to exports that take no input.
        const input = entry.input === undefined ? "{}" : JSON.stringify(encodeValue(entry.input, request));
        const outcome = call(entry.exportName, input);
        if (outcome.kind !== "output") return outcome;
        if (entry.output === undefined) return { kind: "no-data" };
        return { kind: "output", value: decodeValue(entry.output, JSON.parse(outcome.output)), output: outcome.output };
      };
    }
    caller[key] = methods;
  }

  return caller as unknown as PluginCaller;
}
