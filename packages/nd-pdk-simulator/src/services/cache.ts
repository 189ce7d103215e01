import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty, readBytes, readFloat, readInt, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import { describeKey, describeType } from "./seeding.js";

/** Time-to-live of an entry stored with `ttlSeconds` 0, left out or negative: 24 hours, in milliseconds. */
export const DEFAULT_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

/** The type a cache entry was stored with, which only the getter of the same type returns. */
export type CacheValueType = "string" | "int" | "float" | "bytes";

/** A typed cache value, as the plugin's typed setters store it and `put` seeds it. */
export type CacheValue =
  | {
      /** Stored with `cache.setString`. */
      readonly type: "string";
      /** The stored text. */
      readonly value: string;
    }
  | {
      /** Stored with `cache.setInt`. */
      readonly type: "int";
      /** The stored integer. */
      readonly value: number;
    }
  | {
      /** Stored with `cache.setFloat`. */
      readonly type: "float";
      /** The stored number. */
      readonly value: number;
    }
  | {
      /** Stored with `cache.setBytes`. */
      readonly type: "bytes";
      /** A copy of the stored bytes. */
      readonly value: Uint8Array;
    };

/** One cache entry, as the inspection view shows it: its typed value and its expiry time. */
export type CacheEntry = CacheValue & {
  /** Simulated Unix time in milliseconds at which the entry expires. */
  readonly expiresAt: number;
};

/** Options of a value a test stores with `put`. */
export interface CachePutOptions {
  /** Seconds until the entry expires on the simulated clock, an integer. Left out, 0 or negative gives 24 hours, as in Navidrome. */
  readonly ttlSeconds?: number;
}

/** The simulated Cache service, with a view of its entries and a way to seed them. */
export interface CacheService extends SimulatedService {
  /**
   * Stores a typed value before or between plugin calls, as the plugin's setter of that type would, so
   * only the getter of that type returns it. The write is not a host call, so `navidrome.hostCalls` does
   * not record it and `failNext` does not affect it.
   *
   * @example
   * ```ts
   * navidrome.services.cache.put("plays:alice", { type: "int", value: 3 }, { ttlSeconds: 60 });
   * ```
   *
   * @throws {Error} when the value does not match its type (an "int" must be a safe integer and a
   * "float" a finite number, because JSON carries neither NaN nor Infinity) or `ttlSeconds` is not an integer.
   */
  put(key: string, value: CacheValue, options?: CachePutOptions): void;
  /** The entries that have not expired, by key. `expiresAt` is simulated Unix time in milliseconds. */
  entries(): Map<string, CacheEntry>;
}

/** Returns why a value cannot be stored as its type, or undefined when it can. */
function valueProblem(value: CacheValue): string | undefined {
  if (typeof value !== "object" || value === null) return `value must be an object with type and value, received ${describeType(value)}`;
  const { type, value: data } = value as { type: unknown; value: unknown };
  switch (type) {
    case "string":
      return typeof data === "string" ? undefined : `a "string" value must be a string, received ${describeType(data)}`;
    case "int":
      return Number.isSafeInteger(data) ? undefined : `an "int" value must be a safe integer, received ${String(data)}`;
    case "float":
      return typeof data === "number" && Number.isFinite(data) ? undefined : `a "float" value must be a finite number, received ${String(data)}`;
    case "bytes":
      return data instanceof Uint8Array ? undefined : `a "bytes" value must be a Uint8Array, received ${describeType(data)}`;
    default:
      return `type must be "string", "int", "float" or "bytes", received ${JSON.stringify(type) ?? String(type)}`;
  }
}

/**
 * Creates the Cache service: typed entries that expire on the simulated clock. Navidrome's cache
 * fails none of its calls, so these functions throw only for a request that does not decode.
 */
export function createCacheService(ctx: ServiceContext, _options: NavidromeOptions): CacheService {
  const cache = new Map<string, CacheEntry>();

  const expiryFor = (ttlSeconds: number): number => ctx.clock.now() + (ttlSeconds > 0 ? ttlSeconds * 1000 : DEFAULT_CACHE_TTL_MS);

  const liveEntry = (key: string): CacheEntry | undefined => {
    const entry = cache.get(key);
    if (entry === undefined) return undefined;
    if (ctx.clock.now() >= entry.expiresAt) {
      cache.delete(key);
      return undefined;
    }
    return entry;
  };

  /** Replies as the typed getters do: a value of another type counts as missing. */
  const getReply = (request: Readonly<Record<string, unknown>>, type: CacheValueType): Record<string, unknown> => {
    const entry = liveEntry(readString(request, "key"));
    if (entry === undefined || entry.type !== type) return {};
    return omitEmpty({ value: entry.value, exists: true });
  };

  function put(key: string, value: CacheValue, options: CachePutOptions = {}): void {
    const reject = (message: string, fix: string): never => {
      throw new Error(`cache.put(${describeKey(key)}): ${message}; ${fix}`);
    };
    if (typeof key !== "string") reject(`key must be a string, received ${describeType(key)}`, "pass the key as text");
    const problem = valueProblem(value);
    if (problem !== undefined) reject(problem, 'pass { type: "string" | "int" | "float" | "bytes", value } with a value of that type');

    const { ttlSeconds = 0 } = options;
    if (!Number.isInteger(ttlSeconds)) reject(`ttlSeconds must be an integer, received ${String(ttlSeconds)}`, "pass whole seconds, or leave ttlSeconds out for 24 hours");

    // Only type and value are kept, so an entry copied from entries() does not bring its old expiresAt.
    let stored: CacheValue;
    if (value.type === "bytes") stored = { type: "bytes", value: value.value.slice() };
    else if (value.type === "string") stored = { type: "string", value: value.value };
    else stored = { type: value.type, value: value.value };
    cache.set(key, { ...stored, expiresAt: expiryFor(ttlSeconds) });
  }

  return {
    put,
    entries() {
      const live = new Map<string, CacheEntry>();
      for (const key of [...cache.keys()]) {
        const entry = liveEntry(key);
        if (entry !== undefined) live.set(key, entry.type === "bytes" ? { ...entry, value: entry.value.slice() } : entry);
      }
      return live;
    },

    functions: {
      cache_setstring(request) {
        const key = readString(request, "key");
        cache.set(key, { type: "string", value: readString(request, "value"), expiresAt: expiryFor(readInt(request, "ttlSeconds")) });
        return {};
      },
      cache_getstring: (request) => getReply(request, "string"),

      cache_setint(request) {
        const key = readString(request, "key");
        cache.set(key, { type: "int", value: readInt(request, "value"), expiresAt: expiryFor(readInt(request, "ttlSeconds")) });
        return {};
      },
      cache_getint: (request) => getReply(request, "int"),

      cache_setfloat(request) {
        const key = readString(request, "key");
        cache.set(key, { type: "float", value: readFloat(request, "value"), expiresAt: expiryFor(readInt(request, "ttlSeconds")) });
        return {};
      },
      cache_getfloat: (request) => getReply(request, "float"),

      cache_setbytes(request) {
        const key = readString(request, "key");
        cache.set(key, { type: "bytes", value: readBytes(request, "value"), expiresAt: expiryFor(readInt(request, "ttlSeconds")) });
        return {};
      },
      cache_getbytes: (request) => getReply(request, "bytes"),

      cache_has(request) {
        return omitEmpty({ exists: liveEntry(readString(request, "key")) !== undefined });
      },

      cache_remove(request) {
        cache.delete(readString(request, "key"));
        return {};
      },
    },
  };
}
