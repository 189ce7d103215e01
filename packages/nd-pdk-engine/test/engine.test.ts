import { beforeAll, describe, expect, test } from "vitest";

import { compilePlugin } from "../src/index.js";
import { KernelHost } from "./support/kernel-host.js";
import { SKIP_ENGINE } from "./support/skip.js";


const INTERFACE = `
declare module "main" {
  export function nd_echo(): I32;
  export function nd_count(): I32;
  export function nd_code(): I32;
  export function nd_throw_string(): I32;
  export function nd_async_ok(): I32;
  export function nd_async_reject(): I32;
  export function nd_pending(): I32;
  export function nd_host(): I32;
  export function nd_log(): I32;
  export function nd_config(): I32;
  export function nd_numbers(): I32;
  export function nd_recursion(): I32;
  export function nd_missing(): I32;
  export function nd_not_function(): I32;
}

declare module "extism:host" {
  interface user {
    kv_get(ptr: PTR): PTR;
    kv_put(ptr: PTR): PTR;
  }
}
`;

const BUNDLE = `
var calls = 0;
module.exports = {
  nd_echo: function () { Host.outputString(Host.inputString().toUpperCase()); return 0; },
  nd_count: function () {
    calls++;
    Var.set("count", String(calls));
    Host.outputString(calls + "/" + Var.getString("count"));
  },
  nd_code: function () { return 7; },
  nd_throw_string: function () { throw "boom"; },
  nd_async_ok: async function () { await null; Host.outputString("async done"); return 0; },
  nd_async_reject: async function () { await Promise.resolve(); throw new Error("late failure"); },
  nd_pending: function () { return new Promise(function () {}); },
  nd_host: function () {
    var host = Host.getFunctions();
    var request = Memory.fromString(Host.inputString());
    var reply = Memory.find(host.kv_get(request.offset));
    Host.outputString(reply === undefined ? "no reply" : reply.readString());
  },
  nd_log: function () { console.debug("debug line"); console.log("info line", 1, [2, 3]); console.error("error line"); },
  nd_config: function () { Host.outputString(String(Config.get("greeting")) + " " + String(Config.get("absent"))); },
  nd_numbers: function () { Host.outputString([(0.5).toFixed(0), (1.005).toFixed(2), (2.5).toFixed(0), (1.45).toFixed(1), JSON.stringify({ x: 0.1 + 0.2 })].join(" ")); },
  nd_recursion: function () {
    var reached = 0;
    function depth(n) { reached = n; return 1 + depth(n + 1); }
    try { depth(0); } catch (error) { Host.outputString(error.name + ": " + error.message + " at depth " + (reached >= 1000 ? "1000+" : reached)); }
  },
  nd_not_function: 42,
};
`;

describe.skipIf(SKIP_ENGINE)("engine calls", () => {
  let module: WebAssembly.Module;
  let host: KernelHost;

  beforeAll(async () => {
    const { wasm } = await compilePlugin({ bundle: BUNDLE, interfaceText: INTERFACE });
    module = await WebAssembly.compile(wasm);
  });

  beforeAll(async () => {
    host = await KernelHost.create(module, {
      hostFunctions: { kv_get: (request) => `value of ${request}`, kv_put: () => undefined },
      config: { greeting: "hello" },
      logLevel: 2,
    });
  });

  test("input and output round-trip as UTF-8", () => {
    expect(host.call("nd_echo", "grüße, 世界")).toMatchObject({ code: 0, output: "GRÜSSE, 世界", error: null });
  });

  test("module state and vars persist across calls of one instance", () => {
    expect(host.call("nd_count", "").output).toBe("1/1");
    expect(host.call("nd_count", "").output).toBe("2/2");
  });

  test("a returned number is the return code", () => {
    expect(host.call("nd_code", "")).toMatchObject({ code: 7, error: null });
  });

  test("a thrown string fails the call with its debug rendering", () => {
    expect(host.call("nd_throw_string", "")).toMatchObject({ code: -1, error: 'Exception: String(Ok("boom"))' });
  });

  test("an async export runs to completion before the call returns", () => {
    expect(host.call("nd_async_ok", "")).toMatchObject({ code: 0, output: "async done", error: null });
  });

  test("a rejected promise fails the call with its message", () => {
    const result = host.call("nd_async_reject", "");
    expect(result.code).toBe(-1);
    expect(result.error).toMatch(/^Exception: late failure\n {4}at /);
  });

  test("a promise that never settles fails the call", () => {
    const result = host.call("nd_pending", "");
    expect(result.code).toBe(-1);
    expect(result.error).toContain("The promise returned by the export nd_pending never settled");
  });

  test("host functions are called by name with the request block", () => {
    expect(host.call("nd_host", "artist")).toMatchObject({ code: 0, output: "value of artist" });
  });

  test("console messages below the host's level are not sent", () => {
    expect(host.call("nd_log", "").logs).toEqual([
      { level: 2, message: "info line 1 [ 2, 3 ]" },
      { level: 4, message: "error line" },
    ]);
  });

  test("Config.get reads the kernel config and returns null when absent", () => {
    expect(host.call("nd_config", "").output).toBe("hello null");
  });

  test("numbers format as in V8", () => {
    expect(host.call("nd_numbers", "").output).toBe('1 1.00 3 1.4 {"x":0.30000000000000004}');
  });

  // QuickJS 2021-03-27 reports a stack overflow as InternalError, where V8 throws RangeError.
  test("deep recursion throws a catchable stack overflow error", () => {
    expect(host.call("nd_recursion", "")).toMatchObject({ code: 0, output: "InternalError: stack overflow at depth 1000+", trap: undefined });
  });

  test("a declared export missing from module.exports fails by name", () => {
    expect(host.call("nd_missing", "")).toMatchObject({ code: -1, error: expect.stringContaining("module.exports has no key nd_missing") });
  });

  test("a declared export that is not a function fails by name", () => {
    expect(host.call("nd_not_function", "")).toMatchObject({ code: -1, error: "module.exports.nd_not_function is a number, not a function." });
  });

  test("a call after a failed call still works", () => {
    host.call("nd_async_reject", "");
    expect(host.call("nd_echo", "again")).toMatchObject({ code: 0, output: "AGAIN", error: null });
  });
});

describe.skipIf(SKIP_ENGINE)("engine build failures", () => {
  const exportsOnly = 'declare module "main" { export function nd_run(): I32; }';

  test("top-level console use fails the build with the facility's name", async () => {
    const build = compilePlugin({ bundle: 'console.log("at load"); module.exports = { nd_run: function () { return 0; } };', interfaceText: exportsOnly });
    await expect(build).rejects.toThrow(/console\.log cannot be used at module top level/);
  });

  test("a top-level exception fails the build with its message", async () => {
    const build = compilePlugin({ bundle: 'throw new Error("broken at load");', interfaceText: exportsOnly });
    await expect(build).rejects.toThrow(/Exception: broken at load\n/);
  });

  test("an unsupported export signature is rejected", async () => {
    const build = compilePlugin({ bundle: "", interfaceText: 'declare module "main" { export function nd_run(): void; }' });
    await expect(build).rejects.toThrow("export nd_run must be declared as nd_run(): I32");
  });
});
