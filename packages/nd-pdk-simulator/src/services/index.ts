import type { ServiceContext } from "../host/service.js";
import type { NavidromeOptions } from "../options.js";
import { type ArtworkService, createArtworkService } from "./artwork.js";
import { type CacheService, createCacheService } from "./cache.js";
import { type ConfigService, createConfigService } from "./config.js";
import { createHttpService, type HttpService } from "./http.js";
import { createKVStoreService, type KVStoreService } from "./kvstore.js";
import { createLibraryService, type LibraryService } from "./library.js";
import { createMatcherService, type MatcherService } from "./matcher.js";
import { createSchedulerService, type SchedulerService } from "./scheduler.js";
import { createScrobbleRetrieverService, type ScrobbleRetrieverService } from "./scrobble-retriever.js";
import { createStorageService, type StorageService } from "./storage.js";
import { createSubsonicApiService, type SubsonicApiService } from "./subsonic-api.js";
import { createTaskService, type TaskService } from "./task.js";
import { createUsersService, type UsersService } from "./users.js";
import { createWebSocketService, type WebSocketService } from "./websocket.js";

/** Every simulated host service, under its PDK module name. */
export interface Services {
  readonly artwork: ArtworkService;
  readonly cache: CacheService;
  readonly config: ConfigService;
  readonly http: HttpService;
  readonly kvstore: KVStoreService;
  readonly library: LibraryService;
  readonly matcher: MatcherService;
  readonly scheduler: SchedulerService;
  readonly scrobbleRetriever: ScrobbleRetrieverService;
  readonly storage: StorageService;
  readonly subsonicApi: SubsonicApiService;
  readonly task: TaskService;
  readonly users: UsersService;
  readonly websocket: WebSocketService;
}

/** Creates every simulated service. Which ones the plugin may reach is decided by its manifest. */
export function createServices(context: ServiceContext, options: NavidromeOptions): Services {
  return {
    artwork: createArtworkService(context, options),
    cache: createCacheService(context, options),
    config: createConfigService(context, options),
    http: createHttpService(context, options),
    kvstore: createKVStoreService(context, options),
    library: createLibraryService(context, options),
    matcher: createMatcherService(context, options),
    scheduler: createSchedulerService(context, options),
    scrobbleRetriever: createScrobbleRetrieverService(context, options),
    storage: createStorageService(context, options),
    subsonicApi: createSubsonicApiService(context, options),
    task: createTaskService(context, options),
    users: createUsersService(context, options),
    websocket: createWebSocketService(context, options),
  };
}
