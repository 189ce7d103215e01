import { decodeUtf8, encodeUtf8, HostCallError, kvstore, log } from "@nd/pdk";

/**
 * Delivery state of a listen: `queued` until the first attempt, `retrying` between attempts, then
 * `sent`, `rejected` (ListenLog rejected it for good), `failed` (retries used up) or `cancelled`.
 */
export type ListenState = "queued" | "retrying" | "sent" | "rejected" | "failed" | "cancelled";

/** Delivery status of one queued listen, stored in the kvstore under `listen/<task id>`. */
export interface ListenStatus {
  taskId: string;
  username: string;
  /** Track as `"title" by artist`. */
  track: string;
  /** Time the user started playing the track, in Unix seconds. */
  listenedAt: number;
  state: ListenState;
  /** Attempts made so far. */
  attempts: number;
  /** Listen id from ListenLog after a success, the reason after a failure. */
  message: string;
  /** Time of the last change, in Unix milliseconds. */
  updatedAt: number;
}

/** Prefix of the status keys. */
export const STATUS_PREFIX = "listen/";

/** Status records expire a week after their last change, so the store stays within its quota. */
const STATUS_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Number of keys read per kvstore.getMany call during the nightly pass. */
const READ_BATCH_SIZE = 100;

/** States after which the task no longer runs. */
export function isFinal(state: ListenState): boolean {
  return state === "sent" || state === "rejected" || state === "failed" || state === "cancelled";
}

/**
 * Stores a status record. A failed write, such as one over the kvstore quota, is logged and
 * reported as false instead of thrown, because the status is informational and must not undo a
 * delivery that already happened.
 */
export function writeStatus(status: ListenStatus): boolean {
  try {
    kvstore.setWithTtl(`${STATUS_PREFIX}${status.taskId}`, encodeUtf8(JSON.stringify(status)), STATUS_TTL_SECONDS);
    return true;
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    log.error("could not store the status of a listen", { taskId: status.taskId, state: status.state, error: error.hostMessage });
    return false;
  }
}

function parseStatus(value: Uint8Array): ListenStatus | undefined {
  try {
    return JSON.parse(decodeUtf8(value)) as ListenStatus;
  } catch {
    return undefined;
  }
}

/** Returns every stored status record. */
export function listStatuses(): ListenStatus[] {
  const keys = kvstore.list(STATUS_PREFIX);
  const statuses: ListenStatus[] = [];
  for (let start = 0; start < keys.length; start += READ_BATCH_SIZE) {
    const values = kvstore.getMany(keys.slice(start, start + READ_BATCH_SIZE));
    for (const value of Object.values(values)) {
      const status = parseStatus(value);
      if (status !== undefined) statuses.push(status);
    }
  }
  return statuses;
}
