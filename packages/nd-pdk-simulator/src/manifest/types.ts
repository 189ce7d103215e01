/** A plugin's manifest.json, as Navidrome reads it. */
export interface Manifest {
  readonly name: string;
  readonly author: string;
  readonly version: string;
  readonly description?: string;
  readonly website?: string;
  readonly permissions?: Permissions;
  readonly config?: ConfigDefinition;
}

/** The plugin's configuration form: a JSON Schema and an optional JSONForms UI schema. */
export interface ConfigDefinition {
  readonly schema: Readonly<Record<string, unknown>>;
  readonly uiSchema?: Readonly<Record<string, unknown>>;
}

/** Every permission a manifest may declare. */
export interface Permissions {
  readonly http?: HostListPermission;
  readonly subsonicapi?: ReasonPermission;
  readonly scheduler?: ReasonPermission;
  readonly websocket?: HostListPermission;
  readonly artwork?: ReasonPermission;
  readonly cache?: ReasonPermission;
  readonly library?: ReasonPermission & { readonly filesystem?: boolean };
  readonly kvstore?: ReasonPermission & { readonly maxSize?: string };
  readonly users?: ReasonPermission;
  readonly taskqueue?: ReasonPermission & { readonly maxConcurrency?: number };
  readonly matcher?: ReasonPermission;
  readonly storage?: ReasonPermission;
  readonly scrobbleRetriever?: ReasonPermission;
}

/** A permission that only explains itself. */
export interface ReasonPermission {
  readonly reason?: string;
}

/** A permission limited to hosts matching `requiredHosts` (`api.example.com`, `*.example.org`). */
export interface HostListPermission extends ReasonPermission {
  readonly requiredHosts?: readonly string[];
}

/** The keys of {@link Permissions}. */
export type PermissionKey = keyof Permissions;
