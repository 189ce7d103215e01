import { cache, type TrackInfo } from "@nd/pdk";

/** ACTIVITY_TYPE_LISTENING: Discord shows the activity as "Listening to <name>". */
const LISTENING = 2;
/** Seconds a paused status is kept for a reconnect, after which it is dropped. */
const PAUSED_TTL_SECONDS = 60 * 60;
/** Seconds a playing status is kept past the end of its track. */
const PLAYING_GRACE_SECONDS = 60;

/** A Discord activity, as the gateway expects it in Identify and Presence Update payloads. */
export interface Activity {
  readonly name: string;
  readonly type: number;
  readonly application_id: string;
  readonly details: string;
  readonly state: string;
  /** Start and end of the track in Unix milliseconds, which Discord shows as a progress bar. */
  readonly timestamps?: { readonly start: number; readonly end: number };
  readonly assets?: { readonly large_image: string; readonly large_text: string };
}

function baseActivity(applicationId: string, track: TrackInfo, image: string | undefined, state: string): Activity {
  return {
    name: "Navidrome",
    type: LISTENING,
    application_id: applicationId,
    details: track.title,
    state,
    ...(image === undefined ? {} : { assets: { large_image: image, large_text: track.album } }),
  };
}

/**
 * Builds the activity of a playing track.
 *
 * @param positionMs - Playback position.
 * @param nowMs - Current Unix time in milliseconds.
 */
export function playingActivity(applicationId: string, track: TrackInfo, positionMs: number, nowMs: number, image: string | undefined): Activity {
  const start = Math.round(nowMs - positionMs);
  return { ...baseActivity(applicationId, track, image, track.artist), timestamps: { start, end: start + Math.round(track.duration * 1000) } };
}

/** Builds the activity of a paused track, without timestamps so that Discord shows no progress. */
export function pausedActivity(applicationId: string, track: TrackInfo, image: string | undefined): Activity {
  return baseActivity(applicationId, track, image, `${track.artist} (paused)`);
}

/** Returns the Discord presence payload for an activity, or for no activity to clear the status. */
export function presencePayload(activity: Activity | undefined): Record<string, unknown> {
  return { since: null, activities: activity === undefined ? [] : [activity], status: "online", afk: false };
}

const presenceKey = (username: string): string => `presence:${username}`;

/**
 * Stores the activity a user should show. A playing activity expires a minute after its track ends
 * and a paused one after an hour, so that a reconnect never brings back an old track.
 */
export function storeActivity(username: string, activity: Activity, track: TrackInfo, positionMs: number): void {
  const remainingSeconds = Math.ceil(track.duration - positionMs / 1000);
  const ttlSeconds = activity.timestamps === undefined ? PAUSED_TTL_SECONDS : Math.max(remainingSeconds, 0) + PLAYING_GRACE_SECONDS;
  cache.setString(presenceKey(username), JSON.stringify(activity), ttlSeconds);
}

/** Returns the activity a user should show, or undefined when nothing plays. */
export function storedActivity(username: string): Activity | undefined {
  const text = cache.getString(presenceKey(username));
  return text === undefined ? undefined : (JSON.parse(text) as Activity);
}

export function clearStoredActivity(username: string): void {
  cache.remove(presenceKey(username));
}
