import { configString, definePlugin, HostCallError, log, scheduler, subsonicApi, users } from "@nd/pdk";

/** Cron expression for every minute. */
const DEFAULT_CRON = "* * * * *";

/** The fields of a getNowPlaying entry that the log line uses. Navidrome sends many more. */
interface NowPlayingEntry {
  username?: string;
  title?: string;
  artist?: string;
  album?: string;
  playerName?: string;
  minutesAgo?: number;
}

type NowPlayingResult = { readonly entries: NowPlayingEntry[] } | { readonly failure: string };

/**
 * Schedules the recurring check. Navidrome generates the schedule id, because Navidrome rejects an id
 * that one of the plugin's schedules already has.
 *
 * @throws {Error} naming the `cron` setting when Navidrome rejects the expression.
 */
function scheduleCheck(): void {
  const cron = configString("cron") ?? DEFAULT_CRON;
  let scheduleId: string;
  try {
    scheduleId = scheduler.scheduleRecurring(cron, "now-playing");
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    throw new Error(`cannot schedule the now-playing check with plugin configuration "cron" = ${JSON.stringify(cron)}: ${error.hostMessage}; correct it in the plugin's settings in Navidrome`);
  }
  log.info("now-playing check scheduled", { cron, scheduleId });
}

/** Returns the configured user, or the first administrator the plugin may see, or undefined. */
function actingUser(): string | undefined {
  const configured = configString("user");
  if (configured !== undefined) return configured;
  return users.getAdmins()[0]?.userName;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a getNowPlaying body. The Subsonic API reports its own failures inside a successful host call,
 * as `"status": "failed"` with an error code and message, so the envelope is checked here.
 */
function readNowPlaying(body: string): NowPlayingResult {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    return { failure: `the response is not JSON: ${JSON.stringify(body.slice(0, 80))}` };
  }

  const response = isObject(document) ? document["subsonic-response"] : undefined;
  if (!isObject(response)) return { failure: "the response has no \"subsonic-response\" object" };

  if (response["status"] !== "ok") {
    const error = isObject(response["error"]) ? response["error"] : {};
    return { failure: `Subsonic error ${String(error["code"] ?? "without a code")}: ${String(error["message"] ?? "no message")}` };
  }

  // An empty list may arrive as "nowPlaying": {} without an entry key, so a missing list reads as empty.
  const nowPlaying = isObject(response["nowPlaying"]) ? response["nowPlaying"] : {};
  const entries = Array.isArray(nowPlaying["entry"]) ? nowPlaying["entry"].filter(isObject) : [];
  return { entries: entries as NowPlayingEntry[] };
}

/**
 * Logs who is playing what. Every failure is logged and swallowed, so a failed check leaves nothing
 * for Navidrome to log a second time and the schedule simply runs again at its next time.
 */
function checkNowPlaying(): void {
  let user: string | undefined;
  let body: string;
  try {
    user = actingUser();
    if (user === undefined) {
      log.warn("now-playing check skipped: no user to call the Subsonic API as; set \"user\" in the plugin's settings or allow an administrator for the plugin");
      return;
    }
    body = subsonicApi.call(`getNowPlaying?u=${encodeURIComponent(user)}`);
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.error("now-playing check failed: the host call was rejected", { user, call: `${error.service}.${error.function}`, error: error.hostMessage });
    return;
  }

  const result = readNowPlaying(body);
  if ("failure" in result) {
    log.error("now-playing check failed: getNowPlaying returned an error", { user, error: result.failure });
    return;
  }

  if (result.entries.length === 0) {
    log.info("nothing is playing");
    return;
  }
  for (const entry of result.entries) {
    log.info("now playing", {
      user: entry.username,
      artist: entry.artist,
      title: entry.title,
      album: entry.album,
      player: entry.playerName,
      minutesAgo: entry.minutesAgo,
    });
  }
}

export default definePlugin({
  lifecycle: {
    onInit: scheduleCheck,
  },
  scheduler: {
    onCallback: checkNowPlaying,
  },
});
