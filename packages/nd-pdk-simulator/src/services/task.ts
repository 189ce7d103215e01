
import { encodeBase64 } from "@nd/pdk-types";

import type { CallOutcome, ServiceContext, SimulatedService } from "../host/service.js";
import { newRandomId } from "../host/random-id.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readBytes, readInt, readObject, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";

/** The export Navidrome calls to run a task. */
export const TASK_EXECUTE_EXPORT = "nd_task_execute";

/** Limits and defaults of Navidrome's task queues (plugins/host_taskqueue.go). Times are in milliseconds. */
export const TASK_LIMITS = {
  maxPayloadBytes: 1_048_576,
  maxQueueNameBytes: 128,
  defaultConcurrency: 1,
  defaultBackoffMs: 1000,
  maxBackoffMs: 3_600_000,
  defaultRetentionMs: 3_600_000,
  minRetentionMs: 60_000,
  maxRetentionMs: 604_800_000,
  /** How often Navidrome deletes finished tasks whose retention has passed. */
  cleanupIntervalMs: 300_000,
} as const;

/** A task's status, with Navidrome's values. */
export type TaskStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

/** A queue as created, with the settings in force after defaults and clamps. */
export interface QueueInfo {
  /** The queue name. */
  readonly name: string;
  /** Number of workers, after the manifest's maxConcurrency budget. */
  readonly concurrency: number;
  /** The concurrency the plugin asked for, after the default. */
  readonly requestedConcurrency: number;
  /** Retries after a failed attempt before the task is marked failed. */
  readonly maxRetries: number;
  /** Delay before the first retry in milliseconds; it doubles with each attempt, up to one hour. */
  readonly backoffMs: number;
  /** Minimum time between the starts of two tasks of the queue, in milliseconds. */
  readonly delayMs: number;
  /** How long finished tasks are kept, in milliseconds, after the bounds of 1 minute and 1 week. */
  readonly retentionMs: number;
  /** Simulated Unix time in milliseconds. */
  readonly createdAt: number;
}

/** One run of a task. Times are simulated Unix time in milliseconds. */
export interface TaskAttempt {
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** When a worker took the task and marked it running. */
  readonly dequeuedAt: number;
  /** When `nd_task_execute` was called: later than `dequeuedAt` when `delayMs` held the worker back. */
  readonly startedAt?: number;
  /** The outcome of the `nd_task_execute` call, or undefined while the attempt has not run yet. */
  readonly outcome?: CallOutcome;
  /** The attempt's result as Navidrome records it; undefined while the attempt has not run yet. */
  readonly result?: "completed" | "retry" | "failed";
  /** The output string after a success, the error text after a failure. */
  readonly message?: string;
}

/** A task that Navidrome still stores, as the inspection view shows it. */
export interface TaskRecord {
  /** The id `task.enqueue` returned. */
  readonly taskId: string;
  /** The queue the task belongs to. */
  readonly queueName: string;
  /** The current status, as `task.get` reports it. */
  readonly status: TaskStatus;
  /** The current or last attempt number; 0 before the first run. */
  readonly attempt: number;
  /** The message `task_get` returns: set when the task completes or finally fails, not on a retry. */
  readonly message: string;
  /** The payload the plugin enqueued. */
  readonly payload: Uint8Array;
  /** The queue's maxRetries when the task was enqueued. */
  readonly maxRetries: number;
  /** Simulated Unix times in milliseconds. */
  readonly createdAt: number;
  /** Simulated Unix time in milliseconds of the last status change. */
  readonly updatedAt: number;
  /** The earliest time a worker may take the task: its enqueue time, or the end of a retry backoff. */
  readonly nextRunAt: number;
  /** Every attempt so far, oldest first. */
  readonly attempts: readonly TaskAttempt[];
}

/** The simulated Task service, with views of its queues and tasks. */
export interface TaskService extends SimulatedService {
  /** Every task not yet deleted after its retention, in enqueue order. */
  tasks(): TaskRecord[];
  /** The queues created so far, in creation order. */
  queues(): QueueInfo[];
}

interface Queue {
  readonly info: QueueInfo;
  /** Workers holding a task, including those waiting for `delayMs` to pass. */
  busyWorkers: number;
  /** The earliest start of the next task, which `delayMs` spaces out; Navidrome uses a rate limiter with a burst of 1. */
  nextStartAt: number;
}

