import { definePlugin, log } from "@nd/pdk";

// Every method below is a stub that reports no data. Replace the bodies with the plugin's work, and
// keep each method synchronous: host calls such as http.send return their result directly.
export default definePlugin({
  // nd-pdk:begin metadataAgent
  // Every metadata method is optional. Returning undefined means "no data", so Navidrome tries the
  // next agent. A thrown error counts as a plugin failure, which Navidrome retries later.
  metadataAgent: {
    getArtistBiography({ name }) {
      log.debug("no biography yet", { artist: name });
      return undefined;
    },
    getSimilarArtists({ name, limit }) {
      log.debug("no similar artists yet", { artist: name, limit });
      return undefined;
    },
  },
  // nd-pdk:end metadataAgent
  // nd-pdk:begin scrobbler
  // A scrobbler implements all four methods. Throw an Error whose message contains a ScrobblerError
  // marker (imported from "@nd/pdk") to tell Navidrome whether to retry a failed scrobble.
  scrobbler: {
    isAuthorized({ username }) {
      log.debug("no account linked yet", { username });
      return false;
    },
    nowPlaying({ username, track }) {
      log.debug("now playing", { username, title: track.title });
    },
    scrobble({ username, track, timestamp }) {
      log.debug("scrobble not sent yet", { username, title: track.title, timestamp });
    },
    playbackReport({ username, state, positionMs }) {
      log.debug("playback report", { username, state, positionMs });
    },
  },
  // nd-pdk:end scrobbler
  // nd-pdk:begin lyrics
  // An empty list means no lyrics for this track.
  lyrics: {
    getLyrics({ track }) {
      log.debug("no lyrics yet", { title: track.title, artist: track.artist });
      return { lyrics: [] };
    },
  },
  // nd-pdk:end lyrics
  // nd-pdk:begin sonicSimilarity
  // Both methods are required. An empty list of matches means no suggestions.
  sonicSimilarity: {
    getSonicSimilarTracks({ song, count }) {
      log.debug("no similar tracks yet", { title: song.name, count });
      return { matches: [] };
    },
    findSonicPath({ startSong, endSong, count }) {
      log.debug("no sonic path yet", { from: startSong.name, to: endSong.name, count });
      return { matches: [] };
    },
  },
  // nd-pdk:end sonicSimilarity
  // nd-pdk:begin lifecycle
  // Navidrome does not call onInit on every load, so the other methods must not depend on it.
  lifecycle: {
    onInit() {
      log.info("plugin initialized");
    },
  },
  // nd-pdk:end lifecycle
  // nd-pdk:begin scheduler
  // Called when a schedule created with scheduler.scheduleOneTime or scheduler.scheduleRecurring
  // fires. Creating schedules needs "permissions": { "scheduler": {} } in manifest.json.
  scheduler: {
    onCallback({ scheduleId, payload, isRecurring }) {
      log.debug("schedule fired", { scheduleId, payload, isRecurring });
    },
  },
  // nd-pdk:end scheduler
  // nd-pdk:begin taskWorker
  // Runs a task added with task.enqueue, which needs "permissions": { "taskqueue": {} } in
  // manifest.json. Throw to fail the attempt; Navidrome retries it up to the queue's maxRetries.
  taskWorker: {
    onTaskExecute({ queueName, taskId, attempt }) {
      log.debug("task received", { queueName, taskId, attempt });
      return undefined;
    },
  },
  // nd-pdk:end taskWorker
  // nd-pdk:begin websocket
  // Events of connections opened with websocket.connect, which needs "permissions": { "websocket":
  // { "requiredHosts": [...] } } in manifest.json. Navidrome logs an error for an event whose method
  // is missing, so a plugin that opens connections implements all four.
  websocket: {
    onTextMessage({ connectionId, message }) {
      log.debug("text message", { connectionId, length: message.length });
    },
    onBinaryMessage({ connectionId, data }) {
      log.debug("binary message", { connectionId, bytes: data.length });
    },
    onError({ connectionId, error }) {
      log.warn("connection failed", { connectionId, error });
    },
    onClose({ connectionId, code, reason }) {
      log.debug("connection closed", { connectionId, code, reason });
    },
  },
  // nd-pdk:end websocket
});
