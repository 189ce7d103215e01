import { HostCallError, kvstore, log, scheduler, task, type TaskInfo } from "@nd/pdk";

import { linkedAccounts } from "./accounts.js";
import { isTooOld } from "./listens.js";
import { LISTEN_QUEUE } from "./queue.js";
import { isFinal, type ListenState, type ListenStatus, listStatuses, STATUS_PREFIX, writeStatus } from "./status.js";

/** Id and payload of the nightly schedule. */
export const NIGHTLY_MAINTENANCE = "nightly-maintenance";

/** Every day at 03:30 server time, when few users are likely to be listening. */
export const NIGHTLY_CRON = "30 3 * * *";

/** Creates the nightly schedule, replacing one kept from an earlier onInit. */
export function scheduleNightlyMaintenance(): void {
  try {
    scheduler.cancelSchedule(NIGHTLY_MAINTENANCE);
  } catch (error) {
    // Cancelling fails when no such schedule exists, which is the usual case.
    if (!HostCallError.isInstance(error)) throw error;
  }
  scheduler.scheduleRecurring(NIGHTLY_CRON, NIGHTLY_MAINTENANCE, NIGHTLY_MAINTENANCE);
}

/** Counts of what one nightly pass did, for its log line. */
interface MaintenanceCounts {
  checked: number;
  cancelled: number;
  updated: number;
  removed: number;
}

/** Returns the listen state of a finished task, read from its status and the message the worker returned. */
function finishedState(info: TaskInfo): ListenState {
  if (info.status === "completed") return info.message.startsWith("sent:") ? "sent" : "rejected";
  return info.status === "failed" ? "failed" : "cancelled";
}

function cancelTask(status: ListenStatus, reason: string, now: number, counts: MaintenanceCounts): void {
  try {
    task.cancel(status.taskId);
  } catch (error) {
    // The task may have started since task.get, and its worker then records the outcome.
    if (!HostCallError.isInstance(error)) throw error;
    log.warn("could not cancel a listen", { taskId: status.taskId, error: error.hostMessage });
    return;
  }
  writeStatus({ ...status, state: "cancelled", message: reason, updatedAt: now });
  log.info("cancelled a listen", { taskId: status.taskId, user: status.username, reason });
  counts.cancelled += 1;
}

/** Brings one unfinished status record up to date with its task. */
function checkListen(status: ListenStatus, linkedUsers: ReadonlySet<string>, now: number, counts: MaintenanceCounts): void {
  counts.checked += 1;

  let info: TaskInfo | undefined;
  try {
    info = task.get(status.taskId);
  } catch (error) {
    if (!HostCallError.isInstance(error)) throw error;
    // Navidrome deletes finished tasks after the queue's retention time, so nothing is left to track.
    kvstore.delete(`${STATUS_PREFIX}${status.taskId}`);
    log.warn("removed the status of a listen whose task no longer exists", { taskId: status.taskId, error: error.hostMessage });
    counts.removed += 1;
    return;
  }
  if (info === undefined || info.status === "running") return;

  if (info.status === "pending") {
    if (!linkedUsers.has(status.username.toLowerCase())) {
      cancelTask(status, `user "${status.username}" has no linked ListenLog account any more`, now, counts);
    } else if (isTooOld(status.listenedAt, now)) {
      cancelTask(status, "ListenLog no longer accepts a listen this old", now, counts);
    }
    return;
  }

  // The task finished but the record was not updated, for example because the worker's write
  // failed over the kvstore quota, so the outcome comes from the queue.
  writeStatus({ ...status, state: finishedState(info), attempts: info.attempt, message: info.message, updatedAt: now });
  counts.updated += 1;
}

/**
 * Runs the nightly pass over the listens that have not reached a final state. When no account is
 * linked at all, none of them can be delivered, so the whole queue is cleared with one call.
 * Otherwise each task is looked up: pending listens of unlinked users, or too old for ListenLog,
 * are cancelled, and records of finished tasks are brought up to date.
 */
export function runNightlyMaintenance(): void {
  const now = Date.now();
  const unfinished = listStatuses().filter((status) => !isFinal(status.state));
  const linkedUsers = new Set(linkedAccounts().keys());

  if (linkedUsers.size === 0) {
    const cleared = task.clearQueue(LISTEN_QUEUE);
    for (const status of unfinished) {
      writeStatus({ ...status, state: "cancelled", message: "no ListenLog account is linked", updatedAt: now });
    }
    log.warn("cleared the listen queue because no ListenLog account is linked", { cleared });
    return;
  }

  const counts: MaintenanceCounts = { checked: 0, cancelled: 0, updated: 0, removed: 0 };
  for (const status of unfinished) checkListen(status, linkedUsers, now, counts);
  log.info("nightly maintenance finished", { ...counts });
}
