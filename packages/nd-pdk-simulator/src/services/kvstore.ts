import type { ServiceContext, SimulatedService } from "../host/service.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readBytes, readInt, readString, readStringArray, writeBytes } from "../host/wire.js";
import { parseByteSize } from "../manifest/validate.js";
import type { NavidromeOptions } from "../options.js";
import { compareByteOrder } from "./config.js";
import { describeKey, describeType } from "./seeding.js";

/** Storage quota of a plugin whose manifest sets no `permissions.kvstore.maxSize`: 1 MiB. */
export const DEFAULT_KVSTORE_MAX_SIZE = 1_048_576;

/** Maximum key length in UTF-8 bytes. */
export const MAX_KVSTORE_KEY_BYTES = 256;

/** Options of a value a test stores with `put`. */
export interface KVStorePutOptions {
  /** Seconds until the entry expires on the simulated clock, an integer greater than 0. Leave it out for no expiry. */
  readonly ttlSeconds?: number;
}

/** The simulated KVStore service, with views of the stored data and a way to seed it. */
export interface KVStoreService extends SimulatedService {
  /**
   * Stores a value before or between plugin calls, under the key, quota and time-to-live rules of the
   * plugin's `kvstore.set` and `kvstore.setWithTTL`. A string is stored as its UTF-8 bytes. The write
   * is not a host call, so `navidrome.hostCalls` does not record it and `failNext` does not affect it.
   *
   * @throws {Error} when the key is empty or longer than 256 UTF-8 bytes, the value would exceed the
   * quota, or `ttlSeconds` is not an integer greater than 0.
   */
  put(key: string, value: Uint8Array | string, options?: KVStorePutOptions): void;
  /** Copies of the entries that have not expired, by key in byte order. */
  entries(): Map<string, Uint8Array>;
  /** Bytes used, counted as Navidrome counts them: the value sizes of the entries that have not expired. */
  storageUsed(): number;
  /** The storage quota in bytes. */
  maxSize(): number;
}

interface Entry {
  readonly value: Uint8Array;
  /** Simulated Unix time in milliseconds at which the entry expires; undefined for no expiry. */
  readonly expiresAt: number | undefined;
}

