// Stands in for "@nd/pdk-types" when the expected files are type-checked. It re-exports the real
// package source and adds the shared types of the shared-type shape, which the real package lacks.
export * from "../../../../packages/nd-pdk-types/src/index.js";
export type * from "./shared-type/expected/packages/nd-pdk-types/src/generated/types.js";
