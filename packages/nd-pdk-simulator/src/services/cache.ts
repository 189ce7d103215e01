import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty, readBytes, readFloat, readInt, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";

/** Time-to-live of an entry stored with `ttlSeconds` 0, left out or negative: 24 hours, in milliseconds. */
export const DEFAULT_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

/** The type a cache entry was stored with, which only the getter of the same type returns. */
export type CacheValueType = "string" | "int" | "float" | "bytes";

/** One cache entry, as the inspection view shows it. */
export type CacheEntry =
  | {
      /** Stored with `cache.setString`. */
      readonly type: "string";
      /** The stored text. */
      readonly value: string;
      /** Simulated Unix time in milliseconds at which the entry expires. */
      readonly expiresAt: number;
    }
  | {
      /** Stored with `cache.setInt`. */
      readonly type: "int";
      /** The stored integer. */
      readonly value: number;
      /** Simulated Unix time in milliseconds at which the entry expires. */
      readonly expiresAt: number;
    }
  | {
      /** Stored with `cache.setFloat`. */
      readonly type: "float";
      /** The stored number. */
      readonly value: number;
      /** Simulated Unix time in milliseconds at which the entry expires. */
      readonly expiresAt: number;
    }
  | {
      /** Stored with `cache.setBytes`. */
      readonly type: "bytes";
      /** A copy of the stored bytes. */
      readonly value: Uint8Array;
      /** Simulated Unix time in milliseconds at which the entry expires. */
      readonly expiresAt: number;
    };

/** The simulated Cache service, with a view of its entries. */
export interface CacheService extends SimulatedService {
  /** The entries that have not expired, by key. `expiresAt` is simulated Unix time in milliseconds. */
  entries(): Map<string, CacheEntry>;
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

  return {
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
