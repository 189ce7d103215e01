// The worker thread of the wasm runtime of @nd/pdk-simulator (see wasm-thread.ts, which starts it).
//
// @extism/extism only offers an asynchronous `plugin.call`, but the simulator's services call the
// plugin synchronously. So the plugin runs here, and the main thread waits for this thread with
// Atomics.wait. Every message to the main thread goes over `port` and is followed by a notify on
// `signal[TO_MAIN]`. A host function posts its request and then blocks in Atomics.wait until the
// main thread, which runs the simulated service, posts the reply and notifies `signal[TO_WORKER]`.
//
// This file is plain JavaScript, shipped as it is in dist/, so that Node can start it from the
// TypeScript sources under vitest and from the built package alike.

import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";

import { guardReadOnlyMounts, preopensOf } from "./wasm-mounts.mjs";

const TO_MAIN = 0;
const TO_WORKER = 1;

// Extism log levels as get_log_level reports them; INT32_MAX turns logging off.
const LOG_LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 2147483647 };

// WASI clock ids and error numbers (wasi_snapshot_preview1).
const CLOCK_REALTIME = 0;
const ERRNO_SUCCESS = 0;
const ERRNO_INVAL = 28;

const { port, signal: signalBuffer } = workerData;
const signal = new Int32Array(signalBuffer);
// Go hands bytes over unchanged, so a byte order mark is kept, as in the QuickJS runtime.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Posts a message to the main thread and wakes it. */
function send(message) {
  port.postMessage(message);
  Atomics.add(signal, TO_MAIN, 1);
  Atomics.notify(signal, TO_MAIN);
}

/** Blocks until the main thread posts the reply to a host function request. */
function receiveReply() {
  for (;;) {
    const seen = Atomics.load(signal, TO_WORKER);
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return received.message;
    Atomics.wait(signal, TO_WORKER, seen);
  }
}

function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

process.on("uncaughtException", (error) => send({ type: "fatal", message: describe(error) }));
process.on("unhandledRejection", (error) => send({ type: "fatal", message: describe(error) }));

// Node prints an ExperimentalWarning for node:wasi, which @extism/extism uses, once per thread.
// It is noise in a test run, so only that warning is dropped.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  if (String(warning).startsWith("WASI is an experimental feature")) return;
  Reflect.apply(emitWarning, process, [warning, ...rest]);
};

/** Thrown inside a host function to abort the call, as a Go panic in Navidrome's host function does. */
class HostFunctionFailure extends Error {
  constructor(name, message) {
    super(message);
    this.name = "HostFunctionFailure";
    this.functionName = name;
  }
}

// @extism/extism 1.0.3 drops the export's return code, which Navidrome reads: a code other than 0
// fails the call. It also hands out the instance only after `_initialize` ran, but the WASI clock
// below needs the instance's memory from the start. So the instance is wrapped on its way to the SDK.
// The SDK also gives no access to node:wasi's functions before it links them, and the read-only
// mounts need them wrapped, so the imports are replaced on their way in.
// The patch exists in this worker thread only, and calls run one at a time, so `instantiateHooks`
// belong to the current call.
let instantiateHooks;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (source, imports, ...rest) {
  const hooks = instantiateHooks;
  const linked = hooks !== undefined && imports !== undefined ? hooks.imports(imports) : imports;
  const result = await Reflect.apply(instantiate, WebAssembly, [source, linked, ...rest]);
  return hooks !== undefined && result instanceof WebAssembly.Instance ? hooks.instance(result) : result;
};

function readText(context, offset) {
  // Offset 0 means no data. @extism/extism 1.0.3 would read its reserved first block instead.
  if (offset === 0n) return "";
  const block = context.read(offset);
  return block === null ? "" : utf8Decoder.decode(block.bytes());
}