const encoder = new TextEncoder();
const SI_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** Formats a byte count with decimal units, as go-humanize's Bytes does in Navidrome's quota message ("1.1 MB"). */
function formatBytes(bytes: number): string {
  if (bytes < 10) return `${bytes} B`;
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1000)), SI_UNITS.length - 1);
  const scaled = Math.floor((bytes / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${scaled < 10 ? scaled.toFixed(1) : scaled.toFixed(0)} ${SI_UNITS[exponent]}`;
}

function lowerAscii(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/**
 * Tests a key against a prefix as Navidrome's kvstore does with SQLite's `LIKE 'prefix%'`, which
 * ignores the case of ASCII letters but compares every other character exactly. So the prefix
 * "user:" also matches "USER:1".
 */
function matchesPrefix(key: string, prefix: string): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (lowerAscii(key.charCodeAt(i)) !== lowerAscii(prefix.charCodeAt(i))) return false;
  }
  return true;
}

function rejectHostCall(message: string): never {
  throw new ServiceError(message);
}

/**
 * Creates the KVStore service: one in-memory store for the plugin, limited to
 * `permissions.kvstore.maxSize` (1 MiB by default). Entries written with a time-to-live expire on the
 * simulated clock and stay stored, invisible to reads, until a write or a delete removes them, as
 * Navidrome leaves them in its database until it cleans up.
 *
 * @throws {Error} when the manifest's maxSize is not a valid byte size.
 */
export function createKVStoreService(ctx: ServiceContext, _options: NavidromeOptions): KVStoreService {
  const configuredSize = ctx.manifest.permissions?.kvstore?.maxSize;
  const maxSize = configuredSize === undefined || configuredSize === "" ? DEFAULT_KVSTORE_MAX_SIZE : parseByteSize(configuredSize);
  const store = new Map<string, Entry>();

  const isLive = (entry: Entry): boolean => entry.expiresAt === undefined || ctx.clock.now() < entry.expiresAt;

  const liveEntry = (key: string): Entry | undefined => {
    const entry = store.get(key);
    return entry !== undefined && isLive(entry) ? entry : undefined;
  };

  const storageUsed = (): number => {
    let used = 0;
    for (const entry of store.values()) if (isLive(entry)) used += entry.value.length;
    return used;
  };

  const liveKeys = (prefix: string): string[] =>
    [...store]
      .filter(([key, entry]) => isLive(entry) && matchesPrefix(key, prefix))
      .map(([key]) => key)
      .sort(compareByteOrder);

  /**
   * Stores an entry after the checks Navidrome makes. `reject` raises the failure: a ServiceError for a
   * host call, a plain Error with `fix` for a test's `put`.
   */
  function setValue(key: string, value: Uint8Array, ttlSeconds: number, reject: (message: string, fix: string) => never = rejectHostCall): void {
    const keyBytes = encoder.encode(key).length;
    if (keyBytes === 0) reject("key cannot be empty", "use a key of 1 to 256 UTF-8 bytes");
    if (keyBytes > MAX_KVSTORE_KEY_BYTES) reject(`key exceeds maximum length of ${MAX_KVSTORE_KEY_BYTES} bytes`, `shorten the key (it has ${keyBytes} bytes)`);

    // Only growth counts against the quota, so replacing a value with a smaller one always succeeds.
    const growth = value.length - (liveEntry(key)?.value.length ?? 0);
    if (growth > 0) {
      const total = storageUsed() + growth;
      if (total > maxSize) {
        reject(`storage limit exceeded: would use ${formatBytes(total)} of ${formatBytes(maxSize)} allowed`, "store a smaller value or raise permissions.kvstore.maxSize in the manifest");
      }
    }

    store.set(key, { value: value.slice(), expiresAt: ttlSeconds > 0 ? ctx.clock.now() + ttlSeconds * 1000 : undefined });
  }

  function put(key: string, value: Uint8Array | string, options: KVStorePutOptions = {}): void {
    const reject = (message: string, fix: string): never => {
      throw new Error(`kvstore.put(${describeKey(key)}): ${message}; ${fix}`);
    };
    if (typeof key !== "string") reject(`key must be a string, received ${typeof key}`, "pass the key as text");
    if (typeof value !== "string" && !(value instanceof Uint8Array)) {
      reject(`value must be a Uint8Array or a string, received ${describeType(value)}`, "encode other data first, for example with JSON.stringify");
    }

    const { ttlSeconds } = options;
    if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)) {
      reject(`ttlSeconds must be an integer greater than 0, received ${String(ttlSeconds)}`, "leave ttlSeconds out for an entry that does not expire");
    }
    setValue(key, typeof value === "string" ? encoder.encode(value) : value, ttlSeconds ?? 0, reject);
  }

  return {
    put,
    entries: () => new Map(liveKeys("").map((key) => [key, (store.get(key) as Entry).value.slice()])),
    storageUsed,
    maxSize: () => maxSize,

    functions: {
      kvstore_set(request) {
        setValue(readString(request, "key"), readBytes(request, "value"), 0);
        return {};
      },

      kvstore_setwithttl(request) {
        const key = readString(request, "key");
        const value = readBytes(request, "value");
        const ttlSeconds = readInt(request, "ttlSeconds");
        if (ttlSeconds <= 0) throw new ServiceError("ttlSeconds must be greater than 0");
        setValue(key, value, ttlSeconds);
        return {};
      },

      kvstore_get(request) {
        const entry = liveEntry(readString(request, "key"));
        return omitEmpty({ value: entry?.value, exists: entry !== undefined });
      },

      kvstore_getmany(request) {
        const values: Record<string, string> = {};
        for (const key of readStringArray(request, "keys")) {
          const entry = liveEntry(key);
          if (entry !== undefined) values[key] = writeBytes(entry.value);
        }
        return omitEmpty({ values });
      },

      kvstore_has(request) {
        return omitEmpty({ exists: liveEntry(readString(request, "key")) !== undefined });
      },

      kvstore_list(request) {
        return omitEmpty({ keys: liveKeys(readString(request, "prefix")) });
      },

      kvstore_delete(request) {
        store.delete(readString(request, "key"));
        return {};
      },

      kvstore_deletebyprefix(request) {
        const prefix = readString(request, "prefix");
        if (prefix === "") throw new ServiceError("prefix cannot be empty");
        // Expired entries count too, because Navidrome deletes them from its database along with the rest.
        let deletedCount = 0;
        for (const key of [...store.keys()]) {
          if (!matchesPrefix(key, prefix)) continue;
          store.delete(key);
          deletedCount++;
        }
        return omitEmpty({ deletedCount });
      },

      kvstore_getstorageused() {
        return omitEmpty({ bytes: storageUsed() });
      },
    },
  };
}
