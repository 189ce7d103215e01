import { describe, expect, it } from "vitest";

import { encodeBase64 } from "@nd/pdk-types";

import type { Permissions } from "../../src/manifest/types.js";
import { TASK_EXECUTE_EXPORT, createTaskService } from "../../src/services/task.js";
import type { RecordedCall } from "./callbacks.js";
import { START, callHost, createScriptedContext, thrown } from "./callbacks.js";

const HOUR = 3_600_000;

function setup(permissions: Permissions = { taskqueue: { maxConcurrency: 4 } }) {
  const ctx = createScriptedContext(permissions);
  const service = createTaskService(ctx, ctx.options());
  const createQueue = (name: string, config: Record<string, unknown> = {}) => callHost(service, "task_createqueue", { name, config });
  const enqueue = (queueName: string, payload: Uint8Array | string = "job") =>
    callHost(service, "task_enqueue", { queueName, payload: encodeBase64(typeof payload === "string" ? new TextEncoder().encode(payload) : payload) });
  const enqueueId = (queueName: string, payload?: Uint8Array | string): string => {
    const reply = enqueue(queueName, payload);
    expect(reply.error).toBeUndefined();
    return reply.result as string;
  };
  const get = (taskId: string) => callHost(service, "task_get", { taskId });
  const cancel = (taskId: string) => callHost(service, "task_cancel", { taskId });
  const clearQueue = (queueName: string) => callHost(service, "task_clearqueue", { queueName });
  const runs = () => ctx.callsTo(TASK_EXECUTE_EXPORT);
  return { ctx, service, createQueue, enqueue, enqueueId, get, cancel, clearQueue, runs };
}

const succeed = (message: string) => ({ kind: "output", output: JSON.stringify(message) }) as const;

describe("task createQueue", () => {
  it("applies the defaults", () => {
    const { service, createQueue } = setup();
    expect(createQueue("default")).toEqual({});
    expect(service.queues()).toEqual([
      { name: "default", concurrency: 1, requestedConcurrency: 1, maxRetries: 0, backoffMs: 1000, delayMs: 0, retentionMs: HOUR, createdAt: START },
    ]);
  });

  it("keeps explicit settings", () => {
    const { service, createQueue } = setup();
    createQueue("custom", { concurrency: 2, maxRetries: 3, backoffMs: 250, delayMs: 500, retentionMs: 120_000 });
    expect(service.queues()[0]).toMatchObject({ concurrency: 2, maxRetries: 3, backoffMs: 250, delayMs: 500, retentionMs: 120_000 });
  });

  it("clamps the retention to one minute and one week", () => {
    const { ctx, service, createQueue } = setup();
    createQueue("short", { retentionMs: 1000 });
    createQueue("long", { retentionMs: 10 * 604_800_000 });
    expect(service.queues().map((queue) => queue.retentionMs)).toEqual([60_000, 604_800_000]);
    expect(ctx.logs.map((log) => log.level)).toEqual(["warn", "warn"]);
  });

  it("rejects an empty or too long name", () => {
    const { createQueue } = setup();
    expect(createQueue("")).toEqual({ error: "queue name cannot be empty" });
    expect(createQueue("q".repeat(129))).toEqual({ error: "queue name exceeds maximum length of 128 bytes" });
    // 65 two-byte characters are 130 bytes.
    expect(createQueue("é".repeat(65))).toEqual({ error: "queue name exceeds maximum length of 128 bytes" });
    expect(createQueue("q".repeat(128))).toEqual({});
  });

  it("rejects an existing queue", () => {
    const { service, createQueue } = setup();
    createQueue("jobs", { maxRetries: 1 });
    expect(createQueue("jobs", { maxRetries: 5 })).toEqual({ error: 'queue "jobs" already exists' });
    expect(service.queues()).toHaveLength(1);
    expect(service.queues()[0]?.maxRetries).toBe(1);
  });
});

