// Stands in for "@nd/pdk-types/internal" when the expected files are type-checked. It re-exports the
// real package source and adds the codecs of the shared-type shape, which the real package lacks.
export * from "../../../../packages/nd-pdk-types/src/internal.js";
export * from "./shared-type/expected/packages/nd-pdk-types/src/generated/types.js";
