import { decodeBase64, encodeBase64 } from "./base64.js";
import { WireFormatError } from "./errors/wire-format-error.js";

/** A JSON scalar of the Navidrome wire format. `bytes` travel as base64 strings. */
export type ScalarCodec = "string" | "bool" | "int32" | "int64" | "uint32" | "float32" | "float64" | "bytes";

/** A JSON array whose items all follow `array`. */
export interface ArrayCodec {
  readonly array: Codec;
}

/** A JSON object with arbitrary string keys whose values follow `map`. */
export interface MapCodec {
  readonly map: Codec;
}

/** A value that may be `null` or absent, which the PDK turns into `undefined`. */
export interface NullableCodec {
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
 * A description of one wire type, from which {@link decodeValue} and {@link encodeValue} check and
 * convert values. Generated from the API schema; plugin code rarely needs it.
 */
export type Codec = ScalarCodec | ArrayCodec | MapCodec | NullableCodec | ObjectCodec;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

/** Renders a value briefly for error messages, without dumping large documents. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return value.length > 24 ? `a string ${JSON.stringify(value.slice(0, 24))}...` : `a string ${JSON.stringify(value)}`;
    case "number":
      return `the number ${String(value)}`;
    case "boolean":
      return `the boolean ${String(value)}`;
    case "undefined":
      return "nothing (the key is missing)";
    case "bigint":
      return `the bigint ${String(value)}n`;
    case "object":
      return value instanceof Uint8Array ? "a Uint8Array" : "an object";
    default:
      return `a ${typeof value}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function checkNumber(codec: ScalarCodec, value: unknown): number {
  if (typeof value !== "number") throw new WireFormatError(expectedScalar(codec), describe(value));

  switch (codec) {
    case "int32":
      if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        throw new WireFormatError("a 32-bit integer", describe(value));
      }
      return value;
    case "uint32":
      if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
        throw new WireFormatError("an unsigned 32-bit integer", describe(value));
      }
      return value;
    case "int64":
      // JSON.parse has already rounded anything beyond 2^53; refusing it is the only way not to pass on a
      // silently different number (a timestamp or an id that no longer matches).
      if (!Number.isSafeInteger(value)) {
        throw new WireFormatError(
          "an integer within ±(2^53 - 1), the range JavaScript numbers hold exactly",
          describe(value),
        );
      }
      return value;
    default:
      if (!Number.isFinite(value)) throw new WireFormatError("a finite number", describe(value));
      return value;
  }
}

function expectedScalar(codec: ScalarCodec): string {
  switch (codec) {
    case "string":
      return "a string";
    case "bool":
      return "a boolean";
    case "bytes":
      return "a base64 string";
    default:
      return "a number";
  }
}

/** Returns the empty value Navidrome means when it leaves a key out or writes `null` for a Go nil. */
function emptyValue(codec: Codec): unknown {
  if (codec === "bytes") return new Uint8Array(0);
  if (typeof codec === "object" && "array" in codec) return [];
  if (typeof codec === "object" && "map" in codec) return {};
  return undefined;
}

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
  if (typeof codec === "string") {
    switch (codec) {
      case "string":
        if (typeof value !== "string") throw new WireFormatError("a string", describe(value));
        return value;
      case "bool":
        if (typeof value !== "boolean") throw new WireFormatError("a boolean", describe(value));
        return value;
      case "bytes":
        if (value === null) return new Uint8Array(0);
        if (typeof value !== "string") throw new WireFormatError("a base64 string", describe(value));
        return decodeBase64(value);
      default:
        return checkNumber(codec, value);
    }
  }

  if ("nullable" in codec) return value === null || value === undefined ? undefined : decodeValue(codec.nullable, value);

