import { WireFormatError } from "./errors/wire-format-error.js";

/** A JSON scalar of the Navidrome wire format, which has the same form in TypeScript. */
export type ScalarCodec = "string" | "bool" | "int32" | "int64" | "uint32" | "float32" | "float64";

/** A JSON array whose items all follow `array`. */
export interface ArrayCodec {
  /** The codec of every element. */
  readonly array: Codec;
}

/** A JSON object with arbitrary string keys whose values follow `map`. */
export interface MapCodec {
  /** The codec of every value. */
  readonly map: Codec;
}

/** A value that may be `null` or absent, which the PDK turns into `undefined`. */
export interface NullableCodec {
  /** The codec of the value when it is present. */
  readonly nullable: Codec;
}

/** A JSON object with known keys, as one Navidrome struct type. */
export interface ObjectCodec {
  /** The type name, used in error messages. */
  readonly object: string;
  /** Every key the type has, with its codec. Keys not listed are dropped when decoding. */
  readonly fields: { readonly [key: string]: Codec };
  /** Keys that may be absent in either direction. Every other key must be present when decoding. */
  readonly optional?: readonly string[];
  /** Keys the plugin may leave out of what it sends, although Navidrome always writes them. */
  readonly optionalWhenSending?: readonly string[];
}

/**
 * A value with a conversion of its own, such as `bytes`: a `Uint8Array` in TypeScript and a base64
 * string on the wire. Both functions throw a {@link WireFormatError} for a value they reject.
 */
export interface CustomCodec {
  /** Checks and converts a value parsed from Navidrome's JSON, in which `null` is a Go nil. */
  readonly decode: (value: unknown) => unknown;
  /** Checks and converts a value the plugin sends into its JSON form. */
  readonly encode: (value: unknown) => unknown;
  /**
   * The value encoded in place of a key the plugin leaves out, such as empty bytes, which Go reads as
   * nil. Absent when the key is required.
   */
  readonly empty?: unknown;
}

/**
 * A description of one wire type, from which {@link decodeValue} and {@link encodeValue} check and
 * convert values. Generated from the API schema; plugin code rarely needs it.
 */
export type Codec = ScalarCodec | ArrayCodec | MapCodec | NullableCodec | ObjectCodec | CustomCodec;

/** Renders a value briefly for error messages, without dumping large documents. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing (the key is missing)";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "a Uint8Array";
  const type = typeof value;
  if (type === "string") {
    const text = value as string;
    return `a string ${JSON.stringify(text.slice(0, 24))}${text.length > 24 ? "..." : ""}`;
  }
  if (type === "object") return "an object";
  if (type === "number" || type === "boolean") return `the ${type} ${String(value)}`;
  if (type === "bigint") return `the bigint ${String(value)}n`;
  return `a ${type}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Checks a scalar, which needs no conversion in either direction. */
function checkScalar(codec: ScalarCodec, value: unknown): unknown {
  let type = "number";
  if (codec === "string") type = "string";
  else if (codec === "bool") type = "boolean";
  if (typeof value !== type) throw new WireFormatError(type === "boolean" ? "a boolean" : `a ${type}`, describe(value));
  if (type !== "number") return value;

  const number = value as number;
  switch (codec) {
    case "int32":
      // `| 0` leaves an int32 as it is and changes anything else (a fraction, NaN, a larger value), so
      // the comparison rejects those. `>>> 0` does the same for uint32 below.
      if ((number | 0) !== number) throw new WireFormatError("a 32-bit integer", describe(value));
      return value;
    case "uint32":
      if (number >>> 0 !== number) throw new WireFormatError("an unsigned 32-bit integer", describe(value));
      return value;
    case "int64":
      // JSON.parse has already rounded anything beyond 2^53; refusing it is the only way not to pass on a
      // silently different number (a timestamp or an id that no longer matches).
      if (!Number.isSafeInteger(number)) {
        throw new WireFormatError("an integer within ±(2^53 - 1), the range JavaScript numbers hold exactly", describe(value));
      }
      return value;
    default:
      if (!Number.isFinite(number)) throw new WireFormatError("a finite number", describe(value));
      return value;
  }
}

type Convert = (codec: Codec, value: unknown) => unknown;

/**
 * Checks a value parsed from Navidrome's JSON against `codec` and converts it to its TypeScript form:
 * base64 becomes `Uint8Array`, `null` in a nullable becomes `undefined`, and keys the codec does not
 * know are dropped.
 *
 * Go writes `null` for a nil slice, map or byte slice, so `null` is accepted there and becomes the
 * empty value.
 *
 * @throws {WireFormatError} when the value does not match, with the path of the offending value.
 */