interface Task {
  readonly taskId: string;
  readonly queueName: string;
  readonly payload: Uint8Array;
  readonly maxRetries: number;
  readonly createdAt: number;
  /** Enqueue order, which breaks ties between tasks due at the same millisecond. */
  readonly sequence: number;
  status: TaskStatus;
  attempt: number;
  message: string;
  updatedAt: number;
  nextRunAt: number;
  readonly attempts: TaskAttempt[];
}

const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled"]);

/**
 * Creates the Task service: named queues whose tasks run through the plugin's `nd_task_execute`
 * export as the simulated clock moves.
 *
 * The model of Navidrome's workers: each queue has `concurrency` workers, and a worker takes the
 * due pending task that has waited longest (marking it running and counting the attempt) as soon
 * as it is free. A task takes no simulated time to run, so at one instant up to `concurrency` tasks
 * of a queue are running together before their callbacks are called one after the other. With
 * `delayMs`, starts are spaced at least `delayMs` apart across the queue's workers, and a worker
 * keeps its task in the running state until its start time. Tasks start at the next clock step after
 * `enqueue` (call `clock.runDue()` or `advance`), never inside the plugin call that enqueued them.
 *
 * NOTE: Navidrome wakes one worker per enqueue and the others on a 5 s poll, so a real queue can run
 * tasks more one-by-one than this model does.
 */
