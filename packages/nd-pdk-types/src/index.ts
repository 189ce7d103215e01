export { decodeBase64, encodeBase64 } from "./base64.js";
export { decodeUtf8, encodeUtf8 } from "./utf8.js";
export type { ArrayCodec, Codec, CustomCodec, MapCodec, NullableCodec, ObjectCodec, ScalarCodec } from "./codec.js";
export { decodeValue, encodeValue } from "./codec.js";
export { HostCallError } from "./errors/host-call-error.js";
export type { HostCallFailure } from "./errors/host-call-error.js";
export { NdPdkError } from "./errors/nd-pdk-error.js";
export { WireFormatError } from "./errors/wire-format-error.js";
export type * from "./generated/types.js";
