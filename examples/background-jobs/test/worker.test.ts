import { afterEach, describe, expect, test, vi } from "vitest";

import { HARBOUR_LIGHTS, HOUR, MINUTE, onlyTaskId, pluginLogs, QUIET_ENGINES, runtimes, scrobbleOf, seedListen, statusOf } from "./support.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(runtimes)("background-jobs task worker (%s)", (_runtime, load) => {
  test("ListenLog outage is retried with doubling backoff", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    listenLog.script.push("maintenance", "maintenance", "maintenance");
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS));
    const taskId = onlyTaskId(navidrome);
    const start = navidrome.clock.now();

    navidrome.clock.runDue();
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "retrying", attempts: 1, message: expect.stringContaining("HTTP 503 maintenance") });
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "pending", attempt: 1, nextRunAt: start + MINUTE });

    // Nothing runs before the backoff has passed.
    navidrome.clock.advance(MINUTE - 1);
    expect(listenLog.requests).toHaveLength(1);

    navidrome.clock.advance(HOUR);
    const [record] = navidrome.services.task.tasks();
    expect(record?.attempts.map((attempt) => (attempt.startedAt ?? 0) - start)).toEqual([0, MINUTE, 3 * MINUTE, 7 * MINUTE]);
    expect(record?.attempts.map((attempt) => attempt.result)).toEqual(["retry", "retry", "retry", "completed"]);
    expect(record).toMatchObject({ status: "completed", attempt: 4, message: "sent: lsn_01JGXK4T9M2QW7RB01" });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "sent", attempts: 4 });

    const warnings = pluginLogs(navidrome, "warn");
    expect(warnings).toHaveLength(3);
    expect(warnings.map((line) => /retryInMs=(\d+)/.exec(line)?.[1])).toEqual(["60000", "120000", "240000"]);
  });

  test("listen fails after maxRetries", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    listenLog.fallback = "maintenance";
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "Bruno", QUIET_ENGINES));
    const taskId = onlyTaskId(navidrome);
    const start = navidrome.clock.now();

    navidrome.clock.advance(2 * HOUR);

    const [record] = navidrome.services.task.tasks();
    // 1 + maxRetries attempts, with backoffs of 1, 2, 4, 8 and 16 minutes.
    expect(record?.attempts.map((attempt) => (attempt.startedAt ?? 0) - start)).toEqual([0, 1, 3, 7, 15, 31].map((minutes) => minutes * MINUTE));
    expect(record?.status).toBe("failed");
    expect(record?.message).toContain("ListenLog returned HTTP 503 maintenance");
    expect(listenLog.requests).toHaveLength(6);
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "failed", attempts: 6, message: expect.stringContaining("HTTP 503") });
    expect(pluginLogs(navidrome, "error")).toEqual([expect.stringContaining("giving up on a listen after its last attempt")]);
    expect(navidrome.logs).toContainEqual(expect.objectContaining({ source: "navidrome", message: expect.stringContaining("Task failed after all retries") }));

    navidrome.clock.advance(6 * HOUR);
    expect(listenLog.requests).toHaveLength(6);
  });

  test("network errors, proxy pages and rate limits are retried", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    listenLog.script.push("network-error", "bad-gateway", "rate-limited");
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS));
    const taskId = onlyTaskId(navidrome);

    const messages: unknown[] = [];
    navidrome.clock.runDue();
    messages.push(statusOf(navidrome, taskId)?.message);
    navidrome.clock.advance(MINUTE);
    messages.push(statusOf(navidrome, taskId)?.message);
    navidrome.clock.advance(2 * MINUTE);
    messages.push(statusOf(navidrome, taskId)?.message);

    expect(messages[0]).toMatch(/^ListenLog is unreachable: .*connection refused/);
    expect(messages[1]).toBe("ListenLog returned HTTP 502");
    expect(messages[2]).toBe("ListenLog returned HTTP 429 rate_limited: Too many submissions from this client. Retry after 30 seconds.");

    navidrome.clock.advance(4 * MINUTE);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "completed", attempt: 4 });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "sent" });
  });

  test("revoked token is rejected without retries", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    listenLog.fallback = "invalid-token";
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS));
    const taskId = onlyTaskId(navidrome);

    navidrome.clock.advance(HOUR);

    expect(listenLog.requests).toHaveLength(1);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({
      status: "completed",
      attempt: 1,
      message: "rejected: ListenLog returned HTTP 401 invalid_token: The API token is unknown or has been revoked. Create a new token in your ListenLog account settings.",
    });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "rejected", attempts: 1 });
  });

  test("listen ListenLog rejects is not retried", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    listenLog.script.push("too-old");
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS));

    navidrome.clock.advance(HOUR);

    expect(listenLog.requests).toHaveLength(1);
    expect(navidrome.services.task.tasks()[0]?.message).toBe("rejected: ListenLog returned HTTP 400 listen_too_old: listened_at must be within the last 14 days.");
  });

  test("listen of a user no longer linked is dropped", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    // Carol was linked when Navidrome stored this task, and her account is gone from the settings now.
    const taskId = seedListen(navidrome, "carol", QUIET_ENGINES, navidrome.clock.now() - 20 * MINUTE);

    navidrome.clock.runDue();

    expect(listenLog.requests).toHaveLength(0);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "completed", message: 'rejected: user "carol" has no linked ListenLog account any more' });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "rejected", username: "carol" });
  });

  test("task with an unreadable payload is dropped", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();

    const outcome = plugin.taskWorker.onTaskExecute({ queueName: "listens", taskId: "0k3Jd9QmX2vB7nLp4rT8sW", payload: new TextEncoder().encode("{}"), attempt: 1 });

    expect(outcome).toMatchObject({ kind: "output", value: expect.stringMatching(/^rejected: the task payload is not a listen/) });
    expect(listenLog.requests).toHaveLength(0);
    expect(pluginLogs(navidrome, "error")).toEqual([expect.stringContaining("dropped a task whose payload is not a listen")]);
  });
});
