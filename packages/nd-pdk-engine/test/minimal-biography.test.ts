import { beforeAll, describe, expect, test } from "vitest";

import { callPlugin } from "./support/extism-host.js";
import { compileMinimalBiography } from "./support/minimal-biography.js";
import { SKIP_ENGINE } from "./support/skip.js";

const biographies = JSON.stringify({
  "Nina Simone": "Pianist, singer and songwriter, called the High Priestess of Soul.",
  "Miles Davis": "Trumpeter who shaped bebop, cool jazz and jazz fusion.",
});

// The same scenarios as the example's own tests, run on the plugin compiled to wasm by the engine
// and called through a real Extism host.
describe.skipIf(SKIP_ENGINE)("minimal-biography compiled by the engine", () => {
  let module: WebAssembly.Module;

  beforeAll(async () => {
    module = await compileMinimalBiography();
  });

  test("returns the configured biography, matching the name in any case", async () => {
    const outcome = await callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: "ar-1", name: "nina simone" }), { config: { biographies } });
    expect(outcome.output).toBe('{"biography":"Pianist, singer and songwriter, called the High Priestess of Soul."}');
  });

  test("returns no data for an artist without a biography", async () => {
    const outcome = await callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: "ar-9", name: "Unknown Artist" }), {
      config: { biographies },
      logLevel: "debug",
    });
    expect(outcome.output).toBeNull();
    expect(outcome.logs).toEqual([{ level: "debug", message: 'no biography configured artist="Unknown Artist"' }]);
  });

  test("sends no log message below the host's level", async () => {
    const outcome = await callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: "ar-9", name: "Unknown Artist" }), {
      config: { biographies },
      logLevel: "info",
    });
    expect(outcome.logs).toEqual([]);
  });

  test("returns no data when the setting is missing", async () => {
    const outcome = await callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: "ar-1", name: "Nina Simone" }));
    expect(outcome.output).toBeNull();
  });

  test("fails with the setting's name when it is not valid JSON", async () => {
    const call = callPlugin(module, "nd_get_artist_biography", JSON.stringify({ id: "ar-1", name: "Nina Simone" }), { config: { biographies: "{not json" } });
    const error = await call.then(
      () => undefined,
      (reason: unknown) => reason as Error,
    );
    expect(error).toBeInstanceOf(Error);
    const text = error!.message;
    expect(text).toMatch(
      /^Plugin-originated error: Exception: plugin configuration "biographies" is "\{not json", which is not valid JSON; correct it in the plugin's settings in Navidrome\n/,
    );
    expect(text).toContain("(eval_script:");
  });

  test("fails with the PDK's message when the input is not JSON", async () => {
    const call = callPlugin(module, "nd_get_artist_biography", "not json", { config: { biographies } });
    await expect(call).rejects.toThrow(/^Plugin-originated error: Exception: nd_get_artist_biography: the input from Navidrome is not valid JSON/);
  });

  test("exports only the biography method", () => {
    const functions = WebAssembly.Module.exports(module).filter((entry) => entry.kind === "function");
    expect(functions.map((entry) => entry.name)).toEqual(["nd_get_artist_biography"]);
  });

  test("imports only config_get from extism:host/user", () => {
    const user = WebAssembly.Module.imports(module).filter((entry) => entry.module === "extism:host/user");
    expect(user.map((entry) => entry.name)).toEqual(["config_get"]);
  });
});
