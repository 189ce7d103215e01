import type { ApiModel } from "../model.js";
import { Imports, renderModule } from "./common.js";

const DECLARATIONS = `/** One host function, as the tooling needs it. */
export interface HostFunctionInfo {
  /** The PDK function name (\`get\`). */
  readonly name: string;
  /** The wasm import in \`extism:host/user\` (\`kvstore_get\`). */
  readonly importName: string;
  /** The first Navidrome release that offers the import, or "unreleased". */
  readonly since: string;
  /** The first release whose wire format the PDK speaks, when it changed after \`since\`. */
  readonly wireSince?: string;
}

/** One host service, as the tooling needs it. */
export interface ServiceInfo {
  /** Navidrome's service name (\`KVStore\`). */
  readonly service: string;
  /** The PDK module (\`kvstore\`). */
  readonly module: string;
  /** The key under \`permissions\` in manifest.json, or null when the service is always available. */
  readonly permission: string | null;
  /** The first release that accepts the permission key, or null when there is none. */
  readonly permissionSince: string | null;
  /** Named limits of the implementation. */
  readonly limits: Readonly<Record<string, number | string>>;
  readonly functions: readonly HostFunctionInfo[];
}

/** One capability export, as the tooling needs it. */
export interface ExportInfo {
  /** The method a plugin implements (\`isAuthorized\`). */
  readonly method: string;
  /** The wasm export Navidrome calls (\`nd_scrobbler_is_authorized\`). */
  readonly exportName: string;
  /** The first Navidrome release that calls it, or "unreleased". */
  readonly since: string;
}

/** One capability, as the tooling needs it. */
export interface CapabilityInfo {
  /** Navidrome's capability name (\`Scrobbler\`). */
  readonly capability: string;
  /** The \`definePlugin\` key (\`scrobbler\`). */
  readonly key: string;
  /** Whether every method must be implemented. */
  readonly required: boolean;
  readonly exports: readonly ExportInfo[];
}`;

/**
 * Renders the API facts the Node-side tooling needs (permissions, import and export names, releases),
 * so that the simulator and the CLI never read schema/ at run time.
 */
export function renderApiData(api: ApiModel): string {
  const releases = `/** Navidrome releases with the current plugin system, oldest first. */\nexport const releases: readonly string[] = ${JSON.stringify(api.releases)};`;

  const serviceLines = ["/** Every host service. */", "export const services: readonly ServiceInfo[] = ["];
  for (const service of api.services) {
    const functions = service.functions.map((fn) => {
      const wireSince = fn.changes.at(-1)?.release;
      const fields = [`name: ${JSON.stringify(fn.name)}`, `importName: ${JSON.stringify(fn.importName)}`, `since: ${JSON.stringify(fn.since)}`];
      if (wireSince !== undefined) fields.push(`wireSince: ${JSON.stringify(wireSince)}`);
      return `      { ${fields.join(", ")} },`;
    });
    const limits = service.limits.map((limit) => `${limit.name}: ${JSON.stringify(limit.value)}`).join(", ");
    serviceLines.push(
      "  {",
      `    service: ${JSON.stringify(service.service)},`,
      `    module: ${JSON.stringify(service.module)},`,
      `    permission: ${JSON.stringify(service.permission)},`,
      `    permissionSince: ${JSON.stringify(service.permissionSince)},`,
      `    limits: { ${limits} },`,
      "    functions: [",
      ...functions,
      "    ],",
      "  },",
    );
  }
  serviceLines.push("];");

  const capabilityLines = ["/** Every capability. */", "export const capabilities: readonly CapabilityInfo[] = ["];
  for (const capability of api.capabilities) {
    capabilityLines.push(
      "  {",
      `    capability: ${JSON.stringify(capability.capability)},`,
      `    key: ${JSON.stringify(capability.key)},`,
      `    required: ${String(capability.required)},`,
      "    exports: [",
      ...capability.exports.map(
        (entry) => `      { method: ${JSON.stringify(entry.method)}, exportName: ${JSON.stringify(entry.exportName)}, since: ${JSON.stringify(entry.since)} },`,
      ),
      "    ],",
      "  },",
    );
  }
  capabilityLines.push("];");

  return renderModule(undefined, new Imports(), [DECLARATIONS, releases, serviceLines.join("\n"), capabilityLines.join("\n")]);
}
