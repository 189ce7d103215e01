export { FakeClock } from "./clock.js";
export type { CallOutcome, LogLevel, LogRecord } from "./host/service.js";
export { ManifestError, manifestLoadRules, parseByteSize, parseManifest } from "./manifest/validate.js";
export { manifestSchema } from "./manifest/schema.js";
export type { ConfigDefinition, HostListPermission, Manifest, PermissionKey, Permissions, ReasonPermission } from "./manifest/types.js";
export { createNavidrome, detectCapabilities, readBundle } from "./navidrome.js";
export type { BundleSource, HostCallRecord, LoadedPlugin, Navidrome } from "./navidrome.js";
export type {
  HttpHandler,
  HttpRequestInfo,
  HttpResponseInfo,
  NavidromeOptions,
  SimulatedLibrary,
  SimulatedUser,
  SubsonicResponses,
  WebSocketOptions,
} from "./options.js";
export type { CallResult, CapabilityCaller, PluginCaller } from "./plugin-caller.js";
export type { HostBridge } from "./runtime/bridge.js";
export { loadQuickJsPlugin } from "./runtime/quickjs.js";
export type { QuickJsPlugin, QuickJsPluginOptions } from "./runtime/quickjs.js";