  if ("array" in codec) {
    if (value === null) return [];
    if (!Array.isArray(value)) throw new WireFormatError("an array", describe(value));
    const result: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        result[i] = decodeValue(codec.array, value[i]);
      } catch (error) {
        throw rethrowWithin(error, `[${i}]`);
      }
    }
    return result;
  }

  if ("map" in codec) {
    if (value === null) return {};
    if (!isPlainObject(value)) throw new WireFormatError("an object", describe(value));
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      try {
        setEntry(result, key, decodeValue(codec.map, value[key]));
      } catch (error) {
        throw rethrowWithin(error, `[${JSON.stringify(key)}]`);
      }
    }
    return result;
  }

  return decodeObject(codec, value);
}

function decodeObject(codec: ObjectCodec, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new WireFormatError(`an object (${codec.object})`, describe(value));
  const result: Record<string, unknown> = {};

  for (const key in codec.fields) {
    const fieldCodec = codec.fields[key] as Codec;
    const fieldValue = value[key];

    if (fieldValue === undefined) {
      const mayBeAbsent = (typeof fieldCodec === "object" && "nullable" in fieldCodec) || codec.optional?.includes(key) === true;
      if (!mayBeAbsent) throw new WireFormatError(`the key "${key}" of ${codec.object}`, "an object without it", key);
      continue;
    }

    let decoded: unknown;
    try {
      decoded = decodeValue(fieldCodec, fieldValue);
    } catch (error) {
      throw rethrowWithin(error, key);
    }
    if (decoded !== undefined) result[key] = decoded;
  }

  return result;
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
  if (typeof codec === "string") {
    switch (codec) {
      case "string":
        if (typeof value !== "string") throw new WireFormatError("a string", describe(value));
        return value;
      case "bool":
        if (typeof value !== "boolean") throw new WireFormatError("a boolean", describe(value));
        return value;
      case "bytes":
        if (!(value instanceof Uint8Array)) throw new WireFormatError("a Uint8Array", describe(value));
        return encodeBase64(value);
      default:
        return checkNumber(codec, value);
    }
  }

  if ("nullable" in codec) return value === null || value === undefined ? null : encodeValue(codec.nullable, value);

  if ("array" in codec) {
    if (!Array.isArray(value)) throw new WireFormatError("an array", describe(value));
    const result: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      try {
        result[i] = encodeValue(codec.array, value[i]);
      } catch (error) {
        throw rethrowWithin(error, `[${i}]`);
      }
    }
    return result;
  }

  if ("map" in codec) {
    if (!isPlainObject(value)) throw new WireFormatError("an object", describe(value));
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      try {
        setEntry(result, key, encodeValue(codec.map, value[key]));
      } catch (error) {
        throw rethrowWithin(error, `[${JSON.stringify(key)}]`);
      }
    }
    return result;
  }

  return encodeObject(codec, value);
}

function encodeObject(codec: ObjectCodec, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw new WireFormatError(`an object (${codec.object})`, describe(value));
  const result: Record<string, unknown> = {};

  for (const key in codec.fields) {
    const fieldCodec = codec.fields[key] as Codec;
    const fieldValue = value[key];

    if (fieldValue === undefined) {
      const mayBeAbsent =
        (typeof fieldCodec === "object" && "nullable" in fieldCodec) ||
        codec.optional?.includes(key) === true ||
        codec.optionalWhenSending?.includes(key) === true;
      if (mayBeAbsent) continue;
      // A missing array, map or bytes value is what Go calls nil: send it as empty rather than fail.
      const empty = emptyValue(fieldCodec);
      if (empty === undefined) throw new WireFormatError(`the key "${key}" of ${codec.object}`, "an object without it", key);
      result[key] = encodeValue(fieldCodec, empty);
      continue;
    }

    try {
      result[key] = encodeValue(fieldCodec, fieldValue);
    } catch (error) {
      throw rethrowWithin(error, key);
    }
  }

  return result;
}

/** Sets an own property, also for the key `__proto__`, which plain assignment would treat as the prototype. */
function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function rethrowWithin(error: unknown, segment: string): unknown {
  return error instanceof WireFormatError ? error.within(segment) : error;
}
