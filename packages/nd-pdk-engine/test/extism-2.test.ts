import createPlugin from "@extism/extism-2";
import { beforeAll, describe, expect, test } from "vitest";

import { compileMinimalBiography } from "./support/minimal-biography.js";
import { SKIP_ENGINE } from "./support/skip.js";

const biographies = JSON.stringify({ "Nina Simone": "Pianist, singer and songwriter, called the High Priestess of Soul." });

interface Outcome {
  readonly output: string | null;
  readonly logs: readonly string[];
}

/**
 * Calls the plugin in @extism/extism 2.0.0-rc13 without replacing any kernel function. Unlike 1.0.3,
 * this release has get_log_level and log_trace, so the module links against its kernel unchanged.
 */
async function call(module: WebAssembly.Module, input: string, config: Record<string, string>): Promise<Outcome> {
  const logs: string[] = [];
  const record = (level: string) => (message: string) => logs.push(`${level}: ${message}`);
  const plugin = await createPlugin(
    { wasm: [{ module }], config },
    {
      useWasi: true,
      logLevel: "debug",
      logger: { trace: record("trace"), debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error"), log: record("log") } as unknown as Console,
      functions: {
        "extism:host/user": {
          config_get(context, offset) {
            const request = context.read(offset)?.json() as { key: string };
            const value = config[request.key];
            return context.store(JSON.stringify(value === undefined ? {} : { value, exists: true }));
          },
        },
      },
    },
  );
  try {
    const output = await plugin.call("nd_get_artist_biography", input);
    return { output: output === null ? null : output.text(), logs };
  } finally {
    await plugin.close();
  }
}

// The engine's plugins must load in more than one Extism host release. The simulator runs every
// example in 1.0.3, and this file checks the newer kernel with the smallest example.
describe.skipIf(SKIP_ENGINE)("minimal-biography in @extism/extism 2.0.0-rc13", () => {
  let module: WebAssembly.Module;

  beforeAll(async () => {
    module = await compileMinimalBiography();
  });

  test("returns the configured biography", async () => {
    const outcome = await call(module, JSON.stringify({ id: "ar-1", name: "Nina Simone" }), { biographies });
    expect(outcome.output).toBe('{"biography":"Pianist, singer and songwriter, called the High Priestess of Soul."}');
  });

  test("logs through the host's kernel at its level", async () => {
    const outcome = await call(module, JSON.stringify({ id: "ar-9", name: "Unknown Artist" }), { biographies });
    expect(outcome.output).toBeNull();
    expect(outcome.logs).toEqual(['debug: no biography configured artist="Unknown Artist"']);
  });

  test("fails the call with the plugin's message", async () => {
    const outcome = call(module, JSON.stringify({ id: "ar-1", name: "Nina Simone" }), { biographies: "{not json" });
    await expect(outcome).rejects.toThrow(/Exception: plugin configuration "biographies" is "\{not json", which is not valid JSON/);
  });
});
