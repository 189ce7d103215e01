/**
 * Building blocks of the generated bindings: codecs of the shared types and the host-call bridge,
 * and the contract of the file natives that runtimes provide. Plugin code should not need anything
 * from here.
 *
 * @module
 */
export { bytesCodec } from "./bytes.js";
export { hasErrorMarker, setErrorMarker } from "./errors/nd-pdk-error.js";
export * from "./generated/types.js";
export { FILE_NATIVES_KEY, LIBRARY_MOUNT_POINT, STORAGE_MOUNT_POINT } from "./internal/files.js";
export type { FileNatives, NativeDirectoryEntry, NativeFileInfo, NativeFileKind } from "./internal/files.js";
export { callHost, decodeReply, readInput, writeOutput } from "./internal/runtime.js";
export type { CapabilitySpec, ExportSpec, HostFunction } from "./internal/runtime.js";
