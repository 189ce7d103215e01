import { ConfigValueError, definePlugin, ScrobblerError, type TrackInfo } from "@nd/pdk";

import { deliver, type WebhookEvent } from "./delivery.js";
import { requestTimeoutMs, webhookUrlsFor } from "./settings.js";

/** Converts a track to the JSON webhooks receive: Navidrome's fields, with the MusicBrainz ids grouped. */
function describeTrack(track: TrackInfo): Record<string, unknown> {
  return {
    id: track.id,
    title: track.title,
    album: track.album,
    artist: track.artist,
    albumArtist: track.albumArtist,
    artists: track.artists.map((artist) => ({ name: artist.name, mbid: artist.mbid })),
    durationSeconds: track.duration,
    trackNumber: track.trackNumber,
    discNumber: track.discNumber,
    musicBrainz: {
      recordingId: track.mbzRecordingId,
      albumId: track.mbzAlbumId,
      releaseGroupId: track.mbzReleaseGroupId,
      releaseTrackId: track.mbzReleaseTrackId,
    },
  };
}

/**
 * Finds the user's webhooks and sends the event to them.
 *
 * @throws {Error} with {@link ScrobblerError.NotAuthorized} when the user has no webhook, and with
 * {@link ScrobblerError.Unrecoverable} when the settings are invalid, because every later call would
 * fail the same way until the administrator corrects them.
 */
function send(event: WebhookEvent, idempotencyKey?: string): void {
  let urls: string[];
  let timeoutMs: number;
  try {
    urls = webhookUrlsFor(event.username);
    timeoutMs = requestTimeoutMs();
  } catch (error) {
    if (ConfigValueError.isInstance(error)) throw new Error(`${ScrobblerError.Unrecoverable}: ${error.message}`);
    throw error;
  }

  if (urls.length === 0) {
    throw new Error(`${ScrobblerError.NotAuthorized}: no webhook URL is set for user "${event.username}"; add one to userWebhooks or set defaultUrl`);
  }
  deliver(urls, event, timeoutMs, idempotencyKey);
}

export default definePlugin({
  scrobbler: {
    // Navidrome reads a thrown error as false and logs it, so invalid settings surface in its log.
    isAuthorized({ username }) {
      return webhookUrlsFor(username).length > 0;
    },

    nowPlaying({ username, track, position }) {
      send({ event: "now_playing", username, track: describeTrack(track), positionSeconds: position });
    },

    scrobble({ username, track, timestamp }) {
      send({ event: "scrobble", username, track: describeTrack(track), startedAt: timestamp }, `${username}:${track.id}:${timestamp}`);
    },

    playbackReport({ username, track, state, positionMs, playbackRate, playerId, playerName, timestamp }) {
      send({
        event: "playback_report",
        username,
        track: describeTrack(track),
        state,
        positionMs,
        playbackRate,
        player: { id: playerId, name: playerName },
        reportedAt: timestamp,
      });
    },
  },
});
