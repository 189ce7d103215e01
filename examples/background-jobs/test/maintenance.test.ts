import { FakeClock } from "@nd/pdk-simulator";
import { afterEach, describe, expect, test, vi } from "vitest";

import { DAY, HARBOUR_LIGHTS, HOUR, MINUTE, onlyTaskId, pluginLogs, QUIET_ENGINES, runtimes, scrobbleOf, seedListen, seedStatus, statusOf } from "./support.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const nightly = { scheduleId: "nightly-maintenance", payload: "nightly-maintenance", isRecurring: true };

describe.each(runtimes)("background-jobs nightly maintenance (%s)", (_runtime, load) => {
  test("fires at 03:30 and cancels listens too old to deliver", async () => {
    const { navidrome, plugin, listenLog } = await load({ clock: new FakeClock(Date.UTC(2026, 0, 1, 3, 10)) });
    plugin.lifecycle.onInit();
    listenLog.fallback = "maintenance";
    // Played 10 minutes short of ListenLog's 14-day limit, from a player that was offline for two weeks.
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS, 14 * 24 * 60 - 10));
    const taskId = onlyTaskId(navidrome);

    navidrome.clock.advance(20 * MINUTE);

    // Attempts ran at 03:10, 03:11, 03:13, 03:17 and 03:25. The next one was due at 03:41.
    expect(listenLog.requests).toHaveLength(5);
    expect(navidrome.services.scheduler.firings()).toEqual([expect.objectContaining({ scheduleId: "nightly-maintenance", time: Date.UTC(2026, 0, 1, 3, 30) })]);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "cancelled", attempt: 5 });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "cancelled", message: "ListenLog no longer accepts a listen this old" });
    expect(navidrome.hostCalls.filter((call) => call.function === "task.get").map((call) => call.request)).toEqual([{ taskId }]);
    expect(pluginLogs(navidrome, "info")).toContainEqual(expect.stringContaining("nightly maintenance finished checked=1 cancelled=1 updated=0 removed=0"));

    navidrome.clock.advance(HOUR);
    expect(listenLog.requests).toHaveLength(5);
  });

  test("cancels pending listens of unlinked users", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    const carols = seedListen(navidrome, "carol", QUIET_ENGINES, navidrome.clock.now() - 30 * MINUTE);
    const alices = seedListen(navidrome, "alice", HARBOUR_LIGHTS, navidrome.clock.now() - 25 * MINUTE);

    // The pass runs before the queue's worker picks the tasks up.
    expect(plugin.scheduler.onCallback(nightly)).toEqual({ kind: "no-data" });

    expect(navidrome.services.task.tasks().map((task) => task.status)).toEqual(["cancelled", "pending"]);
    expect(statusOf(navidrome, carols)).toMatchObject({ state: "cancelled", message: 'user "carol" has no linked ListenLog account any more' });
    expect(statusOf(navidrome, alices)).toMatchObject({ state: "queued" });

    navidrome.clock.runDue();
    expect(listenLog.requests).toHaveLength(1);
    expect(statusOf(navidrome, alices)).toMatchObject({ state: "sent" });
  });

  test("clears the queue when no account is linked", async () => {
    const { navidrome, plugin, listenLog } = await load({ config: {} });
    plugin.lifecycle.onInit();
    const now = navidrome.clock.now();
    const taskIds = [
      seedListen(navidrome, "alice", HARBOUR_LIGHTS, now - 40 * MINUTE),
      seedListen(navidrome, "alice", QUIET_ENGINES, now - 35 * MINUTE),
      seedListen(navidrome, "bruno", HARBOUR_LIGHTS, now - 12 * MINUTE),
    ];

    plugin.scheduler.onCallback(nightly);

    expect(navidrome.services.task.tasks().map((task) => task.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(taskIds.map((taskId) => statusOf(navidrome, taskId)?.state)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(navidrome.hostCalls.filter((call) => call.function === "task.clearQueue").map((call) => call.reply)).toEqual([{ result: 3 }]);
    expect(pluginLogs(navidrome, "warn")).toEqual([expect.stringContaining("cleared the listen queue because no ListenLog account is linked cleared=3")]);

    navidrome.clock.advance(HOUR);
    expect(listenLog.requests).toHaveLength(0);
  });

  test("takes outcomes the worker could not store from the queue", async () => {
    const { navidrome, plugin } = await load();
    plugin.lifecycle.onInit();
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS));
    const taskId = onlyTaskId(navidrome);
    navidrome.clock.runDue();
    const sent = statusOf(navidrome, taskId);
    // As if the worker's last write had failed over the quota, the record is still in state "retrying".
    seedStatus(navidrome, { ...sent, taskId, state: "retrying", message: "ListenLog returned HTTP 503" });

    plugin.scheduler.onCallback(nightly);

    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "sent", attempts: 1, message: "sent: lsn_01JGXK4T9M2QW7RB01" });
    expect(pluginLogs(navidrome, "info")).toContainEqual(expect.stringContaining("checked=1 cancelled=0 updated=1 removed=0"));
  });

  test("removes the status of tasks that no longer exist", async () => {
    const { navidrome, plugin } = await load();
    plugin.lifecycle.onInit();
    seedStatus(navidrome, {
      taskId: "3vQ8mZk1LpR6tY0wXc2NbA",
      username: "alice",
      track: '"Harbour Lights at Four" by The Lantern Choir',
      listenedAt: Math.floor((navidrome.clock.now() - 2 * DAY) / 1000),
      state: "retrying",
      attempts: 2,
      message: "ListenLog returned HTTP 503",
      updatedAt: navidrome.clock.now() - 2 * DAY,
    });

    plugin.scheduler.onCallback(nightly);

    expect(navidrome.services.kvstore.entries().size).toBe(0);
    expect(pluginLogs(navidrome, "warn")).toEqual([expect.stringContaining('removed the status of a listen whose task no longer exists taskId="3vQ8mZk1LpR6tY0wXc2NbA"')]);
  });

  test("ignores an unknown schedule", async () => {
    const { navidrome, plugin } = await load();
    expect(plugin.scheduler.onCallback({ scheduleId: "f2a9c", payload: "weekly-report", isRecurring: false })).toEqual({ kind: "no-data" });
    expect(pluginLogs(navidrome, "warn")).toEqual([expect.stringContaining('ignored an unknown schedule scheduleId="f2a9c"')]);
  });
});
