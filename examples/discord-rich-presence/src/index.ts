import { ConfigValueError, definePlugin, log, ScrobblerError, type TrackInfo } from "@nd/pdk";

import { coverImage } from "./assets.js";
import { closeCodeOf, dropSession, handleDisconnect, handleGatewayMessage, openSession, PLUGIN_CLOSE_CODE, readSession, runSchedule, sendPresence } from "./gateway.js";
import { type Activity, clearStoredActivity, pausedActivity, playingActivity, storeActivity } from "./presence.js";
import { clientId, tokenFor } from "./settings.js";

interface Credentials {
  readonly applicationId: string;
  readonly token: string;
}

/**
 * Returns the application id and the user's token.
 *
 * @throws {Error} with {@link ScrobblerError.NotAuthorized} when the user has no token, and with
 * {@link ScrobblerError.Unrecoverable} when the settings are invalid.
 */
function credentialsFor(username: string): Credentials {
  let applicationId: string;
  let token: string | undefined;
  try {
    applicationId = clientId();
    token = tokenFor(username);
  } catch (error) {
    if (ConfigValueError.isInstance(error)) throw new Error(`${ScrobblerError.Unrecoverable}: ${error.message}`);
    throw error;
  }
  if (token === undefined) throw new Error(`${ScrobblerError.NotAuthorized}: user "${username}" has no Discord token in the plugin's settings`);
  return { applicationId, token };
}

/**
 * Shows an activity as the user's status: at once on a ready session, or through the Identify of a
 * new one. A session that is still connecting sends the stored activity when the gateway sends Hello.
 */
function show(username: string, activity: Activity, track: TrackInfo, positionMs: number): void {
  storeActivity(username, activity, track, positionMs);
  const session = readSession(username);
  if (session === undefined) openSession(username);
  else if (session.state === "ready") sendPresence(username, activity);
}

export default definePlugin({
  scrobbler: {
    isAuthorized({ username }) {
      // Both throw for invalid settings, which Navidrome reads as false and logs.
      clientId();
      return tokenFor(username) !== undefined;
    },

    nowPlaying({ username, track, position }) {
      const { applicationId, token } = credentialsFor(username);
      const image = coverImage(track, applicationId, token);
      show(username, playingActivity(applicationId, track, position * 1000, Date.now(), image), track, position * 1000);
    },

    // The status shows what plays now, so a finished play changes nothing.
    scrobble() {},

    playbackReport({ username, track, state, positionMs, timestamp }) {
      switch (state) {
        case "playing": {
          // NOTE: Discord's progress bar assumes normal speed, so it drifts when playbackRate is not 1.
          const { applicationId, token } = credentialsFor(username);
          const activity = playingActivity(applicationId, track, positionMs, timestamp * 1000, coverImage(track, applicationId, token));
          show(username, activity, track, positionMs);
          break;
        }
        case "paused": {
          const { applicationId, token } = credentialsFor(username);
          show(username, pausedActivity(applicationId, track, coverImage(track, applicationId, token)), track, positionMs);
          break;
        }
        case "stopped":
        case "expired":
          // Discord drops a session's status when its connection closes.
          clearStoredActivity(username);
          if (readSession(username) !== undefined) dropSession(username, "playback stopped");
          log.info("playback stopped, Discord status cleared", { username, state });
          break;
        default:
          // "starting" comes before nowPlaying, which sets the status.
          break;
      }
    },
  },

  websocket: {
    onTextMessage({ connectionId, message }) {
      handleGatewayMessage(connectionId, message);
    },

    onBinaryMessage({ connectionId, data }) {
      log.warn("ignored a binary gateway message; the plugin asks for JSON text", { username: connectionId, bytes: data.length });
    },

    onError({ connectionId, error }) {
      handleDisconnect(connectionId, closeCodeOf(error), error);
    },

    onClose({ connectionId, code, reason }) {
      if (code === PLUGIN_CLOSE_CODE) return;
      handleDisconnect(connectionId, code, reason);
    },
  },

  scheduler: {
    onCallback({ scheduleId, payload }) {
      runSchedule(scheduleId, payload);
    },
  },
});
