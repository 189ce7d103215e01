export { FakeClock } from "./clock.js";
export type { CallOutcome, HostFunctionImpl, LogLevel, LogRecord, SimulatedService } from "./host/service.js";
export { ManifestError, manifestLoadRules, parseByteSize, parseManifest } from "./manifest/validate.js";
export { publicManifestSchema as manifestSchema } from "./manifest/schema.js";
export type { ConfigDefinition, HostListPermission, Manifest, PermissionKey, Permissions, ReasonPermission } from "./manifest/types.js";
export { createNavidrome, detectCapabilities, readBundle, readWasm } from "./navidrome.js";
export type { BundleLimits, BundleOptions, BundleSource, HostCallRecord, LoadedPlugin, LoadOptions, Navidrome, WasmLimits, WasmSource } from "./navidrome.js";
export type {
  HttpHandler,
  HttpRequestInfo,
  HttpResponseInfo,
  MountOption,
  NavidromeOptions,
  SimulatedLibrary,
  SimulatedUser,
  SubsonicResponses,
  WebSocketOptions,
} from "./options.js";
export type { CallResult, CapabilityCaller, PluginCaller } from "./plugin-caller.js";
export type { HostBridge } from "./runtime/bridge.js";
export type { MountedFolder, PluginCompiler } from "./runtime/files.js";
export type { PluginExportsObject } from "./runtime/in-process.js";
export { loadQuickJsPlugin } from "./runtime/quickjs.js";
export type { QuickJsPlugin, QuickJsPluginOptions, TopLevelProblem } from "./runtime/quickjs.js";
export type { ArtworkKind, ArtworkReference, ArtworkService } from "./services/artwork.js";
export type { CacheEntry, CachePutOptions, CacheService, CacheValue } from "./services/cache.js";
export type { ConfigService } from "./services/config.js";
export type { HttpService, RefusedHttpRequest } from "./services/http.js";
export type { Services } from "./services/index.js";
export type { KVStorePutOptions, KVStoreService } from "./services/kvstore.js";
export type { LibraryService } from "./services/library.js";
export type { MatcherService, MatchRecord, SongKeys } from "./services/matcher.js";
export type { ScheduledJob, SchedulerFiring, SchedulerService } from "./services/scheduler.js";
export type { ScrobbleRetrieverService } from "./services/scrobble-retriever.js";
export type { StorageService } from "./services/storage.js";
export type { SubsonicApiService, SubsonicRequestRecord } from "./services/subsonic-api.js";
export type { QueueInfo, TaskAttempt, TaskRecord, TaskService, TaskStatus } from "./services/task.js";
export type { UsersService } from "./services/users.js";
export type { SentWebSocketMessage, WebSocketConnection, WebSocketService } from "./services/websocket.js";