export function decodeValue(codec: Codec, value: unknown): unknown {
  if (typeof codec === "string") return checkScalar(codec, value);
  if ("fields" in codec) return convertObject(codec, value, decodeValue);
  if ("decode" in codec) return codec.decode(value);
  if ("nullable" in codec) return value === null || value === undefined ? undefined : decodeValue(codec.nullable, value);
  if ("array" in codec) return value === null ? [] : convertArray(codec.array, value, decodeValue);
  return value === null ? {} : convertMap(codec.map, value, decodeValue);
}

/**
 * Checks a value the plugin wants to send against `codec` and converts it to JSON-ready form:
 * `Uint8Array` becomes base64, `undefined` optional keys are left out, and keys the codec does not
 * know are dropped.
 *
 * @throws {WireFormatError} when the value does not match, so that Navidrome never receives a value
 * it would misread (a fraction where it wants an integer, `NaN`, a missing key).
 */
export function encodeValue(codec: Codec, value: unknown): unknown {
  if (typeof codec === "string") return checkScalar(codec, value);
  if ("fields" in codec) return convertObject(codec, value, encodeValue);
  if ("encode" in codec) return codec.encode(value);
  if ("nullable" in codec) return value === null || value === undefined ? null : encodeValue(codec.nullable, value);
  if ("array" in codec) return convertArray(codec.array, value, encodeValue);
  return convertMap(codec.map, value, encodeValue);
}

function convertArray(itemCodec: Codec, value: unknown, convert: Convert): unknown[] {
  if (!Array.isArray(value)) throw new WireFormatError("an array", describe(value));
  const result: unknown[] = new Array(value.length);
  let i = 0;
  try {
    for (; i < value.length; i++) result[i] = convert(itemCodec, value[i]);
  } catch (error) {
    throw rethrowWithin(error, `[${i}]`);
  }
  return result;
}

function convertMap(valueCodec: Codec, value: unknown, convert: Convert): Record<string, unknown> {
  if (!isPlainObject(value)) throw new WireFormatError("an object", describe(value));
  const result: Record<string, unknown> = {};
  const keys = Object.keys(value);
  let key = "";
  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i] as string;
      setEntry(result, key, convert(valueCodec, value[key]));
    }
  } catch (error) {
    throw rethrowWithin(error, `[${JSON.stringify(key)}]`);
  }
  return result;
}

function convertObject(codec: ObjectCodec, value: unknown, convert: Convert): Record<string, unknown> {
  if (!isPlainObject(value)) throw new WireFormatError(`an object (${codec.object})`, describe(value));
  const sending = convert === encodeValue;
  const fields = codec.fields;
  // An index loop over Object.keys: for...in is several times slower in QuickJS.
  const keys = Object.keys(fields);
  const result: Record<string, unknown> = {};
  let key = "";

  try {
    for (let i = 0; i < keys.length; i++) {
      key = keys[i] as string;
      const fieldCodec = fields[key] as Codec;
      let item = value[key];

      if (item === undefined) {
        const mayBeAbsent =
          (typeof fieldCodec === "object" && "nullable" in fieldCodec) ||
          codec.optional?.includes(key) === true ||
          (sending && codec.optionalWhenSending?.includes(key) === true);
        if (mayBeAbsent) continue;
        // A missing array, map or bytes value is what Go calls nil: send it as empty rather than fail.
        item = sending ? emptyValue(fieldCodec) : undefined;
        if (item === undefined) throw new WireFormatError(`the key "${key}" of ${codec.object}`, "an object without it");
      }

      // Most fields are strings, and this check spares them a call.
      const converted = fieldCodec === "string" && typeof item === "string" ? item : convert(fieldCodec, item);
      if (converted !== undefined) result[key] = converted;
    }
  } catch (error) {
    throw rethrowWithin(error, key);
  }
  return result;
}

/** Returns the value Go reads as nil for a missing key (an empty slice, map or byte slice), or undefined. */
function emptyValue(codec: Codec): unknown {
  if (typeof codec !== "object") return undefined;
  if ("array" in codec) return [];
  if ("map" in codec) return {};
  return "empty" in codec ? codec.empty : undefined;
}

/** Sets an own property, also for the key `__proto__`, which plain assignment would treat as the prototype. */
function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function rethrowWithin(error: unknown, segment: string): unknown {
  return error instanceof WireFormatError ? error.within(segment) : error;
}