describe("task concurrency budget", () => {
  it("shares maxConcurrency across queues", () => {
    const { ctx, service, createQueue } = setup({ taskqueue: { maxConcurrency: 3 } });
    expect(createQueue("a", { concurrency: 2 })).toEqual({});
    expect(createQueue("b", { concurrency: 5 })).toEqual({});
    expect(service.queues().map((queue) => [queue.name, queue.concurrency, queue.requestedConcurrency])).toEqual([
      ["a", 2, 2],
      ["b", 1, 5],
    ]);
    expect(ctx.logs).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining("concurrency clamped") }));

    expect(createQueue("c")).toEqual({ error: "concurrency budget exhausted (3/3 allocated)" });
  });

  it("reports the exhausted budget before an existing queue", () => {
    const { createQueue } = setup({ taskqueue: { maxConcurrency: 1 } });
    createQueue("only");
    expect(createQueue("only")).toEqual({ error: "concurrency budget exhausted (1/1 allocated)" });
  });

  it("defaults maxConcurrency to 1", () => {
    const { createQueue } = setup({ taskqueue: { reason: "tests" } });
    expect(createQueue("first", { concurrency: 4 })).toEqual({});
    expect(createQueue("second")).toEqual({ error: "concurrency budget exhausted (1/1 allocated)" });
  });
});

describe("task enqueue", () => {
  it("rejects an unknown queue", () => {
    const { enqueue } = setup();
    expect(enqueue("nowhere")).toEqual({ error: 'queue "nowhere" does not exist' });
  });

  it("accepts a payload of exactly 1 MiB", () => {
    const { createQueue, enqueue } = setup();
    createQueue("big");
    expect(enqueue("big", new Uint8Array(1_048_576)).result).toMatch(/^[0-9a-zA-Z]{22}$/);
  });

  it("rejects a payload over 1 MiB", () => {
    const { service, createQueue, enqueue } = setup();
    createQueue("big");
    expect(enqueue("big", new Uint8Array(1_048_577))).toEqual({ error: "payload size 1048577 exceeds maximum of 1048576 bytes" });
    expect(service.tasks()).toEqual([]);
  });

  it("runs the task at the next clock step", () => {
    const { ctx, createQueue, enqueueId, get, runs } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, succeed("done"));
    createQueue("jobs");
    const taskId = enqueueId("jobs", "payload-1");

    expect(get(taskId)).toEqual({ result: { status: "pending", message: "", attempt: 0 } });
    expect(runs()).toHaveLength(0);

    ctx.clock.runDue();
    expect(runs()).toEqual([
      { exportName: TASK_EXECUTE_EXPORT, input: { queueName: "jobs", taskId, payload: encodeBase64(new TextEncoder().encode("payload-1")), attempt: 1 }, time: START },
    ]);
    expect(get(taskId)).toEqual({ result: { status: "completed", message: "done", attempt: 1 } });
  });

  it("sends null for an empty payload", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    createQueue("jobs");
    enqueueId("jobs", new Uint8Array(0));
    ctx.clock.runDue();
    expect(runs()[0]?.input.payload).toBeNull();
  });

  it("runs tasks in enqueue order", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    createQueue("jobs");
    const ids = [enqueueId("jobs"), enqueueId("jobs"), enqueueId("jobs")];
    ctx.clock.runDue();
    expect(runs().map((call) => call.input.taskId)).toEqual(ids);
  });
});

