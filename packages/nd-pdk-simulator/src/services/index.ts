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
  /** Artwork URLs, and a reader that decodes them. */
  readonly artwork: ArtworkService;
  /** The in-memory cache and its entries. */
  readonly cache: CacheService;
  /** The plugin's configuration values. */
  readonly config: ConfigService;
  /** Outbound HTTP: the requests that reached the handler and those rejected. */
  readonly http: HttpService;
  /** The key-value store: its entries, usage and quota. */
  readonly kvstore: KVStoreService;
  /** The libraries the plugin may see. */
  readonly library: LibraryService;
  /** Song matching and its calls. */
  readonly matcher: MatcherService;
  /** Schedules and their firings. */
  readonly scheduler: SchedulerService;
  /** The users' scrobble history. */
  readonly scrobbleRetriever: ScrobbleRetrieverService;
  /** The plugin's storage folder. */
  readonly storage: StorageService;
  /** Subsonic API requests. */
  readonly subsonicApi: SubsonicApiService;
  /** Task queues and their tasks. */
  readonly task: TaskService;
  /** The users the plugin may see. */
  readonly users: UsersService;
  /** WebSocket connections, and the server side that a test plays. */
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
