export * from "@nd/pdk-capabilities";
export * from "@nd/pdk-host";
export * from "@nd/pdk-types";
// The host services and the capabilities both have a scheduler and a websocket module. The plain names
// are the host services, which plugins call; the capability modules hold types and get a suffix.
export { scheduler, websocket } from "@nd/pdk-host";
export { scheduler as schedulerCallback, websocket as websocketCallback } from "@nd/pdk-capabilities";
export { ConfigValueError, configBoolean, configJson, configNumber, configString, requireConfig } from "./config-values.js";
export { FileError, files } from "./files.js";
export type { DirectoryEntry, FileErrorCode, FileInfo, FileKind, Files, WriteOptions } from "./files.js";
export { log } from "./log.js";
export type { LogFields, Logger } from "./log.js";
