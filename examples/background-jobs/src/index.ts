import { definePlugin, HostCallError, log, ScrobblerError, task } from "@nd/pdk";

import { tokenFor } from "./accounts.js";
import { type Delivery, sendNowPlaying } from "./listenlog-api.js";
import { describeTrack, encodeListen, isTooOld, listenFromScrobble, nowPlayingTrack } from "./listens.js";
import { NIGHTLY_MAINTENANCE, runNightlyMaintenance, scheduleNightlyMaintenance } from "./maintenance.js";
import { createListenQueue, enqueueListen, LISTEN_QUEUE } from "./queue.js";
import { writeStatus } from "./status.js";
import { executeListenTask } from "./worker.js";

/** Returns the token of a user, or throws the error that makes Navidrome drop the call. */
function requireToken(username: string): string {
  const token = tokenFor(username);
  if (token === undefined) throw new Error(`${ScrobblerError.NotAuthorized}: user "${username}" has not linked a ListenLog account`);
  return token;
}

function nowPlayingError(delivery: Exclude<Delivery, { kind: "accepted" }>): Error {
  const marker = {
    unauthorized: ScrobblerError.NotAuthorized,
    rejected: ScrobblerError.Unrecoverable,
    unavailable: ScrobblerError.RetryLater,
  }[delivery.kind];
  return new Error(`${marker}: ${delivery.reason}`);
}

export default definePlugin({
  lifecycle: {
    onInit() {
      createListenQueue();
      scheduleNightlyMaintenance();
      log.info("listen queue ready", { queue: LISTEN_QUEUE });
    },
  },

  scrobbler: {
    isAuthorized: ({ username }) => tokenFor(username) !== undefined,

    nowPlaying({ username, track }) {
      // Now-playing updates go out at once, because a queued one would be stale by the time a retry runs.
      const delivery = sendNowPlaying(requireToken(username), nowPlayingTrack(track));
      if (delivery.kind !== "accepted") throw nowPlayingError(delivery);
    },

    scrobble(request) {
      const { username } = request;
      requireToken(username);
      const listen = listenFromScrobble(request);
      const track = describeTrack(listen.track);
      if (isTooOld(listen.listenedAt, Date.now())) {
        throw new Error(`${ScrobblerError.Unrecoverable}: the listen of ${track} started more than 14 days ago, and ListenLog rejects such listens`);
      }

      const payload = encodeListen(listen);
      let taskId: string;
      try {
        taskId = enqueueListen(payload);
      } catch (error) {
        if (!HostCallError.isInstance(error)) throw error;
        if (payload.length > task.limits.maxPayloadBytes) {
          // The same listen will never fit, so Navidrome must not keep it.
          throw new Error(
            `${ScrobblerError.Unrecoverable}: the listen of ${track} is ${payload.length} bytes, over the task queue limit of ${task.limits.maxPayloadBytes} bytes: ${error.hostMessage}`,
          );
        }
        throw new Error(`${ScrobblerError.RetryLater}: could not queue the listen of ${track}: ${error.hostMessage}`);
      }

      // The listen is queued even when this write fails, and failing the call now would make Navidrome send it twice.
      writeStatus({ taskId, username, track, listenedAt: listen.listenedAt, state: "queued", attempts: 0, message: "", updatedAt: Date.now() });
      log.info("listen queued", { taskId, user: username, track });
    },

    // ListenLog has no endpoint for playback state, so reports need no work.
    playbackReport: () => undefined,
  },

  taskWorker: {
    onTaskExecute: executeListenTask,
  },

  scheduler: {
    onCallback({ scheduleId, payload }) {
      if (payload !== NIGHTLY_MAINTENANCE) {
        log.warn("ignored an unknown schedule", { scheduleId, payload });
        return;
      }
      runNightlyMaintenance();
    },
  },
});
