export { definePlugin } from "./define-plugin.js";
export type { ExportFunction, PluginExports } from "./define-plugin.js";
export * from "./generated/index.js";
export { PluginDefinitionError } from "./plugin-definition-error.js";
