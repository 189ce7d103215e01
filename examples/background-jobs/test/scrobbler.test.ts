import { ScrobblerError } from "@nd/pdk";
import { afterEach, describe, expect, test, vi } from "vitest";

import manifest from "../manifest.json" with { type: "json" };
import {
  ALICE_TOKEN,
  CARTOGRAPHERS_WALTZ,
  DAY,
  HARBOUR_LIGHTS,
  onlyTaskId,
  pluginLogs,
  QUIET_ENGINES,
  runtimes,
  scrobbleOf,
  statusOf,
} from "./support.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(runtimes)("background-jobs scrobbler (%s)", (_runtime, load) => {
  test("exports every method it implements", async () => {
    const { plugin } = await load();
    expect(plugin.exports).toEqual([
      "nd_on_init",
      "nd_scheduler_callback",
      "nd_scrobbler_is_authorized",
      "nd_scrobbler_now_playing",
      "nd_scrobbler_playback_report",
      "nd_scrobbler_scrobble",
      "nd_task_execute",
    ]);
  });

  test("onInit creates the queue and the nightly schedule", async () => {
    const { navidrome, plugin } = await load();
    expect(plugin.lifecycle.onInit()).toEqual({ kind: "no-data" });

    expect(navidrome.services.task.queues()).toEqual([
      {
        name: "listens",
        concurrency: 1,
        requestedConcurrency: 1,
        maxRetries: 5,
        backoffMs: 60_000,
        delayMs: 500,
        retentionMs: DAY,
        createdAt: navidrome.clock.now(),
      },
    ]);
    expect(navidrome.services.scheduler.jobs()).toEqual([
      {
        scheduleId: "nightly-maintenance",
        payload: "nightly-maintenance",
        recurring: true,
        cronExpression: "30 3 * * *",
        nextRun: Date.UTC(2026, 0, 1, 3, 30),
      },
    ]);
  });

  test("isAuthorized checks the linked accounts", async () => {
    const { plugin } = await load();
    expect(plugin.scrobbler.isAuthorized({ username: "alice" })).toMatchObject({ kind: "output", value: true });
    expect(plugin.scrobbler.isAuthorized({ username: "bruno" })).toMatchObject({ kind: "output", value: true });
    expect(plugin.scrobbler.isAuthorized({ username: "carol" })).toMatchObject({ kind: "output", value: false });
  });

  test("isAuthorized fails on an invalid accounts setting", async () => {
    const { plugin } = await load({ config: { accounts: '{"alice": "token"}' } });
    const outcome = plugin.scrobbler.isAuthorized({ username: "alice" });
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain('plugin configuration "accounts" must be a JSON array');
  });

  test("scrobble queues a listen that the worker sends", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    const scrobble = scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS);

    expect(plugin.scrobbler.scrobble(scrobble)).toEqual({ kind: "no-data" });
    const taskId = onlyTaskId(navidrome);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "pending", attempt: 0 });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "queued", username: "alice", track: '"Harbour Lights at Four" by The Lantern Choir' });
    expect(listenLog.requests).toHaveLength(0);

    navidrome.clock.runDue();

    expect(listenLog.requests).toHaveLength(1);
    expect(listenLog.requests[0]).toMatchObject({
      method: "POST",
      url: "https://api.listenlog.example/v1/listens",
      headers: { Authorization: `Token ${ALICE_TOKEN}`, "Content-Type": "application/json" },
      timeoutMs: 10_000,
    });
    expect(listenLog.bodies()[0]).toEqual({
      listened_at: scrobble.timestamp,
      track: {
        title: "Harbour Lights at Four",
        artist: "The Lantern Choir",
        album: "Salt and Signal",
        duration_ms: 247_360,
        track_number: 3,
        recording_mbid: "6f1d2c0e-3b7a-4c55-9e8f-1a2b3c4d5e60",
        release_mbid: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e",
      },
      client: "navidrome-background-jobs/1.0.0",
    });
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "completed", attempt: 1, message: "sent: lsn_01JGXK4T9M2QW7RB01" });
    expect(statusOf(navidrome, taskId)).toMatchObject({ state: "sent", attempts: 1, message: "lsn_01JGXK4T9M2QW7RB01", updatedAt: navidrome.clock.now() });
    expect(pluginLogs(navidrome, "info")).toContainEqual(expect.stringContaining("listen sent"));
  });

  test("scrobbles of several users run one after another", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS, 9));
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "Bruno", QUIET_ENGINES, 6));
    plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", CARTOGRAPHERS_WALTZ, 2));

    navidrome.clock.runDue();
    expect(listenLog.requests).toHaveLength(1);

    // delayMs spaces the starts 500 ms apart, as ListenLog's rate limit requires.
    navidrome.clock.advance(1_000);
    const starts = navidrome.services.task.tasks().map((task) => (task.attempts[0]?.startedAt ?? 0) - task.createdAt);
    expect(starts).toEqual([0, 500, 1_000]);
    expect(listenLog.bodies().map((body) => (body as { track: { title: string } }).track.title)).toEqual([
      "Harbour Lights at Four",
      "Quiet Engines",
      "Cartographer's Waltz",
    ]);
    expect(navidrome.services.task.tasks().map((task) => task.status)).toEqual(["completed", "completed", "completed"]);
  });

  test("scrobble creates the queue when onInit has not run", async () => {
    const { navidrome, plugin, listenLog } = await load();

    expect(plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS))).toEqual({ kind: "no-data" });
    expect(navidrome.services.task.queues().map((queue) => queue.name)).toEqual(["listens"]);
    expect(pluginLogs(navidrome, "info")).toContainEqual(expect.stringContaining("created the listen queue"));

    navidrome.clock.runDue();
    expect(listenLog.requests).toHaveLength(1);
  });

  test("scrobble by an unlinked user is not authorized", async () => {
    const { navidrome, plugin } = await load();
    plugin.lifecycle.onInit();

    const outcome = plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "carol", HARBOUR_LIGHTS));
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toBe(`${ScrobblerError.NotAuthorized}: user "carol" has not linked a ListenLog account`);
    expect(navidrome.services.task.tasks()).toEqual([]);
  });

  test("scrobble older than 14 days is unrecoverable", async () => {
    const { navidrome, plugin } = await load();
    plugin.lifecycle.onInit();

    const outcome = plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS, 15 * 24 * 60));
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toContain(ScrobblerError.Unrecoverable);
    expect(outcome.kind === "error" ? outcome.message : "").toContain("started more than 14 days ago");
    expect(navidrome.services.task.tasks()).toEqual([]);
  });

  test("scrobble over the 1 MiB payload limit is unrecoverable", async () => {
    const { navidrome, plugin, listenLog } = await load();
    plugin.lifecycle.onInit();
    // A damaged tag can hold a title of any length; this one repeats its text until the payload passes 1 MiB.
    const damaged = { ...QUIET_ENGINES, title: "Quiet Engines ".repeat(80_000) };

    const outcome = plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", damaged));

    expect(outcome.kind).toBe("error");
    const message = outcome.kind === "error" ? outcome.message : "";
    expect(message).toContain(ScrobblerError.Unrecoverable);
    expect(message).toContain("over the task queue limit of 1048576 bytes");
    expect(message).toMatch(/payload size \d+ exceeds maximum of 1048576 bytes/);
    // The title is cut in the message, so the error stays readable.
    expect(message.length).toBeLessThan(500);
    expect(navidrome.services.task.tasks()).toEqual([]);
    expect(navidrome.services.kvstore.entries().size).toBe(0);

    navidrome.clock.runDue();
    expect(listenLog.requests).toHaveLength(0);
  });

  test("scrobble succeeds when the kvstore is full", async () => {
    const small = { ...manifest, permissions: { ...manifest.permissions, kvstore: { reason: "tests", maxSize: "200B" } } };
    const { navidrome, plugin, listenLog } = await load({ manifest: small });
    plugin.lifecycle.onInit();

    expect(plugin.scrobbler.scrobble(scrobbleOf(navidrome.clock, "alice", HARBOUR_LIGHTS))).toEqual({ kind: "no-data" });
    navidrome.clock.runDue();

    // The listen is delivered, and only its status could not be stored.
    expect(listenLog.requests).toHaveLength(1);
    expect(navidrome.services.task.tasks()[0]).toMatchObject({ status: "completed", message: "sent: lsn_01JGXK4T9M2QW7RB01" });
    expect(navidrome.services.kvstore.entries().size).toBe(0);
    const errors = pluginLogs(navidrome, "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('could not store the status of a listen taskId="');
    expect(errors[0]).toContain("storage limit exceeded");
  });

  test("nowPlaying sends the track at once", async () => {
    const { navidrome, plugin, listenLog } = await load();
    expect(plugin.scrobbler.nowPlaying({ username: "Bruno", track: QUIET_ENGINES, position: 12 })).toEqual({ kind: "no-data" });

    expect(listenLog.requests).toHaveLength(1);
    expect(listenLog.requests[0]).toMatchObject({ url: "https://api.listenlog.example/v1/now-playing", timeoutMs: 3_000 });
    expect(listenLog.bodies()[0]).toMatchObject({ track: { title: "Quiet Engines", artist: "Mara Okonkwo • Teodor Lind", duration_ms: 312_040 } });
    expect(navidrome.services.task.tasks()).toEqual([]);
  });

  test("nowPlaying while ListenLog is down asks to retry later", async () => {
    const { plugin, listenLog } = await load();
    listenLog.fallback = "maintenance";

    const outcome = plugin.scrobbler.nowPlaying({ username: "alice", track: HARBOUR_LIGHTS, position: 0 });
    expect(outcome.kind).toBe("error");
    expect(outcome.kind === "error" ? outcome.message : "").toBe(
      `${ScrobblerError.RetryLater}: ListenLog returned HTTP 503 maintenance: ListenLog is down for scheduled maintenance until 04:00 UTC.`,
    );
  });

  test("nowPlaying with a network error asks to retry later", async () => {
    const { plugin, listenLog } = await load();
    listenLog.fallback = "network-error";

    const outcome = plugin.scrobbler.nowPlaying({ username: "alice", track: HARBOUR_LIGHTS, position: 0 });
    expect(outcome.kind === "error" ? outcome.message : "").toMatch(/^scrobbler\(retry_later\): ListenLog is unreachable: .*connection refused/);
  });

  test("nowPlaying with a revoked token is not authorized", async () => {
    const { plugin, listenLog } = await load();
    listenLog.fallback = "invalid-token";

    const outcome = plugin.scrobbler.nowPlaying({ username: "alice", track: HARBOUR_LIGHTS, position: 0 });
    expect(outcome.kind === "error" ? outcome.message : "").toContain(`${ScrobblerError.NotAuthorized}: ListenLog returned HTTP 401 invalid_token`);
  });

  test("playbackReport needs no request", async () => {
    const { plugin, listenLog } = await load();
    const report = {
      username: "alice",
      track: HARBOUR_LIGHTS,
      state: "paused",
      positionMs: 81_250,
      playbackRate: 1,
      playerId: "pl-3e8a",
      playerName: "Feishin",
      timestamp: 1_767_225_600,
    };
    expect(plugin.scrobbler.playbackReport(report)).toEqual({ kind: "no-data" });
    expect(listenLog.requests).toHaveLength(0);
  });
});
