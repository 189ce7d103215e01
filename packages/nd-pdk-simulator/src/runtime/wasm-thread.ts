/**
 * The worker threads of the wasm runtime and the synchronous exchange with them.
 *
 * A request is posted to the worker (`wasm-worker.mjs`), and the main thread then blocks with
 * `Atomics.wait` until the worker posts the outcome. Every message of the worker goes over a
 * `MessagePort` that the main thread reads with `receiveMessageOnPort`, and is followed by a notify
 * on a shared signal. Log records are written to the bridge as they arrive. For a host function,
 * the worker blocks in turn while the main thread runs the simulated service and posts the reply.
 *
 * The worker threads are shared by every wasm plugin of this module instance: one per level of
 * nesting, because a service may call the plugin again while a host function of an outer call is
 * still running. They are unref'd, so they never keep the process alive, and they are stopped after 5
 * seconds without calls (`IDLE_STOP_MS`).
 *
 * @module
 */
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

import type { LogLevel } from "../host/service.js";
import type { HostBridge } from "./bridge.js";
import { logEnabled } from "./bridge.js";

/** A request the main thread posts to a worker. */
export interface CallRequest {
  /** The compiled plugin (`WebAssembly.Module`); posting it does not compile it again. */
  readonly module: object;
  /** The export to call, or null to only instantiate the plugin. */
  readonly exportName: string | null;
  readonly input: string;
  readonly config: Readonly<Record<string, string>>;
  readonly logLevel: LogLevel | "off";
  readonly hostFunctions: readonly string[];
  /** The WASI preopens, in the order that numbers their descriptors from 3. */
  readonly mounts: readonly WasmMount[];
  /** Simulated Unix time in milliseconds. */
  readonly now: number;
}

/** A host folder mounted into the plugin as a WASI preopen. */
export interface WasmMount {
  /** The guest path, such as `/storage`. */
  readonly guestPath: string;
  /** The folder on the host. */
  readonly dir: string;
  /** Whether the plugin may change the folder; the worker rejects changes to the others with EROFS. */
  readonly writable: boolean;
}

/** The outcome of a worker request. */
export type WorkerResult =
  | { readonly status: "loaded" }
  | { readonly status: "instantiate-failed"; readonly message: string }
  | { readonly status: "returned"; readonly returnCode: number; readonly errorText?: string; readonly output?: string }
  | { readonly status: "trapped"; readonly message: string; readonly errorText?: string }
  | { readonly status: "host-failed"; readonly name: string; readonly message: string }
  /** The export ran past the time limit. */
  | { readonly status: "timed-out" }
  /** The worker did not start the export within {@link STARTUP_LIMIT_MS}. */
  | { readonly status: "start-timed-out" };

type WorkerMessage =
  | { readonly type: "started" }
  | { readonly type: "log"; readonly level: string; readonly message: string }
  | { readonly type: "host"; readonly name: string; readonly request: string }
  | { readonly type: "fatal"; readonly message: string }
  | ({ readonly type: "done" } & WorkerResult);

// Starting a worker and instantiating a plugin took under a second in this package's tests on
// 2 cores, so the limit only catches a worker that never replies.
export const STARTUP_LIMIT_MS = 30_000;
// Idle workers are stopped after this long, because every test file of a vitest run gets its own
// module instance and so its own workers.
const IDLE_STOP_MS = 5_000;

// Positions in the shared signal: a counter per direction, raised with every message.
const TO_MAIN = 0;
const TO_WORKER = 1;

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(["trace", "debug", "info", "warn", "error"]);