export function createTaskService(ctx: ServiceContext, _options: NavidromeOptions): TaskService {
  const maxConcurrency = ctx.manifest.permissions?.taskqueue?.maxConcurrency ?? 1;
  const serviceStart = ctx.clock.now();
  const queues = new Map<string, Queue>();
  const tasks = new Map<string, Task>();
  let nextSequence = 0;

  /** Returns the time Navidrome's cleanup pass, which runs every 5 minutes, deletes a finished task. */
  function deletionTime(task: Task): number {
    const retentionMs = queues.get(task.queueName)?.info.retentionMs ?? TASK_LIMITS.defaultRetentionMs;
    const passes = Math.max(1, Math.floor((task.updatedAt + retentionMs - serviceStart) / TASK_LIMITS.cleanupIntervalMs) + 1);
    return serviceStart + passes * TASK_LIMITS.cleanupIntervalMs;
  }

  function deleteExpiredTasks(): void {
    const now = ctx.clock.now();
    for (const task of [...tasks.values()]) {
      if (TERMINAL_STATUSES.has(task.status) && now >= deletionTime(task)) tasks.delete(task.taskId);
    }
  }

  function findTask(taskId: string): Task {
    deleteExpiredTasks();
    const task = tasks.get(taskId);
    if (task === undefined) throw new ServiceError(`task "${taskId}" not found`);
    return task;
  }

  function findQueue(name: string): Queue {
    const queue = queues.get(name);
    if (queue === undefined) throw new ServiceError(`queue "${name}" does not exist`);
    return queue;
  }

  function nextDueTask(queueName: string): Task | undefined {
    const now = ctx.clock.now();
    let next: Task | undefined;
    for (const task of tasks.values()) {
      if (task.queueName !== queueName || task.status !== "pending" || task.nextRunAt > now) continue;
      if (next === undefined || task.nextRunAt < next.nextRunAt || (task.nextRunAt === next.nextRunAt && task.sequence < next.sequence)) {
        next = task;
      }
    }
    return next;
  }

  function reserveStart(queue: Queue): number {
    const now = ctx.clock.now();
    if (queue.info.delayMs <= 0) return now;
    const start = Math.max(now, queue.nextStartAt);
    queue.nextStartAt = start + queue.info.delayMs;
    return start;
  }

  /** Lets free workers take due tasks, and runs those whose start time has come. */
  function dispatch(queue: Queue): void {
    for (;;) {
      const now = ctx.clock.now();
      const startingNow: Task[] = [];
      while (queue.busyWorkers < queue.info.concurrency) {
        const task = nextDueTask(queue.info.name);
        if (task === undefined) break;

        task.status = "running";
        task.attempt += 1;
        task.updatedAt = now;
        task.attempts.push({ attempt: task.attempt, dequeuedAt: now });
        queue.busyWorkers += 1;

        const startAt = reserveStart(queue);
        if (startAt === now) {
          startingNow.push(task);
        } else {
          ctx.clock.schedule(startAt - now, () => {
            execute(queue, task);
            dispatch(queue);
          });
        }
      }
      if (startingNow.length === 0) return;
      for (const task of startingNow) execute(queue, task);
    }
  }

  function wakeWorkers(queue: Queue, delayMs: number): void {
    ctx.clock.schedule(delayMs, () => dispatch(queue));
  }

  function execute(queue: Queue, task: Task): void {
    const startedAt = ctx.clock.now();
    const input = {
      queueName: task.queueName,
      taskId: task.taskId,
      // NOTE: Navidrome may send "" or null for an empty payload, depending on its database driver.
      // The simulator sends null because a plugin is likelier to mishandle it.
      payload: task.payload.length === 0 ? null : encodeBase64(task.payload),
      attempt: task.attempt,
    };
    const outcome = ctx.callPlugin(TASK_EXECUTE_EXPORT, input);
    const result = taskResult(outcome);
    queue.busyWorkers -= 1;

    const now = ctx.clock.now();
    const record = (resultKind: NonNullable<TaskAttempt["result"]>, message: string): void => {
      task.attempts[task.attempts.length - 1] = { ...task.attempts[task.attempts.length - 1]!, startedAt, outcome, result: resultKind, message };
    };

    if (result.ok) {
      task.status = "completed";
      task.message = result.message;
      task.updatedAt = now;
      record("completed", result.message);
      return;
    }

    const where = `task "${task.taskId}" of queue "${task.queueName}"`;
    ctx.log("warn", `Task execution failed for ${where} on attempt ${task.attempt} (maxRetries ${task.maxRetries}): ${result.error}`);
    if (task.attempt > task.maxRetries) {
      task.status = "failed";
      task.message = result.error;
      task.updatedAt = now;
      record("failed", result.error);
      ctx.log("warn", `Task failed after all retries: ${where}`);
      return;
    }

    // Navidrome shifts backoffMs left by attempt - 1 and falls back to the maximum on overflow.
    const backoffMs = Math.min(queue.info.backoffMs * 2 ** (task.attempt - 1), TASK_LIMITS.maxBackoffMs);
    task.status = "pending";
    task.nextRunAt = now + backoffMs;
    task.updatedAt = now;
    record("retry", result.error);
    wakeWorkers(queue, backoffMs);
  }

  return {
    tasks() {
      deleteExpiredTasks();
      return [...tasks.values()].map((task) => ({
        taskId: task.taskId,
        queueName: task.queueName,
        status: task.status,
        attempt: task.attempt,
        message: task.message,
        payload: task.payload.slice(),
        maxRetries: task.maxRetries,
        createdAt: task.createdAt,
        updatedAt: task.updatedAt,
        nextRunAt: task.nextRunAt,
        attempts: [...task.attempts],
      }));
    },

    queues: () => [...queues.values()].map((queue) => queue.info),

    functions: {
      task_createqueue(request) {
        const name = readString(request, "name");
        const config = readObject(request, "config", "QueueConfig");
        const requested = {
          concurrency: readInt(config, "concurrency", "int32"),
          maxRetries: readInt(config, "maxRetries", "int32"),
          backoffMs: readInt(config, "backoffMs", "int64"),
          delayMs: readInt(config, "delayMs", "int64"),
          retentionMs: readInt(config, "retentionMs", "int64"),
        };

        if (name === "") throw new ServiceError("queue name cannot be empty");
        if (Buffer.byteLength(name, "utf8") > TASK_LIMITS.maxQueueNameBytes) {
          throw new ServiceError(`queue name exceeds maximum length of ${TASK_LIMITS.maxQueueNameBytes} bytes`);
        }

        const requestedConcurrency = requested.concurrency > 0 ? requested.concurrency : TASK_LIMITS.defaultConcurrency;
        const backoffMs = requested.backoffMs > 0 ? requested.backoffMs : TASK_LIMITS.defaultBackoffMs;
        const retentionMs = clampRetention(ctx, name, requested.retentionMs > 0 ? requested.retentionMs : TASK_LIMITS.defaultRetentionMs);

        // Navidrome checks the concurrency budget before it checks for an existing queue.
        const allocated = [...queues.values()].reduce((sum, queue) => sum + queue.info.concurrency, 0);
        const available = maxConcurrency - allocated;
        if (available <= 0) {
          ctx.log("warn", `TaskQueue concurrency budget exhausted for queue "${name}": ${allocated} of maxConcurrency ${maxConcurrency} allocated`);
          throw new ServiceError(`concurrency budget exhausted (${allocated}/${maxConcurrency} allocated)`);
        }
        if (queues.has(name)) throw new ServiceError(`queue "${name}" already exists`);

        let concurrency = requestedConcurrency;
        if (concurrency > available) {
          ctx.log("warn", `TaskQueue concurrency clamped for queue "${name}": requested ${concurrency}, available ${available} of maxConcurrency ${maxConcurrency}`);
          concurrency = available;
        }

        queues.set(name, {
          info: { name, concurrency, requestedConcurrency, maxRetries: requested.maxRetries, backoffMs, delayMs: requested.delayMs, retentionMs, createdAt: ctx.clock.now() },
          busyWorkers: 0,
          nextStartAt: Number.NEGATIVE_INFINITY,
        });
        return {};
      },

      task_enqueue(request) {
        const queueName = readString(request, "queueName");
        const payload = readBytes(request, "payload");
        const queue = findQueue(queueName);
        if (payload.length > TASK_LIMITS.maxPayloadBytes) {
          throw new ServiceError(`payload size ${payload.length} exceeds maximum of ${TASK_LIMITS.maxPayloadBytes} bytes`);
        }

        const now = ctx.clock.now();
        const taskId = newRandomId();
        tasks.set(taskId, {
          taskId,
          queueName,
          payload,
          maxRetries: queue.info.maxRetries,
          createdAt: now,
          sequence: nextSequence++,
          status: "pending",
          attempt: 0,
          message: "",
          updatedAt: now,
          nextRunAt: now,
          attempts: [],
        });
        wakeWorkers(queue, 0);
        return omitEmpty({ result: taskId });
      },

      task_get(request) {
        const task = findTask(readString(request, "taskId"));
        // TaskInfo's fields have no omitempty, so an empty message and attempt 0 are still sent.
        return omitEmpty({ result: { status: task.status, message: task.message, attempt: task.attempt } }, ["result"]);
      },

      task_cancel(request) {
        const task = findTask(readString(request, "taskId"));
        if (task.status !== "pending") throw new ServiceError(`task "${task.taskId}" cannot be cancelled (status: ${task.status})`);
        task.status = "cancelled";
        task.updatedAt = ctx.clock.now();
        return {};
      },

      task_clearqueue(request) {
        const queue = findQueue(readString(request, "queueName"));
        deleteExpiredTasks();
        // Navidrome marks the cleared tasks cancelled, so task_get still finds them until retention ends.
        let cleared = 0;
        for (const task of tasks.values()) {
          if (task.queueName !== queue.info.name || task.status !== "pending") continue;
          task.status = "cancelled";
          task.updatedAt = ctx.clock.now();
          cleared += 1;
        }
        return omitEmpty({ result: cleared });
      },
    },
  };
}