describe("task results", () => {
  it("completes with an empty message when there is no output", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    createQueue("jobs");
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();
    expect(get(taskId)).toEqual({ result: { status: "completed", message: "", attempt: 1 } });
  });

  it("fails on output that is not a JSON string", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, { kind: "output", output: "42" });
    createQueue("jobs");
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();
    expect(get(taskId)).toEqual({ result: { status: "failed", message: "json: cannot unmarshal number into Go value of type string", attempt: 1 } });
  });

  it("fails without retries when maxRetries is 0", () => {
    const { ctx, service, createQueue, enqueueId, get, runs } = setup();
    const failure = thrown("boom");
    const errorText = failure.kind === "error" ? failure.text : "";
    ctx.respond(TASK_EXECUTE_EXPORT, failure);
    createQueue("jobs");
    const taskId = enqueueId("jobs");
    ctx.clock.advance(HOUR);

    expect(runs()).toHaveLength(1);
    expect(get(taskId)).toEqual({ result: { status: "failed", message: errorText, attempt: 1 } });
    expect(service.tasks()[0]?.attempts).toEqual([
      { attempt: 1, dequeuedAt: START, startedAt: START, outcome: failure, result: "failed", message: errorText },
    ]);
    expect(ctx.logs.map((log) => log.message)).toEqual([
      `Task execution failed for task "${taskId}" of queue "jobs" on attempt 1 (maxRetries 0): ${errorText}`,
      `Task failed after all retries: task "${taskId}" of queue "jobs"`,
    ]);
  });

  it("fails when the plugin does not export nd_task_execute", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, { kind: "not-exported" });
    createQueue("jobs");
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();
    expect(get(taskId)).toEqual({ result: { status: "failed", message: "function nd_task_execute not found", attempt: 1 } });
  });
});

describe("task retries", () => {
  it("doubles the backoff on each attempt up to maxRetries", () => {
    const { ctx, createQueue, enqueueId, get, runs } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, (call) => ({ kind: "error", message: "failed", text: `attempt ${String(call.input.attempt)} failed` }));
    createQueue("jobs", { maxRetries: 3, backoffMs: 1000 });
    const taskId = enqueueId("jobs");
    ctx.clock.advance(HOUR);

    expect(runs().map((call) => [call.input.attempt, call.time - START])).toEqual([
      [1, 0],
      [2, 1000],
      [3, 3000],
      [4, 7000],
    ]);
    expect(get(taskId)).toEqual({ result: { status: "failed", message: "attempt 4 failed", attempt: 4 } });
  });

  it("caps the backoff at one hour", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, thrown("down"));
    createQueue("jobs", { maxRetries: 3, backoffMs: 1_000_000 });
    enqueueId("jobs");
    ctx.clock.advance(10 * HOUR);
    const gaps = runs().slice(1).map((call, index) => call.time - (runs()[index] as RecordedCall).time);
    expect(gaps).toEqual([1_000_000, 2_000_000, HOUR]);
  });

  it("keeps the message and attempt while waiting to retry", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, (call) => (call.input.attempt === 1 ? thrown("flaky") : succeed("recovered")));
    createQueue("jobs", { maxRetries: 2, backoffMs: 5000 });
    const taskId = enqueueId("jobs");

    ctx.clock.runDue();
    // Navidrome stores no message on a retry, only when the task completes or finally fails.
    expect(get(taskId)).toEqual({ result: { status: "pending", message: "", attempt: 1 } });

    ctx.clock.advance(4999);
    expect(get(taskId)).toEqual({ result: { status: "pending", message: "", attempt: 1 } });
    ctx.clock.advance(1);
    expect(get(taskId)).toEqual({ result: { status: "completed", message: "recovered", attempt: 2 } });
  });
});

