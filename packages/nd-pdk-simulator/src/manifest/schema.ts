/**
 * JSON Schema (draft 2020-12) of a plugin's manifest.json, written for this simulator from the
 * structure Navidrome accepts. Navidrome's JSON decoding ignores unknown keys, so a misspelled key
 * loads and silently does nothing. This schema rejects them instead (`additionalProperties: false` at
 * the top level, in `config` and in every permission), so that the simulator catches the typo that
 * Navidrome would hide. `nd-pdk build` reports such keys as warnings.
 */

/** Builds a permission object that has only the optional explanation shown to the administrator. */
function reasonOnlyPermission(description: string) {
  return {
    type: "object",
    description,
    additionalProperties: false,
    properties: {
      reason: { $ref: "#/$defs/reason" },
    },
  } as const;
}

/** Builds a permission object whose `requiredHosts` lists the host patterns the plugin may contact. */
function hostListPermission(description: string, hostsDescription: string) {
  return {
    type: "object",
    description,
    additionalProperties: false,
    properties: {
      reason: { $ref: "#/$defs/reason" },
      requiredHosts: {
        type: "array",
        description: hostsDescription,
        items: { type: "string" },
      },
    },
  } as const;
}

/** The schema with its literal type, so that code in this package can read its parts typed. */
export const manifestSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://nd-pdk.invalid/schemas/manifest.json",
  title: "Navidrome plugin manifest",
  description: "Metadata, permissions and configuration form of a Navidrome plugin, read from manifest.json inside the .ndp package.",
  type: "object",
  additionalProperties: false,
  required: ["name", "author", "version"],
  properties: {
    name: {
      type: "string",
      minLength: 1,
      description: "Display name of the plugin in Navidrome's plugin list.",
    },
    author: {
      type: "string",
      minLength: 1,
      description: "Person or organisation that publishes the plugin.",
    },
    version: {
      type: "string",
      minLength: 1,
      description: "Version of the plugin, such as 1.2.0. Navidrome shows it but does not compare versions.",
    },
    description: {
      type: "string",
      description: "One or two sentences on what the plugin does, shown to the administrator.",
    },
    website: {
      type: "string",
      format: "uri",
      description: "Absolute URL of the plugin's home page or source repository.",
    },
    permissions: { $ref: "#/$defs/permissions" },
    config: { $ref: "#/$defs/config" },
  },
  $defs: {
    reason: {
      type: "string",
      description: "Why the plugin needs this permission, shown to the administrator who enables it.",
    },
    config: {
      type: "object",
      description: "Settings form of the plugin. Navidrome renders it with JSONForms and stores the values the administrator saves.",
      additionalProperties: false,
      required: ["schema"],
      properties: {
        schema: {
          type: "object",
          description: "JSON Schema of the settings object. Navidrome compiles it when it reads the manifest and validates saved settings against it.",
        },
        uiSchema: {
          type: "object",
          description: "JSONForms UI schema that lays out the settings form.",
        },
      },
    },
    permissions: {
      type: "object",
      description:
        "Host services the plugin uses. Navidrome registers a service's host functions only when its key is present, so a plugin that imports a function without declaring the permission fails to load.",
      additionalProperties: false,
      properties: {
        http: hostListPermission(
          "Outbound HTTP requests through the http host service and Extism's built-in HTTP function.",
          "Host patterns the plugin may reach: an exact host, \"*.example.com\" for its subdomains, or \"*\" for any host. Without it, any public host is allowed but private and loopback addresses are not.",
        ),
        subsonicapi: reasonOnlyPermission("Calls to Navidrome's Subsonic API on behalf of allowed users. Requires the users permission as well."),
        scheduler: reasonOnlyPermission("One-time and recurring schedules. The plugin must export nd_scheduler_callback."),
        websocket: hostListPermission(
          "Outbound WebSocket connections.",
          "Host patterns the plugin may connect to, with the same syntax as for http. An empty or missing list allows no host at all.",
        ),
        artwork: reasonOnlyPermission("Public URLs of artist, album, track and playlist images."),
        cache: reasonOnlyPermission("In-memory cache with expiring entries, cleared when Navidrome restarts."),
        library: {
          type: "object",
          description: "Metadata of the libraries the administrator allows. The plugin can be enabled only after libraries are selected.",
          additionalProperties: false,
          properties: {
            reason: { $ref: "#/$defs/reason" },
            filesystem: {
              type: "boolean",
              default: false,
              description: "Mount each allowed library read-only at /libraries/<id> and expose library and track paths.",
            },
          },
        },
        kvstore: {
          type: "object",
          description: "Persistent key-value store of the plugin, kept on disk.",
          additionalProperties: false,
          properties: {
            reason: { $ref: "#/$defs/reason" },
            maxSize: {
              type: "string",
              description:
                "Storage quota as a byte size such as \"500KB\", \"2MB\" or \"1MiB\". KB and MB are powers of 1000, KiB and MiB powers of 1024. The default is 1 MiB.",
            },
          },
        },
        users: reasonOnlyPermission("Names and admin flags of the users the administrator allows. The plugin can be enabled only after users are selected."),
        taskqueue: {
          type: "object",
          description: "Background task queues. The plugin must export nd_task_execute.",
          additionalProperties: false,
          properties: {
            reason: { $ref: "#/$defs/reason" },
            maxConcurrency: {
              type: "integer",
              minimum: 1,
              default: 1,
              description: "Number of tasks of this plugin that may run at the same time, across all its queues.",
            },
          },
        },
        matcher: reasonOnlyPermission("Resolution of external songs to library tracks. Requires the library permission as well."),
        storage: reasonOnlyPermission("Private read-write folder mounted at /storage that persists between runs."),
        scrobbleRetriever: reasonOnlyPermission("Scrobble history of the allowed users. Requires the users permission as well."),
      },
    },
  },
} as const;

/**
 * JSON Schema (draft 2020-12) of a plugin's manifest.json, as the simulator and `nd-pdk build` check
 * it: Navidrome's structure, but with unknown keys rejected at the top level, in `config` and in every
 * permission, where Navidrome would ignore them.
 */
export const publicManifestSchema: Readonly<Record<string, unknown>> = manifestSchema;
