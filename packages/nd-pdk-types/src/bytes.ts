import { decodeBase64, encodeBase64 } from "./base64.js";
import type { CustomCodec } from "./codec.js";
import { describe } from "./codec.js";
import { WireFormatError } from "./errors/wire-format-error.js";

/**
 * The codec of `bytes`: a `Uint8Array` in TypeScript, a standard base64 string on the wire. Go writes
 * `null` for a nil byte slice, which decodes as empty bytes.
 *
 * Generated codecs refer to it only where bytes occur, so that a plugin without bytes bundles no base64
 * code.
 */
export const bytesCodec: CustomCodec = {
  decode(value: unknown): Uint8Array {
    if (value === null) return new Uint8Array(0);
    if (typeof value !== "string") throw new WireFormatError("a base64 string", describe(value));
    return decodeBase64(value);
  },
  encode(value: unknown): string {
    if (!(value instanceof Uint8Array)) throw new WireFormatError("a Uint8Array", describe(value));
    return encodeBase64(value);
  },
  // A getter rather than a value: a `new` call at module level would count as a side effect, which
  // keeps bundlers from dropping this module from plugins that never use bytes.
  get empty(): Uint8Array {
    return new Uint8Array(0);
  },
};
