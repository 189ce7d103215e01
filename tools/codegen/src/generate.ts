import type { ApiModel } from "./model.js";
import { capabilityFileName, renderCapabilitiesIndex, renderCapability, renderCapabilitySpecs, renderExportSpecs } from "./render/capabilities.js";
import { renderHostIndex, renderService, serviceFileName } from "./render/host.js";
import { renderApiData } from "./render/api-data.js";
import { renderSharedTypes } from "./render/types.js";

/** Folder of generated files of each package, relative to the repository root. */
export const GENERATED_DIRS = {
  types: "packages/nd-pdk-types/src/generated",
  host: "packages/nd-pdk-host/src/generated",
  capabilities: "packages/nd-pdk-capabilities/src/generated",
  simulator: "packages/nd-pdk-simulator/src/generated",
} as const;

/**
 * Renders every generated file from the API model.
 *
 * @returns file contents keyed by path relative to the repository root.
 */
export function generate(api: ApiModel): Map<string, string> {
  const files = new Map<string, string>();

  files.set(`${GENERATED_DIRS.types}/types.ts`, renderSharedTypes(api));

  if (api.services.length > 0) {
    for (const service of api.services) {
      files.set(`${GENERATED_DIRS.host}/${serviceFileName(service)}`, renderService(api, service));
    }
    files.set(`${GENERATED_DIRS.host}/index.ts`, renderHostIndex(api));
  }

  if (api.capabilities.length > 0) {
    for (const capability of api.capabilities) {
      files.set(`${GENERATED_DIRS.capabilities}/${capabilityFileName(capability)}`, renderCapability(api, capability));
    }
    files.set(`${GENERATED_DIRS.capabilities}/index.ts`, renderCapabilitiesIndex(api));
    files.set(`${GENERATED_DIRS.capabilities}/export-specs.ts`, renderExportSpecs(api));
    files.set(`${GENERATED_DIRS.capabilities}/capability-specs.ts`, renderCapabilitySpecs(api));
  }

  files.set(`${GENERATED_DIRS.simulator}/api.ts`, renderApiData(api));

  return files;
}
