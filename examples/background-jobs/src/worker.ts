import { log, task, type TaskExecuteRequest } from "@nd/pdk";

import { tokenFor } from "./accounts.js";
import { submitListen } from "./listenlog-api.js";
import { decodeListen, describeTrack, type Listen } from "./listens.js";
import { LISTEN_QUEUE_CONFIG } from "./queue.js";
import { type ListenStatus, writeStatus } from "./status.js";

/** Returns the backoff Navidrome waits after a failed attempt, as the task queue computes it. */
function backoffAfter(attempt: number): number {
  return Math.min(LISTEN_QUEUE_CONFIG.backoffMs * 2 ** (attempt - 1), task.limits.maxBackoffMs);
}

/**
 * Runs one listen task: sends the listen to ListenLog and records the outcome in the kvstore.
 *
 * A rejection that sending again cannot fix (bad payload, unlinked user, revoked token, invalid
 * listen) returns a message starting with `rejected:`, so the task completes without retries. A
 * temporary failure throws, so that Navidrome retries the task with doubling backoff until
 * `maxRetries` is used up and then marks it failed. A success returns `sent: <listen id>`.
 */
export function executeListenTask(request: TaskExecuteRequest): string {
  const { taskId, attempt } = request;

  let listen: Listen;
  try {
    listen = decodeListen(request.payload);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.error("dropped a task whose payload is not a listen", { taskId, error: reason });
    return `rejected: ${reason}`;
  }

  const status = (state: ListenStatus["state"], message: string): ListenStatus => ({
    taskId,
    username: listen.username,
    track: describeTrack(listen.track),
    listenedAt: listen.listenedAt,
    state,
    attempts: attempt,
    message,
    updatedAt: Date.now(),
  });

  const token = tokenFor(listen.username);
  if (token === undefined) {
    const reason = `user "${listen.username}" has no linked ListenLog account any more`;
    writeStatus(status("rejected", reason));
    log.warn("dropped a listen", { taskId, user: listen.username, reason });
    return `rejected: ${reason}`;
  }

  const delivery = submitListen(token, listen);
  switch (delivery.kind) {
    case "accepted":
      writeStatus(status("sent", delivery.listenId));
      log.info("listen sent", { taskId, user: listen.username, listenId: delivery.listenId, attempt });
      return `sent: ${delivery.listenId}`;

    case "unauthorized":
    case "rejected":
      writeStatus(status("rejected", delivery.reason));
      log.warn("ListenLog rejected a listen", { taskId, user: listen.username, reason: delivery.reason });
      return `rejected: ${delivery.reason}`;

    case "unavailable": {
      // Navidrome retries while attempt <= maxRetries, so this attempt is the last one when it is larger.
      const isLastAttempt = attempt > LISTEN_QUEUE_CONFIG.maxRetries;
      writeStatus(status(isLastAttempt ? "failed" : "retrying", delivery.reason));
      if (isLastAttempt) {
        log.error("giving up on a listen after its last attempt", { taskId, user: listen.username, attempts: attempt, reason: delivery.reason });
      } else {
        log.warn("listen not sent, Navidrome will retry it", { taskId, attempt, retryInMs: backoffAfter(attempt), reason: delivery.reason });
      }
      throw new Error(delivery.reason);
    }
  }
}
