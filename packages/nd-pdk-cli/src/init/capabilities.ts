/**
 * The capabilities `nd-pdk init` can scaffold, under the keys `definePlugin` takes.
 */

/** A `definePlugin` key. */
export type CapabilityKey =
  | "metadataAgent"
  | "scrobbler"
  | "lyrics"
  | "sonicSimilarity"
  | "lifecycle"
  | "scheduler"
  | "taskWorker"
  | "websocket";

/** Facts about one capability that `nd-pdk init` needs. */
export interface CapabilityInfo {
  /** The `definePlugin` key, which `--capability` takes. */
  readonly key: CapabilityKey;
  /** Words for the README and the manifest description. */
  readonly title: string;
  /** One-sentence description for the generated README. */
  readonly summary: string;
  /**
   * Permissions the manifest must declare for the stub to load, with the reason shown to the
   * administrator.
   */
  readonly permissions: Readonly<Record<string, string>>;
}

/**
 * Every capability, in the order the generated files list them. Only the scrobbler needs a
 * permission: Navidrome refuses a scrobbler without `users`. The `scheduler` and `taskqueue`
 * permissions work the other way round (they require the callback export, not the reverse), and the
 * stubs schedule and enqueue nothing, so they declare neither.
 */
export const CAPABILITIES: readonly CapabilityInfo[] = [
  {
    key: "metadataAgent",
    title: "metadata agent",
    summary: "Supplies artist and album metadata (biographies, images, similar artists, top songs) from an external source.",
    permissions: {},
  },
  {
    key: "scrobbler",
    title: "scrobbler",
    summary: "Sends what the allowed users play to an external scrobbling service.",
    permissions: { users: "Scrobbles the plays of the users you allow." },
  },
  {
    key: "lyrics",
    title: "lyrics",
    summary: "Fetches lyrics for a track from an external source.",
    permissions: {},
  },
  {
    key: "sonicSimilarity",
    title: "sonic similarity",
    summary: "Suggests songs that sound like a given song, and paths of songs from one song to another.",
    permissions: {},
  },
  {
    key: "lifecycle",
    title: "lifecycle",
    summary: "Runs setup code after Navidrome loads the plugin.",
    permissions: {},
  },
  {
    key: "scheduler",
    title: "scheduler callback",
    summary: "Receives the schedules the plugin creates with the scheduler host service when they fire.",
    permissions: {},
  },
  {
    key: "taskWorker",
    title: "task worker",
    summary: "Runs the tasks the plugin adds to its queues with the task host service.",
    permissions: {},
  },
  {
    key: "websocket",
    title: "WebSocket callback",
    summary: "Receives messages, errors and closes of the WebSocket connections the plugin opens.",
    permissions: {},
  },
];

/** The capability `nd-pdk init` scaffolds when none is named. */
export const DEFAULT_CAPABILITY: CapabilityKey = "metadataAgent";

/** Returns the entry of a key, or undefined for a name that is not a capability. */
export function findCapability(name: string): CapabilityInfo | undefined {
  return CAPABILITIES.find((capability) => capability.key === name);
}