function clampRetention(ctx: ServiceContext, queueName: string, retentionMs: number): number {
  if (retentionMs < TASK_LIMITS.minRetentionMs) {
    ctx.log("warn", `TaskQueue retention clamped to minimum for queue "${queueName}": requested ${retentionMs} ms, using ${TASK_LIMITS.minRetentionMs} ms`);
    return TASK_LIMITS.minRetentionMs;
  }
  if (retentionMs > TASK_LIMITS.maxRetentionMs) {
    ctx.log("warn", `TaskQueue retention clamped to maximum for queue "${queueName}": requested ${retentionMs} ms, using ${TASK_LIMITS.maxRetentionMs} ms`);
    return TASK_LIMITS.maxRetentionMs;
  }
  return retentionMs;
}

type TaskResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly error: string };

/** Reads an `nd_task_execute` outcome as Navidrome does: the output must decode as a JSON string. */
function taskResult(outcome: CallOutcome): TaskResult {
  switch (outcome.kind) {
    case "no-data":
      return { ok: true, message: "" };
    case "error":
      return { ok: false, error: outcome.text };
    case "not-exported":
      return { ok: false, error: `function ${TASK_EXECUTE_EXPORT} not found` };
    case "output": {
      let value: unknown;
      try {
        value = JSON.parse(outcome.output);
      } catch {
        return { ok: false, error: `the task output is not JSON (${JSON.stringify(outcome.output.slice(0, 40))}); return a string` };
      }
      // Go leaves the string empty when it decodes null.
      if (value === null) return { ok: true, message: "" };
      if (typeof value === "string") return { ok: true, message: value };
      const type = Array.isArray(value) ? "array" : typeof value;
      return { ok: false, error: `json: cannot unmarshal ${type} into Go value of type string` };
    }
  }
}
