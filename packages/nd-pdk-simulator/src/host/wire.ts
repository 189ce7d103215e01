/**
 * Reading requests and writing replies the way Navidrome's Go host does: a missing key or `null` is
 * the zero value, a wrong JSON type is a decode error reported in the reply, and empty values are left
 * out of replies.
 */
import { decodeBase64, encodeBase64 } from "@nd/pdk-types";

import { ServiceError } from "./service.js";

type Request = Readonly<Record<string, unknown>>;

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "object" : typeof value;
}

function decodeError(key: string, value: unknown, goType: string): ServiceError {
  return new ServiceError(`invalid request: json: cannot unmarshal ${jsonType(value)} into field "${key}" of type ${goType}`);
}

/** Reads a string; missing or null gives "". */
export function readString(request: Request, key: string): string {
  const value = request[key];
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw decodeError(key, value, "string");
  return value;
}

/** Reads a boolean; missing or null gives false. */
export function readBool(request: Request, key: string): boolean {
  const value = request[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw decodeError(key, value, "bool");
  return value;
}

/** Reads an integer; missing or null gives 0. A fraction is a decode error, as in Go. */
export function readInt(request: Request, key: string, goType = "int64"): number {
  const value = request[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value)) throw decodeError(key, value, goType);
  return value;
}

/** Reads an integer that may be absent, for Go pointer fields; missing or null gives undefined. */
export function readOptionalInt(request: Request, key: string, goType = "*int64"): number | undefined {
  const value = request[key];
  if (value === undefined || value === null) return undefined;
  return readInt(request, key, goType);
}

/** Reads a number; missing or null gives 0. */
export function readFloat(request: Request, key: string): number {
  const value = request[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number") throw decodeError(key, value, "float64");
  return value;
}

/** Reads base64 bytes; missing or null gives an empty array. Go accepts only padded standard base64. */
export function readBytes(request: Request, key: string): Uint8Array {
  const value = request[key];
  if (value === undefined || value === null) return new Uint8Array(0);
  if (typeof value !== "string") throw decodeError(key, value, "[]byte");
  try {
    return decodeBase64(value);
  } catch {
    throw new ServiceError(`invalid request: illegal base64 data in field "${key}"`);
  }
}

/** Reads an array of strings; missing or null gives []. */
export function readStringArray(request: Request, key: string): string[] {
  const value = request[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) throw decodeError(key, value, "[]string");
  return value as string[];
}

/** Reads an object of string values; missing or null gives {}. */
export function readStringMap(request: Request, key: string): Record<string, string> {
  const value = request[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || Object.values(value).some((item) => typeof item !== "string")) {
    throw decodeError(key, value, "map[string]string");
  }
  return value as Record<string, string>;
}

/** Reads a nested object; missing or null gives {}. */
export function readObject(request: Request, key: string, goType: string): Request {
  const value = request[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw decodeError(key, value, goType);
  return value as Request;
}

/** Reads an array of objects; missing or null gives []. */
export function readObjectArray(request: Request, key: string, goType: string): Request[] {
  const value = request[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "object" || item === null || Array.isArray(item))) {
    throw decodeError(key, value, goType);
  }
  return value as Request[];
}

/** Encodes bytes for a reply, as Go's encoding/json does for `[]byte`. */
export function writeBytes(bytes: Uint8Array): string {
  return encodeBase64(bytes);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Uint8Array) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

/**
 * Builds a reply as Navidrome writes it: every key with an empty value is left out. Keys listed in
 * `pointers` are Go pointers, which omitempty hides only when nil, so their zero values stay.
 */
export function omitEmpty(values: Readonly<Record<string, unknown>>, pointers: readonly string[] = []): Record<string, unknown> {
  const reply: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (pointers.includes(key) ? value === undefined || value === null : isEmpty(value)) continue;
    reply[key] = value instanceof Uint8Array ? writeBytes(value) : value;
  }
  return reply;
}
