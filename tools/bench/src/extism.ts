/**
 * Plugin modules compiled by `@nd/pdk-engine`, run in `@extism/extism` 1.0.3 in this process. The
 * simulator's wasm runtime runs them in a worker thread instead, whose thread hops would dominate
 * the times measured here.
 *
 * @module
 */
import type { CallContext, Plugin } from "@extism/extism";
import createPlugin from "@extism/extism";

import type { HostFunctionImplementation } from "./engine.js";

/** The level get_log_level reports to turn logging off (INT32_MAX, as Extism defines it). */
const LOG_LEVEL_OFF = 2147483647;

type ExtismHostFunction = (context: CallContext, offset: bigint) => bigint | undefined;

function ignoreLog(): undefined {
  return undefined;
}

/**
 * Creates a fresh instance of `module` with WASI on, as Navidrome creates one per call. Each host
 * function reads its request text and stores the reply its implementation returns (offset 0 for
 * `undefined`).
 *
 * Rejects with a `WebAssembly.LinkError` when the module imports a host function that
 * `hostFunctions` lacks.
 */
export function instantiateExtismPlugin(module: WebAssembly.Module, hostFunctions: ReadonlyMap<string, HostFunctionImplementation>): Promise<Plugin> {
  const user: Record<string, ExtismHostFunction> = {};
  for (const [name, implementation] of hostFunctions) {
    user[name] = (context, offset) => {
      // Offset 0 means no request. @extism/extism 1.0.3 would read its reserved first block instead.
      const request = offset === 0n ? "" : (context.read(offset)?.text() ?? "");
      const reply = implementation(request);
      return reply === undefined ? 0n : context.store(reply);
    };
  }

  return createPlugin(
    { wasm: [{ module }] },
    {
      useWasi: true,
      functions: {
        "extism:host/user": user,
        // @extism/extism 1.0.3 lacks get_log_level and log_trace, which the engine imports, and its
        // own log functions write to the console. Logging is off, as in the QuickJS-ng runs.
        "extism:host/env": {
          get_log_level: () => LOG_LEVEL_OFF,
          log_trace: ignoreLog,
          log_debug: ignoreLog,
          log_info: ignoreLog,
          log_warn: ignoreLog,
          log_error: ignoreLog,
        },
      },
    },
  );
}

/**
 * Calls one export and returns its output text, or `undefined` when it set none.
 *
 * Rejects when the export set an error or trapped.
 */
export async function callExtismPlugin(plugin: Plugin, exportName: string, input: string): Promise<string | undefined> {
  const output = await plugin.call(exportName, input);
  return output === null ? undefined : output.text();
}
