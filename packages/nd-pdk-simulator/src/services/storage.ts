import type { ServiceContext, SimulatedService } from "../host/service.js";
import { omitEmpty } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";

/** Path of the plugin's private folder in its WASI filesystem, as Navidrome mounts it. */
export const DEFAULT_STORAGE_PATH = "/storage";

/** The simulated Storage service. */
export interface StorageService extends SimulatedService {
  /** The path storage_getstoragepath returns. */
  storagePath(): string;
}

/** Creates the Storage service, which reports `options.storagePath` (by default "/storage"). */
export function createStorageService(_ctx: ServiceContext, options: NavidromeOptions): StorageService {
  const storagePath = options.storagePath ?? DEFAULT_STORAGE_PATH;

  return {
    storagePath: () => storagePath,
    functions: {
      storage_getstoragepath: () => omitEmpty({ result: storagePath }),
    },
  };
}
