import { WireFormatError } from "./errors/wire-format-error.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = 61; // "="

// Built on first use rather than at module load: plugin top-level code runs at build time, and a bundle
// that never touches bytes should not pay for the tables.
let encodeTable: Uint16Array | undefined;
let decodeTable: Int16Array | undefined;

function getEncodeTable(): Uint16Array {
  if (encodeTable === undefined) {
    encodeTable = new Uint16Array(64);
    for (let i = 0; i < 64; i++) encodeTable[i] = ALPHABET.charCodeAt(i);
  }
  return encodeTable;
}

function getDecodeTable(): Int16Array {
  if (decodeTable === undefined) {
    decodeTable = new Int16Array(256).fill(-1);
    for (let i = 0; i < 64; i++) decodeTable[ALPHABET.charCodeAt(i)] = i;
  }
  return decodeTable;
}

// String.fromCharCode.apply takes its arguments on the stack, so long outputs are built in chunks.
const CHUNK = 8192;

function charCodesToString(codes: Uint16Array): string {
  if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes as unknown as number[]);
  const parts: string[] = [];
  for (let start = 0; start < codes.length; start += CHUNK) {
    parts.push(String.fromCharCode.apply(null, codes.subarray(start, start + CHUNK) as unknown as number[]));
  }
  return parts.join("");
}

/**
 * Encodes bytes as standard base64 (RFC 4648 alphabet, with `=` padding), the form Navidrome expects
 * for every `bytes` value on the wire.
 *
 * Works in any JavaScript engine: it needs neither Node's `Buffer` nor `btoa`.
 *
 * @example
 * ```ts
 * encodeBase64(new TextEncoder().encode("hi")); // "aGk="
 * ```
 */
export function encodeBase64(bytes: Uint8Array): string {
  const table = getEncodeTable();
  const length = bytes.length;
  const out = new Uint16Array(Math.ceil(length / 3) * 4);
  let o = 0;
  let i = 0;

  for (; i + 2 < length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o++] = table[n >>> 18] as number;
    out[o++] = table[(n >>> 12) & 63] as number;
    out[o++] = table[(n >>> 6) & 63] as number;
    out[o++] = table[n & 63] as number;
  }

  const rest = length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out[o++] = table[n >>> 18] as number;
    out[o++] = table[(n >>> 12) & 63] as number;
    out[o++] = PAD;
    out[o++] = PAD;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out[o++] = table[n >>> 18] as number;
    out[o++] = table[(n >>> 12) & 63] as number;
    out[o++] = table[(n >>> 6) & 63] as number;
    out[o++] = PAD;
  }

  return charCodesToString(out);
}

function invalidBase64(text: string, reason: string): WireFormatError {
  const shown = text.length > 24 ? `${JSON.stringify(text.slice(0, 24))}...` : JSON.stringify(text);
  return new WireFormatError(`standard base64 with padding (${reason})`, shown);
}

/**
 * Decodes standard base64 (RFC 4648 alphabet, with `=` padding) into bytes.
 *
 * Accepts exactly what Go's `encoding/json` writes for `[]byte`, which is what Navidrome sends.
 *
 * @throws {WireFormatError} when the text is not padded standard base64: a length that is not a
 * multiple of 4, a character outside the alphabet (URL-safe `-` and `_` included), or misplaced `=`.
 */
export function decodeBase64(text: string): Uint8Array {
  const length = text.length;
  if (length % 4 !== 0) throw invalidBase64(text, `length ${length} is not a multiple of 4`);
  if (length === 0) return new Uint8Array(0);

  let padding = 0;
  if (text.charCodeAt(length - 1) === PAD) padding = text.charCodeAt(length - 2) === PAD ? 2 : 1;

  const table = getDecodeTable();
  const out = new Uint8Array((length / 4) * 3 - padding);
  const fullEnd = padding === 0 ? length : length - 4;
  let o = 0;

  for (let i = 0; i < fullEnd; i += 4) {
    const a = table[text.charCodeAt(i)] ?? -1;
    const b = table[text.charCodeAt(i + 1)] ?? -1;
    const c = table[text.charCodeAt(i + 2)] ?? -1;
    const d = table[text.charCodeAt(i + 3)] ?? -1;
    if ((a | b | c | d) < 0) throw invalidBase64(text, `invalid character near position ${i}`);
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }

  if (padding > 0) {
    const a = table[text.charCodeAt(fullEnd)] ?? -1;
    const b = table[text.charCodeAt(fullEnd + 1)] ?? -1;
    const c = padding === 1 ? (table[text.charCodeAt(fullEnd + 2)] ?? -1) : 0;
    if ((a | b | c) < 0) throw invalidBase64(text, `invalid character near position ${fullEnd}`);
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >>> 16;
    if (padding === 1) out[o++] = (n >>> 8) & 255;
  }

  return out;
}
