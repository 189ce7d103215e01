/**
 * The one place that touches the extism-js globals (`Host`, `Memory`). Everything above works with
 * typed values; everything here works with offsets and JSON text.
 *
 * @module
 */
import type { Codec } from "../codec.js";
import { decodeValue, encodeValue } from "../codec.js";
import { HostCallError } from "../errors/host-call-error.js";
import { NdPdkError } from "../errors/nd-pdk-error.js";
import { WireFormatError } from "../errors/wire-format-error.js";

/** A block of Extism memory, as extism-js hands it out. */
interface MemoryHandle {
  readonly offset: bigint | number;
  readString(): string;
  free(): void;
}

/** The part of the extism-js `Host` global the PDK uses. */
interface ExtismHost {
  inputString(): string;
  outputString(output: string): boolean;
  getFunctions(): Record<string, ((offset: bigint | number) => number | bigint) | undefined>;
}

/** The part of the extism-js `Memory` global the PDK uses. */
interface ExtismMemory {
  fromString(text: string): MemoryHandle;
  find(offset: bigint | number): MemoryHandle | undefined;
}

interface ExtismGlobals {
  Host?: ExtismHost;
  Memory?: ExtismMemory;
}

/** Description of one host function, as its generated wrapper passes it. */
export interface HostFunction {
  /** The PDK module (`kvstore`). */
  readonly service: string;
  /** The PDK function (`get`). */
  readonly name: string;
  /** The wasm import in `extism:host/user` (`kvstore_get`). */
  readonly importName: string;
  /** The request object; absent for functions without parameters, which send `{}`. */
  readonly request?: Codec;
  /** The reply object without its `error` key; absent for functions that return only an error. */
  readonly response?: Codec;
}

function globals(): ExtismGlobals {
  return globalThis as unknown as ExtismGlobals;
}

function requireHost(context: string): ExtismHost {
  const host = globals().Host;
  if (host === undefined) {
    throw new NdPdkError(
      `${context}: the extism-js global "Host" is missing. Run the plugin inside extism-js (build it with nd-pdk build) or inside the @nd/pdk simulator.`,
    );
  }
  return host;
}

// Host.getFunctions() builds a fresh object of wrappers on every call, so the result is kept. The cache
// is keyed by the Host object itself because a test harness may install a new Host between calls.
let cachedHost: ExtismHost | undefined;
let cachedFunctions: ReturnType<ExtismHost["getFunctions"]> | undefined;

function hostFunctions(host: ExtismHost): ReturnType<ExtismHost["getFunctions"]> {
  if (cachedHost !== host || cachedFunctions === undefined) {
    cachedFunctions = host.getFunctions();
    cachedHost = host;
  }
  return cachedFunctions;
}

const EMPTY_REQUEST = "{}";

/**
 * Calls one Navidrome host function: encodes `request` as the JSON the host expects, passes it through
 * Extism memory, and decodes the reply.
 *
 * @returns the decoded reply without its `error` key, or `undefined` for functions that return only an
 * error. `Reply` is the shape that the reply codec produces.
 * @throws {HostCallError} when Navidrome reports an error, returns no reply, returns text that is not
 * JSON, or the function is not available to the plugin.
 * @throws {WireFormatError} when the request or the reply does not match the wire format.
 */
export function callHost<Reply = undefined>(fn: HostFunction, request?: Record<string, unknown>): Reply {
  const label = `${fn.service}.${fn.name}`;
  const host = requireHost(label);
  const memory = globals().Memory as ExtismMemory;
  const imported = hostFunctions(host)[fn.importName];
  if (imported === undefined) {
    throw new HostCallError(
      fn.service,
      fn.name,
      fn.importName,
      "unavailable",
      `the host function "${fn.importName}" is not imported by this plugin. Build the plugin with nd-pdk build, which declares every host function the code uses.`,
    );
  }

  let requestText = EMPTY_REQUEST;
  if (fn.request !== undefined) {
    try {
      requestText = JSON.stringify(encodeValue(fn.request, request));
    } catch (error) {
      throw error instanceof WireFormatError ? error.in(`${label} (${fn.importName}) request`) : error;
    }
  }

  const requestHandle = memory.fromString(requestText);
  const replyOffset = imported(requestHandle.offset);
  requestHandle.free();

  const replyHandle = replyOffset === 0 || replyOffset === 0n ? undefined : memory.find(replyOffset);
  if (replyHandle === undefined) {
    throw new HostCallError(fn.service, fn.name, fn.importName, "no-reply", "the host returned no reply (offset 0)");
  }
  const replyText = replyHandle.readString();
  replyHandle.free();

  return decodeReply(fn, replyText) as Reply;
}

/**
 * Parses and checks the reply text of a host function.
 */
export function decodeReply(fn: HostFunction, replyText: string): Record<string, unknown> | undefined {
  let reply: unknown;
  try {
    reply = JSON.parse(replyText);
  } catch (error) {
    const shown = replyText.length > 80 ? `${replyText.slice(0, 80)}...` : replyText;
    throw new HostCallError(
      fn.service,
      fn.name,
      fn.importName,
      "invalid-reply",
      `the host reply is not valid JSON (${(error as Error).message}): ${shown}`,
    );
  }

  if (typeof reply !== "object" || reply === null || Array.isArray(reply)) {
    const shown = replyText.length > 80 ? `${replyText.slice(0, 80)}...` : replyText;
    throw new HostCallError(fn.service, fn.name, fn.importName, "invalid-reply", `the host reply is not a JSON object: ${shown}`);
  }

  const error = (reply as Record<string, unknown>)["error"];
  if (error !== undefined && error !== null && error !== "") {
    const message = typeof error === "string" ? error : JSON.stringify(error);
    throw new HostCallError(fn.service, fn.name, fn.importName, "host-error", message);
  }

  if (fn.response === undefined) return undefined;
  try {
    return decodeValue(fn.response, reply) as Record<string, unknown>;
  } catch (decodeError) {
    throw decodeError instanceof WireFormatError ? decodeError.in(`${fn.service}.${fn.name} (${fn.importName}) reply`) : decodeError;
  }
}

/**
 * Returns the input of the current export call as text.
 */
export function readInput(exportName: string): string {
  return requireHost(exportName).inputString();
}

/**
 * Sets the output of the current export call.
 */
export function writeOutput(exportName: string, output: string): void {
  requireHost(exportName).outputString(output);
}

/** Description of one capability export, for the generated bindings. */
export interface ExportSpec {
  /** The method a plugin implements (`isAuthorized`). */
  readonly method: string;
  /** The wasm export Navidrome calls (`nd_scrobbler_is_authorized`). */
  readonly exportName: string;
  /** The input Navidrome sends; absent when it sends none worth reading. */
  readonly input?: Codec;
  /** The output the export writes; absent when it writes none. */
  readonly output?: Codec;
}

/** Description of one capability, for the generated bindings. */
export interface CapabilitySpec {
  /** Navidrome's name of the capability (`Scrobbler`). */
  readonly capability: string;
  /** The key of the capability in `definePlugin` (`scrobbler`). */
  readonly key: string;
  /** Whether a plugin that implements the capability must implement every method. */
  readonly required: boolean;
  readonly exports: readonly ExportSpec[];
}
