import { hasErrorMarker, NdPdkError, setErrorMarker } from "./nd-pdk-error.js";

const MARKER = "nd-pdk.error.host-call";

/** Reason a host call failed. */
export type HostCallFailure =
  /** Navidrome ran the call and reported an error in the reply's `error` key. */
  | "host-error"
  /** The host function returned offset 0, so there is no reply to read. */
  | "no-reply"
  /** The reply is not valid JSON. */
  | "invalid-reply"
  /** The plugin was built without this host function, or runs outside a Navidrome runtime. */
  | "unavailable";

/**
 * A host function call that failed: Navidrome reported an error, gave no reply, or the function is
 * not available to the plugin.
 *
 * @example
 * ```ts
 * try {
 *   kvstore.set("token", bytes);
 * } catch (error) {
 *   if (HostCallError.isInstance(error) && error.failure === "host-error") {
 *     console.warn(`storage refused the write: ${error.hostMessage}`);
 *   }
 *   throw error;
 * }
 * ```
 */
export class HostCallError extends NdPdkError {
  /** The host service, as its PDK module is named (`kvstore`, `task`, ...). */
  readonly service: string;
  /** The PDK function that was called (`get`, `enqueue`, ...). */
  readonly function: string;
  /** The wasm import name of the host function (`kvstore_get`). */
  readonly importName: string;
  /** Reason the call failed. */
  readonly failure: HostCallFailure;
  /** The error text Navidrome returned, or a description of the failure. */
  readonly hostMessage: string;

  /** Creates the error of one failed call; the message combines the service, function, import and host message. */
  constructor(service: string, fn: string, importName: string, failure: HostCallFailure, hostMessage: string) {
    super(`${service}.${fn} (${importName}): ${hostMessage}`);
    this.name = "HostCallError";
    setErrorMarker(this, MARKER);
    this.service = service;
    this.function = fn;
    this.importName = importName;
    this.failure = failure;
    this.hostMessage = hostMessage;
  }

  /** Returns true when `error` is a {@link HostCallError} from any copy of the PDK. */
  static override isInstance(error: unknown): error is HostCallError {
    return hasErrorMarker(error, MARKER);
  }
}
