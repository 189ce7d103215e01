/** A plugin's manifest.json, as Navidrome reads it. */
export interface Manifest {
  /** Display name in Navidrome's plugin list. */
  readonly name: string;
  /** Person or organisation that publishes the plugin. */
  readonly author: string;
  /** Version of the plugin, such as `1.2.0`. Navidrome shows it but does not compare versions. */
  readonly version: string;
  /** Description of the plugin, shown to the administrator. */
  readonly description?: string;
  /** Absolute URL of the plugin's home page or source repository. */
  readonly website?: string;
  /** Host services the plugin uses; Navidrome registers the host functions of these services only. */
  readonly permissions?: Permissions;
  /** Settings form that the administrator fills in. */
  readonly config?: ConfigDefinition;
}

/** The plugin's configuration form: a JSON Schema and an optional JSONForms UI schema. */
export interface ConfigDefinition {
  /** JSON Schema (draft-07) of the settings object; Navidrome validates saved settings against it. */
  readonly schema: Readonly<Record<string, unknown>>;
  /** JSONForms UI schema that lays out the settings form. */
  readonly uiSchema?: Readonly<Record<string, unknown>>;
}

/** Every permission a manifest may declare. */
export interface Permissions {
  /** Outbound HTTP requests, through the http service and Extism's built-in HTTP function. */
  readonly http?: HostListPermission;
  /** Calls to Navidrome's Subsonic API for allowed users; needs `users` as well. */
  readonly subsonicapi?: ReasonPermission;
  /** One-time and recurring schedules; the plugin must export `nd_scheduler_callback`. */
  readonly scheduler?: ReasonPermission;
  /** Outbound WebSocket connections, only to the hosts in `requiredHosts`. */
  readonly websocket?: HostListPermission;
  /** Public URLs of artist, album, track and playlist images. */
  readonly artwork?: ReasonPermission;
  /** In-memory cache with expiring entries, cleared when Navidrome restarts. */
  readonly cache?: ReasonPermission;
  /** Metadata of the allowed libraries. */
  readonly library?: ReasonPermission & {
    /** Mounts each allowed library read-only at `/libraries/<id>` and sends library and track paths. */
    readonly filesystem?: boolean;
  };
  /** Persistent key-value store of the plugin. */
  readonly kvstore?: ReasonPermission & {
    /** Storage quota as a byte size such as `"500KB"` or `"2MiB"`; 1 MiB by default. */
    readonly maxSize?: string;
  };
  /** Names and admin flags of the allowed users. */
  readonly users?: ReasonPermission;
  /** Background task queues; the plugin must export `nd_task_execute`. */
  readonly taskqueue?: ReasonPermission & {
    /** Number of tasks of this plugin that may run at the same time, across its queues; 1 by default. */
    readonly maxConcurrency?: number;
  };
  /** Resolution of external songs to library tracks; needs `library` as well. */
  readonly matcher?: ReasonPermission;
  /** Private read-write folder mounted at `/storage`, kept between runs. */
  readonly storage?: ReasonPermission;
  /** Scrobble history of the allowed users; needs `users` as well. */
  readonly scrobbleRetriever?: ReasonPermission;
}

/** A permission that only explains itself. */
export interface ReasonPermission {
  /** Reason the plugin needs the permission, shown to the administrator who enables the plugin. */
  readonly reason?: string;
}

/** A permission limited to hosts matching `requiredHosts` (`api.example.com`, `*.example.org`). */
export interface HostListPermission extends ReasonPermission {
  /** Host patterns the plugin may reach: an exact host, `*.example.com` for its subdomains, or `*`. */
  readonly requiredHosts?: readonly string[];
}

/** The keys of {@link Permissions}. */
export type PermissionKey = keyof Permissions;
