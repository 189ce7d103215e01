import { HostCallError, log, type QueueConfig, task } from "@nd/pdk";

/** Name of the task queue that contains the listens waiting for delivery. */
export const LISTEN_QUEUE = "listens";

/**
 * Settings of the listen queue. With 5 retries starting at 1 minute, a listen is tried for about
 * half an hour (1 + 2 + 4 + 8 + 16 minutes of backoff) before it is marked failed.
 */
export const LISTEN_QUEUE_CONFIG = {
  concurrency: 1,
  maxRetries: 5,
  backoffMs: 60_000,
  // ListenLog accepts at most 2 submissions per second from one client.
  delayMs: 500,
  // Finished tasks stay visible to task.get for a day, long enough for the nightly pass to see them.
  retentionMs: 24 * 60 * 60 * 1000,
} as const satisfies QueueConfig;

/** Creates the listen queue, or resumes the one Navidrome kept from an earlier run. */
export function createListenQueue(): void {
  task.createQueue(LISTEN_QUEUE, LISTEN_QUEUE_CONFIG);
}

/**
 * Adds a listen payload to the queue and returns the task id. Navidrome skips onInit on some loads,
 * so the queue may not exist yet. When the first enqueue fails for a payload within the size limit,
 * this creates the queue and tries the enqueue once more.
 *
 * @throws {HostCallError} when the payload is over the limit, or when the enqueue fails again.
 */
export function enqueueListen(payload: Uint8Array): string {
  try {
    return task.enqueue(LISTEN_QUEUE, payload);
  } catch (error) {
    if (!HostCallError.isInstance(error) || payload.length > task.limits.maxPayloadBytes) throw error;
    try {
      createListenQueue();
    } catch (createError) {
      // The queue exists, so creating it cannot help: report the enqueue error.
      log.debug("could not create the listen queue", { error: createError });
      throw error;
    }
    log.info("created the listen queue, which did not exist yet", { queue: LISTEN_QUEUE });
    return task.enqueue(LISTEN_QUEUE, payload);
  }
}