describe("task delayMs", () => {
  it("spaces task starts in a queue", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    createQueue("slow", { delayMs: 1000 });
    enqueueId("slow");
    enqueueId("slow");
    enqueueId("slow");
    ctx.clock.advance(10_000);
    expect(runs().map((call) => call.time - START)).toEqual([0, 1000, 2000]);
  });

  it("spaces starts across workers and keeps waiting tasks running", () => {
    const { ctx, service, createQueue, enqueueId, get, runs } = setup();
    createQueue("slow", { concurrency: 2, delayMs: 1000 });
    const [first, second, third] = [enqueueId("slow"), enqueueId("slow"), enqueueId("slow")];
    ctx.clock.runDue();

    expect(runs().map((call) => call.input.taskId)).toEqual([first]);
    expect(get(second!)).toEqual({ result: { status: "running", message: "", attempt: 1 } });

    ctx.clock.advance(1000);
    expect(runs().map((call) => call.input.taskId)).toEqual([first, second]);
    // The first worker took the third task at 0 ms and waits for its start at 2000 ms.
    expect(get(third!)).toEqual({ result: { status: "running", message: "", attempt: 1 } });

    ctx.clock.advance(1000);
    expect(runs().map((call) => call.time - START)).toEqual([0, 1000, 2000]);
    expect(service.tasks()[2]?.attempts[0]).toMatchObject({ dequeuedAt: START, startedAt: START + 2000 });
  });

  it("starts at once after an idle period", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    createQueue("slow", { delayMs: 1000 });
    enqueueId("slow");
    ctx.clock.advance(5000);
    enqueueId("slow");
    ctx.clock.runDue();
    expect(runs().map((call) => call.time - START)).toEqual([0, 5000]);
  });
});

describe("task concurrency", () => {
  function statusesDuringFirstRun(concurrency: number): unknown[] {
    const { ctx, createQueue, enqueueId, get } = setup();
    createQueue("jobs", { concurrency });
    const ids: string[] = [];
    let seen: unknown[] = [];
    ctx.respond(TASK_EXECUTE_EXPORT, (call) => {
      if (call.input.taskId === ids[0]) seen = ids.map((taskId) => (get(taskId).result as { status: string }).status);
      return { kind: "no-data" };
    });
    ids.push(enqueueId("jobs"), enqueueId("jobs"), enqueueId("jobs"));
    ctx.clock.runDue();
    return seen;
  }

  it("runs one task at a time with one worker", () => {
    expect(statusesDuringFirstRun(1)).toEqual(["running", "pending", "pending"]);
  });

  it("runs up to concurrency tasks together", () => {
    expect(statusesDuringFirstRun(2)).toEqual(["running", "running", "pending"]);
  });

  it("runs every due task at the same instant", () => {
    const { ctx, createQueue, enqueueId, runs } = setup();
    createQueue("jobs", { concurrency: 2 });
    for (let i = 0; i < 5; i++) enqueueId("jobs");
    ctx.clock.runDue();
    expect(runs().map((call) => call.time)).toEqual(Array(5).fill(START));
  });
});

describe("task cancel", () => {
  it("cancels a pending task", () => {
    const { ctx, createQueue, enqueueId, cancel, get, runs } = setup();
    createQueue("jobs");
    const taskId = enqueueId("jobs");
    expect(cancel(taskId)).toEqual({});
    ctx.clock.advance(HOUR);
    expect(runs()).toHaveLength(0);
    expect(get(taskId)).toEqual({ result: { status: "cancelled", message: "", attempt: 0 } });
  });

  it("cancels a task waiting for a retry", () => {
    const { ctx, createQueue, enqueueId, cancel, get, runs } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, thrown("down"));
    createQueue("jobs", { maxRetries: 5 });
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();
    expect(cancel(taskId)).toEqual({});
    ctx.clock.advance(HOUR);
    expect(runs()).toHaveLength(1);
    expect(get(taskId)).toEqual({ result: { status: "cancelled", message: "", attempt: 1 } });
  });

  it("rejects a running, finished or unknown task", () => {
    const { ctx, createQueue, enqueueId, cancel } = setup();
    createQueue("jobs");
    let whileRunning: Record<string, unknown> = {};
    ctx.respond(TASK_EXECUTE_EXPORT, (call) => {
      whileRunning = cancel(call.input.taskId as string);
      return { kind: "no-data" };
    });
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();

    expect(whileRunning).toEqual({ error: `task "${taskId}" cannot be cancelled (status: running)` });
    expect(cancel(taskId)).toEqual({ error: `task "${taskId}" cannot be cancelled (status: completed)` });
    expect(cancel("unknown")).toEqual({ error: 'task "unknown" not found' });
  });
});

