export { decodeBase64, encodeBase64 } from "./base64.js";
export type { ArrayCodec, Codec, MapCodec, NullableCodec, ObjectCodec, ScalarCodec } from "./codec.js";
export { decodeValue, encodeValue } from "./codec.js";
export { HostCallError } from "./errors/host-call-error.js";
export type { HostCallFailure } from "./errors/host-call-error.js";
export { NdPdkError } from "./errors/nd-pdk-error.js";
export { WireFormatError } from "./errors/wire-format-error.js";
export type * from "./generated/types.js";