/** One worker thread and the channel the main thread reads synchronously. */
class WasmThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal = new Int32Array(new SharedArrayBuffer(8));
  #failure: string | undefined;

  constructor() {
    const channel = new MessageChannel();
    this.#port = channel.port1;
    this.#worker = new Worker(new URL("./wasm-worker.mjs", import.meta.url), {
      workerData: { port: channel.port2, signal: this.#signal.buffer },
      transferList: [channel.port2],
    });
    this.#worker.unref();
    // These events arrive only between calls, because a call never yields to the event loop.
    this.#worker.on("error", (error) => {
      this.#failure = error.message;
    });
    this.#worker.on("exit", (code) => {
      this.#failure ??= `the worker exited with code ${code}`;
    });
  }

  /** Whether the worker died between two calls. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /**
   * Posts `request` and serves the worker's log and host function messages until it reports the
   * outcome. Throws when the worker reports a failure of its own, and the caller must then stop it.
   */
  run(request: CallRequest, bridge: HostBridge, timeoutMs: number): WorkerResult {
    this.#worker.postMessage(request);

    let started = false;
    let deadline = performance.now() + STARTUP_LIMIT_MS;
    for (;;) {
      const seen = Atomics.load(this.#signal, TO_MAIN);
      const received = receiveMessageOnPort(this.#port) as { message: WorkerMessage } | undefined;
      if (received === undefined) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) return { status: started ? "timed-out" : "start-timed-out" };
        Atomics.wait(this.#signal, TO_MAIN, seen, remaining);
        continue;
      }

      const message = received.message;
      switch (message.type) {
        case "done":
          return message;
        case "started":
          started = true;
          deadline = performance.now() + timeoutMs;
          break;
        case "log":
          writeLog(bridge, message.level, message.message);
          break;
        case "host":
          this.#reply(runHostFunction(bridge, message.name, message.request), bridge);
          break;
        case "fatal":
          throw new Error(`the wasm worker thread failed: ${message.message}`);
      }
    }
  }

  stop(): void {
    this.#port.close();
    void this.#worker.terminate();
  }

  #reply(reply: { text?: string; failure?: string }, bridge: HostBridge): void {
    this.#port.postMessage({ ...reply, now: bridge.now() });
    Atomics.add(this.#signal, TO_WORKER, 1);
    Atomics.notify(this.#signal, TO_WORKER);
  }
}

function writeLog(bridge: HostBridge, level: string, message: string): void {
  if (LEVELS.has(level) && logEnabled(bridge, level as LogLevel)) bridge.log(level as LogLevel, message);
}

function runHostFunction(bridge: HostBridge, name: string, request: string): { text?: string; failure?: string } {
  const fn = bridge.functions.get(name);
  if (fn === undefined) return { failure: `the simulated Navidrome does not provide ${name}` };
  try {
    const text = fn(request);
    return text === undefined ? {} : { text };
  } catch (error) {
    // A Go panic inside a host function aborts the whole wasm call; the plugin cannot catch it.
    return { failure: error instanceof Error ? error.message : String(error) };
  }
}

/** The worker threads by nesting level. */
const threads: (WasmThread | undefined)[] = [];
let depth = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

function stopThread(level: number): void {
  threads[level]?.stop();
  threads[level] = undefined;
}

function scheduleIdleStop(): void {
  if (idleTimer !== undefined) {
    idleTimer.refresh();
    return;
  }
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (depth > 0) return;
    for (const level of threads.keys()) stopThread(level);
  }, IDLE_STOP_MS);
  idleTimer.unref();
}

/**
 * Runs `request` on the worker of the current nesting level, starting one when needed, and blocks
 * until it ends. A worker that timed out or failed is stopped, and the next request starts a new one.
 *
 * @throws {Error} when the worker thread itself failed (it could not load @extism/extism, for example).
 */
export function runOnThread(request: CallRequest, bridge: HostBridge, timeoutMs: number): WorkerResult {
  const level = depth;
  if (threads[level]?.failed) stopThread(level);
  const thread = threads[level] ?? new WasmThread();
  threads[level] = thread;

  depth++;
  let result: WorkerResult;
  try {
    result = thread.run(request, bridge, timeoutMs);
  } catch (error) {
    // The worker may be blocked on a reply that will never come, so it cannot be reused.
    stopThread(level);
    throw error;
  } finally {
    depth--;
    if (depth === 0) scheduleIdleStop();
  }

  // Terminating the worker is the only way to stop wasm code that is still running.
  if (result.status === "timed-out" || result.status === "start-timed-out") stopThread(level);
  return result;
}