describe("task clearQueue", () => {
  it("cancels every pending task and returns the count", () => {
    const { ctx, createQueue, enqueueId, clearQueue, get, runs } = setup();
    createQueue("jobs");
    createQueue("other");
    const ids = [enqueueId("jobs"), enqueueId("jobs"), enqueueId("jobs")];
    const otherId = enqueueId("other");

    expect(clearQueue("jobs")).toEqual({ result: 3 });
    ctx.clock.runDue();
    expect(runs().map((call) => call.input.taskId)).toEqual([otherId]);
    for (const taskId of ids) expect(get(taskId)).toEqual({ result: { status: "cancelled", message: "", attempt: 0 } });
  });

  it("leaves a running task alone", () => {
    const { ctx, createQueue, enqueueId, clearQueue, get } = setup();
    createQueue("jobs");
    let cleared: Record<string, unknown> = {};
    ctx.respond(TASK_EXECUTE_EXPORT, () => {
      cleared = clearQueue("jobs");
      return succeed("finished");
    });
    const first = enqueueId("jobs");
    enqueueId("jobs");
    enqueueId("jobs");
    ctx.clock.runDue();

    expect(cleared).toEqual({ result: 2 });
    expect(get(first)).toEqual({ result: { status: "completed", message: "finished", attempt: 1 } });
  });

  it("replies without a result when nothing was pending", () => {
    const { createQueue, clearQueue } = setup();
    createQueue("jobs");
    expect(clearQueue("jobs")).toEqual({});
  });

  it("rejects an unknown queue", () => {
    const { clearQueue } = setup();
    expect(clearQueue("nowhere")).toEqual({ error: 'queue "nowhere" does not exist' });
  });
});

describe("task retention", () => {
  it("deletes a finished task at the first cleanup pass after its retention", () => {
    const { ctx, service, createQueue, enqueueId, get } = setup();
    createQueue("jobs", { retentionMs: 60_000 });
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();

    // Navidrome's cleanup runs every 5 minutes from plugin load, here START.
    ctx.clock.advance(299_999);
    expect(get(taskId).result).toMatchObject({ status: "completed" });
    ctx.clock.advance(1);
    expect(get(taskId)).toEqual({ error: `task "${taskId}" not found` });
    expect(service.tasks()).toEqual([]);
  });

  it("uses the default retention of one hour", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    createQueue("jobs");
    ctx.clock.advance(10_000);
    const taskId = enqueueId("jobs");
    ctx.clock.runDue();

    // Completed at 10 s, so the retention ends at 1 h 10 s and the next pass is at 1 h 5 min.
    ctx.clock.advance(HOUR + 300_000 - 10_000 - 1);
    expect(get(taskId).result).toMatchObject({ status: "completed" });
    ctx.clock.advance(1);
    expect(get(taskId)).toEqual({ error: `task "${taskId}" not found` });
  });

  it("keeps pending tasks", () => {
    const { ctx, createQueue, enqueueId, get } = setup();
    ctx.respond(TASK_EXECUTE_EXPORT, thrown("down"));
    createQueue("jobs", { maxRetries: 100, backoffMs: HOUR, retentionMs: 60_000 });
    const taskId = enqueueId("jobs");
    ctx.clock.advance(HOUR / 2);
    expect(get(taskId).result).toMatchObject({ status: "pending" });
  });

  it("deletes cancelled tasks too", () => {
    const { ctx, createQueue, enqueueId, cancel, get } = setup();
    createQueue("jobs", { retentionMs: 60_000 });
    const taskId = enqueueId("jobs");
    cancel(taskId);
    ctx.clock.advance(300_000);
    expect(get(taskId)).toEqual({ error: `task "${taskId}" not found` });
  });
});

describe("task get", () => {
  it("rejects an unknown task", () => {
    const { get } = setup();
    expect(get("missing")).toEqual({ error: 'task "missing" not found' });
  });
});
