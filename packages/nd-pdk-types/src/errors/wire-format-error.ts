import { hasErrorMarker, NdPdkError, setErrorMarker } from "./nd-pdk-error.js";

const MARKER = "nd-pdk.error.wire-format";

/**
 * A JSON value that does not have the shape the Navidrome wire format requires: a missing key, a wrong
 * type, invalid base64, or an integer JavaScript cannot hold exactly.
 *
 * `path` points at the value, for example `track.artists[0].name`; `context` names the call or export
 * it belongs to, once known.
 */
export class WireFormatError extends NdPdkError {
  /** Location of the value inside the JSON document, empty for the document itself. */
  readonly path: string;
  /** Requirement of the wire format at `path`. */
  readonly expected: string;
  /** A short rendering of what was found instead. */
  readonly received: string;
  /** The call or export the value belongs to, such as `kvstore.get (kvstore_get) reply`. */
  readonly context: string;

  /** Creates the error; the message is built from the context, path, expected and received values. */
  constructor(expected: string, received: string, path = "", context = "") {
    super(WireFormatError.describe(context, path, expected, received));
    this.name = "WireFormatError";
    setErrorMarker(this, MARKER);
    this.expected = expected;
    this.received = received;
    this.path = path;
    this.context = context;
  }

  /** Returns true when `error` is a {@link WireFormatError} from any copy of the PDK. */
  static override isInstance(error: unknown): error is WireFormatError {
    return hasErrorMarker(error, MARKER);
  }

  /**
   * Returns a copy of this error whose path starts with `segment`.
   */
  within(segment: string): WireFormatError {
    const path = this.path === "" ? segment : this.path.startsWith("[") ? segment + this.path : `${segment}.${this.path}`;
    return new WireFormatError(this.expected, this.received, path, this.context);
  }

  /**
   * Returns a copy of this error that names the call or export the value belongs to.
   */
  in(context: string): WireFormatError {
    return new WireFormatError(this.expected, this.received, this.path, context);
  }

  private static describe(context: string, path: string, expected: string, received: string): string {
    const where = path === "" ? "" : ` at ${path}`;
    const prefix = context === "" ? "invalid value" : `${context}: invalid value`;
    return `${prefix}${where}: expected ${expected}, received ${received}`;
  }
}