/** Builds the host functions of one call: the permitted Navidrome functions, logs, errors and the clock. */
function createFunctions(call, state) {
  const user = {};
  for (const name of call.hostFunctions) {
    user[name] = (context, offset) => {
      send({ type: "host", name, request: readText(context, offset) });
      const reply = receiveReply();
      state.now = reply.now;
      if (reply.failure !== undefined) throw new HostFunctionFailure(name, reply.failure);
      return reply.text === undefined || reply.text === "" ? 0n : context.store(reply.text);
    };
  }

  const log = (level) => (context, offset) => {
    send({ type: "log", level, message: readText(context, offset) });
  };

  return {
    "extism:host/user": user,
    "extism:host/env": {
      // @extism/extism 1.0.3 lacks get_log_level and log_trace, and its log_* write to the console.
      get_log_level: () => LOG_LEVELS[call.logLevel],
      log_trace: log("trace"),
      log_debug: log("debug"),
      log_info: log("info"),
      log_warn: log("warn"),
      log_error: log("error"),
      // The output and the error are recorded here rather than by the SDK. @extism/extism 1.0.3
      // ignores the output length, loses the error text when the call then traps, and otherwise
      // throws it with a prefix.
      output_set: (context, offset, length) => {
        const block = context.read(offset);
        if (block === null) throw new Error(`output_set: offset 0x${offset.toString(16)} is not an allocated block`);
        if (length > BigInt(block.byteLength)) throw new Error(`output_set: length ${length} is longer than the block of ${block.byteLength} bytes`);
        state.output = { context, offset, length: Number(length) };
      },
      error_set: (context, offset) => {
        const block = context.read(offset);
        if (block === null) throw new Error(`error_set: offset 0x${offset.toString(16)} is not an allocated block`);
        state.errorText = utf8Decoder.decode(block.bytes());
      },
    },
    wasi_snapshot_preview1: {
      // The simulated clock replaces the wall clock, as in the other runtimes, so that the plugin's
      // `new Date()` agrees with the clock the services run on. Other clocks read the real one.
      clock_time_get: (_context, clockId, _precision, resultPointer) => {
        if (state.memory === undefined) return ERRNO_INVAL;
        let nanoseconds;
        if (clockId === CLOCK_REALTIME) nanoseconds = BigInt(Math.trunc(state.now)) * 1_000_000n;
        else if (clockId >= 1 && clockId <= 3) nanoseconds = process.hrtime.bigint();
        else return ERRNO_INVAL;
        new DataView(state.memory.buffer).setBigUint64(resultPointer, nanoseconds, true);
        return ERRNO_SUCCESS;
      },
    },
  };
}

/** Returns the output text, read as Go reads it after the call: `length` bytes of the block at `offset`. */
function readOutput(output) {
  if (output === undefined) return undefined;
  const block = output.context.read(output.offset);
  return block === null ? undefined : utf8Decoder.decode(block.bytes().subarray(0, output.length));
}

/** Returns the imports with node:wasi's functions guarded so that read-only `mounts` stay unchanged. */
function guardImports(imports, mounts, state) {
  const wasi = imports.wasi_snapshot_preview1;
  if (wasi === undefined) return imports;
  return { ...imports, wasi_snapshot_preview1: guardReadOnlyMounts(wasi, mounts, () => state.memory) };
}

/** Returns an instance-like object whose export `exportName` records its return code in `state`. */
function wrapInstance(instance, exportName, state) {
  state.memory = instance.exports.memory instanceof WebAssembly.Memory ? instance.exports.memory : undefined;
  const exports = { ...instance.exports };
  const target = instance.exports[exportName];
  if (typeof target === "function") {
    exports[exportName] = (...args) => {
      const code = target(...args);
      state.returnCode = typeof code === "number" ? code : 0;
      return code;
    };
  }
  return { exports };
}

/**
 * Runs one request in a fresh plugin instance, as Navidrome creates one per call. A request without
 * `exportName` only instantiates the plugin, which is how loading checks that it links.
 */
async function run(call) {
  // Imported here rather than at the top, so that a missing package reaches the main thread as a
  // failure message instead of a worker that never starts.
  const { default: createPlugin } = await import("@extism/extism");
  const state = { now: call.now, memory: undefined, returnCode: undefined, errorText: undefined, output: undefined };
  // Without a prototype, so that a key such as "toString" is not found by the SDK's `key in config`.
  const config = Object.assign(Object.create(null), call.config);

  let plugin;
  instantiateHooks = {
    imports: (imports) => guardImports(imports, call.mounts, state),
    instance: (instance) => wrapInstance(instance, call.exportName, state),
  };
  try {
    plugin = await createPlugin(
      { wasm: [{ module: call.module }] },
      { useWasi: true, allowedPaths: preopensOf(call.mounts), config, functions: createFunctions(call, state) },
    );
  } catch (error) {
    send({ type: "done", status: "instantiate-failed", message: describe(error) });
    return;
  } finally {
    instantiateHooks = undefined;
  }

  try {
    if (call.exportName === null) {
      send({ type: "done", status: "loaded" });
      return;
    }
    send({ type: "started" });
    try {
      await plugin.call(call.exportName, call.input);
    } catch (error) {
      if (error instanceof HostFunctionFailure) {
        send({ type: "done", status: "host-failed", name: error.functionName, message: error.message });
      } else {
        send({ type: "done", status: "trapped", message: describe(error), errorText: state.errorText });
      }
      return;
    }
    send({
      type: "done",
      status: "returned",
      returnCode: state.returnCode ?? 0,
      errorText: state.errorText,
      output: readOutput(state.output),
    });
  } finally {
    await plugin.close();
  }
}

// One call at a time: a call that is still closing its plugin finishes before the next one starts.
let queue = Promise.resolve();
parentPort.on("message", (call) => {
  queue = queue.then(() => run(call)).catch((error) => send({ type: "fatal", message: describe(error) }));
});
