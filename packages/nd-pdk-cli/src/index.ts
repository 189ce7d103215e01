/**
 * The programmatic API of nd-pdk: the build, validate, init and config-types commands as functions
 * that return their result instead of printing it.
 *
 * @example
 * ```ts
 * import { buildPlugin } from "@nd/pdk-cli";
 *
 * const result = await buildPlugin({ dir: "plugins/lastfm" });
 * if (!result.ok) console.error(result.errors.join("\n"));
 * ```
 */
export { buildPlugin } from "./build/build-plugin.js";
export type { BuildOptions } from "./build/build-plugin.js";
export { bundlePlugin } from "./build/bundle.js";
export type { BundleOptions, BundleOutput } from "./build/bundle.js";
export { renderInterfaceFile, parseInterfaceFile } from "./build/interface-file.js";
export type { InterfaceDeclarations } from "./build/interface-file.js";
export { validatePlugin } from "./validate/validate-plugin.js";
export type { ValidateOptions } from "./validate/validate-plugin.js";
export type { MinimumRelease } from "./validate/release.js";
export { ExitCode, UsageError } from "./output.js";
export type { CheckResult, Step } from "./output.js";
export { generateConfigModule, generateConfigModuleWithNotes } from "./config-types/generate.js";
export type { GeneratedConfigModule } from "./config-types/generate.js";
export { ConfigSchemaError } from "./config-types/schema.js";
export { ConfigTypesError, writeConfigTypes } from "./config-types/write.js";
export type { WriteConfigTypesOptions, WriteConfigTypesResult } from "./config-types/write.js";
export { CAPABILITIES } from "./init/capabilities.js";
export type { CapabilityInfo, CapabilityKey } from "./init/capabilities.js";
export { createPluginProject, InitError } from "./init/create-project.js";
export type { InitOptions, InitResult } from "./init/create-project.js";
