import { describe, expect, it } from "vitest";

import { SCHEDULER_CALLBACK_EXPORT, createSchedulerService } from "../../src/services/scheduler.js";
import { START, callHost, createScriptedContext, thrown } from "./callbacks.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function setup() {
  const ctx = createScriptedContext({ scheduler: { reason: "tests" } });
  const scheduler = createSchedulerService(ctx, ctx.options());
  const oneTime = (delaySeconds: number, payload = "", scheduleId = "") =>
    callHost(scheduler, "scheduler_scheduleonetime", { delaySeconds, payload, scheduleId });
  const recurring = (cronExpression: string, payload = "", scheduleId = "") =>
    callHost(scheduler, "scheduler_schedulerecurring", { cronExpression, payload, scheduleId });
  const cancel = (scheduleId: string) => callHost(scheduler, "scheduler_cancelschedule", { scheduleId });
  const fireTimes = () => ctx.callsTo(SCHEDULER_CALLBACK_EXPORT).map((call) => new Date(call.time).toISOString());
  return { ctx, scheduler, oneTime, recurring, cancel, fireTimes };
}

/** Returns the first `count` firing times of a cron expression scheduled at `start`, as ISO strings. */
function firstFirings(cronExpression: string, count: number, start = START): string[] {
  const { ctx, recurring, fireTimes } = setup();
  ctx.clock.advance(start - START);
  expect(recurring(cronExpression, "", "job")).toEqual({ newScheduleId: "job" });
  for (let i = 0; i < 10_000 && fireTimes().length < count; i++) ctx.clock.advance(HOUR);
  return fireTimes().slice(0, count);
}

describe("scheduler one-time schedules", () => {
  it("fires once after the delay", () => {
    const { ctx, scheduler, oneTime } = setup();
    expect(oneTime(30, "hello", "greeting")).toEqual({ newScheduleId: "greeting" });
    expect(scheduler.jobs()).toEqual([{ scheduleId: "greeting", payload: "hello", recurring: false, nextRun: START + 30_000 }]);

    ctx.clock.advance(29_999);
    expect(ctx.calls).toHaveLength(0);
    ctx.clock.advance(1);
    expect(ctx.calls).toEqual([
      { exportName: SCHEDULER_CALLBACK_EXPORT, input: { scheduleId: "greeting", payload: "hello", isRecurring: false }, time: START + 30_000 },
    ]);

    ctx.clock.advance(DAY);
    expect(ctx.calls).toHaveLength(1);
    expect(scheduler.jobs()).toEqual([]);
  });

  it("generates a unique id when none is given", () => {
    const { oneTime } = setup();
    const first = oneTime(10).newScheduleId;
    const second = oneTime(10).newScheduleId;
    expect(first).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(second).toMatch(/^[0-9a-zA-Z]{22}$/);
    expect(first).not.toBe(second);
  });

  it("fires a zero or negative delay at the next clock step", () => {
    const { ctx, oneTime } = setup();
    oneTime(0, "", "now");
    oneTime(-5, "", "past");
    expect(ctx.calls).toHaveLength(0);
    ctx.clock.runDue();
    expect(ctx.calls.map((call) => call.input.scheduleId)).toEqual(["now", "past"]);
    expect(ctx.calls.every((call) => call.time === START)).toBe(true);
  });

  it("frees the id after firing", () => {
    const { ctx, oneTime } = setup();
    oneTime(1, "", "again");
    ctx.clock.advance(1000);
    expect(oneTime(1, "", "again")).toEqual({ newScheduleId: "again" });
  });

  it("rejects rescheduling its own id inside the callback", () => {
    const { ctx, scheduler, oneTime } = setup();
    let reply: Record<string, unknown> = {};
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, () => {
      reply = oneTime(60, "", "self");
      return { kind: "no-data" };
    });
    oneTime(1, "", "self");
    ctx.clock.advance(1000);
    expect(reply).toEqual({ error: 'schedule ID "self" already exists' });
    expect(scheduler.jobs()).toEqual([]);
  });

  it("loses a schedule recreated after cancelling itself in the callback", () => {
    const { ctx, scheduler, oneTime, cancel } = setup();
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, (call) => {
      if (call.time === START + 1000) {
        cancel("self");
        oneTime(60, "", "self");
      }
      return { kind: "no-data" };
    });
    oneTime(1, "", "self");
    ctx.clock.advance(1000);
    expect(scheduler.jobs()).toEqual([]);

    ctx.clock.advance(60_000);
    expect(ctx.calls).toHaveLength(1);
    expect(ctx.logs).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringContaining('Schedule "self" fired but no longer exists') }));
  });
});

describe("scheduler ids", () => {
  it("rejects an id already in use", () => {
    const { oneTime, recurring } = setup();
    oneTime(60, "", "taken");
    expect(oneTime(30, "", "taken")).toEqual({ error: 'schedule ID "taken" already exists' });
    expect(recurring("@hourly", "", "taken")).toEqual({ error: 'schedule ID "taken" already exists' });
  });

  it("keeps the first schedule when the id is rejected", () => {
    const { ctx, scheduler, oneTime } = setup();
    oneTime(60, "first", "taken");
    oneTime(30, "second", "taken");
    ctx.clock.advance(60_000);
    expect(ctx.calls.map((call) => [call.input.payload, call.time])).toEqual([["first", START + 60_000]]);
    expect(scheduler.jobs()).toEqual([]);
  });
});

describe("scheduler cancel", () => {
  it("stops a one-time schedule", () => {
    const { ctx, scheduler, oneTime, cancel } = setup();
    oneTime(10, "", "soon");
    expect(cancel("soon")).toEqual({});
    ctx.clock.advance(HOUR);
    expect(ctx.calls).toHaveLength(0);
    expect(scheduler.jobs()).toEqual([]);
  });

  it("stops a recurring schedule", () => {
    const { ctx, recurring, cancel, fireTimes } = setup();
    recurring("*/10 * * * *", "", "tick");
    ctx.clock.advance(25 * MINUTE);
    expect(cancel("tick")).toEqual({});
    ctx.clock.advance(HOUR);
    expect(fireTimes()).toEqual(["2026-01-01T00:10:00.000Z", "2026-01-01T00:20:00.000Z"]);
  });

  it("works from inside the callback", () => {
    const { ctx, recurring, cancel } = setup();
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, () => {
      cancel("tick");
      return { kind: "no-data" };
    });
    recurring("* * * * *", "", "tick");
    ctx.clock.advance(HOUR);
    expect(ctx.calls).toHaveLength(1);
  });

  it("rejects an unknown id", () => {
    const { cancel, oneTime, ctx } = setup();
    expect(cancel("missing")).toEqual({ error: 'schedule ID "missing" not found' });

    oneTime(1, "", "done");
    ctx.clock.advance(1000);
    expect(cancel("done")).toEqual({ error: 'schedule ID "done" not found' });
  });
});

describe("scheduler recurring schedules", () => {
  it("calls back with isRecurring and the payload each time", () => {
    const { ctx, scheduler, recurring } = setup();
    recurring("*/15 * * * *", "sync", "sync-job");
    expect(scheduler.jobs()).toEqual([
      { scheduleId: "sync-job", payload: "sync", recurring: true, cronExpression: "*/15 * * * *", nextRun: START + 15 * MINUTE },
    ]);

    ctx.clock.advance(HOUR);
    expect(ctx.calls.map((call) => call.input)).toEqual(
      Array.from({ length: 4 }, () => ({ scheduleId: "sync-job", payload: "sync", isRecurring: true })),
    );
    expect(ctx.calls.map((call) => call.time - START)).toEqual([15, 30, 45, 60].map((minutes) => minutes * MINUTE));
    expect(scheduler.jobs()[0]?.nextRun).toBe(START + 75 * MINUTE);
  });

  it("keeps firing after a failed callback", () => {
    const { ctx, scheduler, recurring, fireTimes } = setup();
    const failure = thrown("upstream down");
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, failure);
    recurring("@hourly", "", "hourly");
    ctx.clock.advance(3 * HOUR);

    expect(fireTimes()).toHaveLength(3);
    const errorText = failure.kind === "error" ? failure.text : "";
    expect(scheduler.firings().map((firing) => firing.error)).toEqual(Array(3).fill(errorText));
    expect(ctx.logs.filter((log) => log.level === "error").map((log) => log.message)).toEqual(
      Array(3).fill(`Scheduler callback failed for schedule "hourly": ${errorText}`),
    );
  });

  it("counts output other than an object or null as a failure", () => {
    const { ctx, scheduler, oneTime } = setup();
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, (call) =>
      call.input.scheduleId === "object" ? { kind: "output", output: "{}" } : { kind: "output", output: '"done"' },
    );
    oneTime(1, "", "object");
    oneTime(1, "", "string");
    ctx.clock.advance(1000);

    const errors = Object.fromEntries(scheduler.firings().map((firing) => [firing.scheduleId, firing.error]));
    expect(errors.object).toBeUndefined();
    expect(errors.string).toBe("json: cannot unmarshal string into Go value of type struct {}");
  });

  it("logs a missing callback export and carries on", () => {
    const { ctx, scheduler, recurring } = setup();
    ctx.respond(SCHEDULER_CALLBACK_EXPORT, { kind: "not-exported" });
    recurring("@hourly", "", "orphan");
    ctx.clock.advance(2 * HOUR);

    expect(scheduler.firings()).toHaveLength(2);
    expect(ctx.logs.filter((log) => log.level === "warn")).toHaveLength(2);
    expect(ctx.logs[0]?.message).toContain("does not export nd_scheduler_callback");
  });

  it("never fires a date that does not exist", () => {
    const { ctx, scheduler, recurring } = setup();
    expect(recurring("0 0 30 2 *", "", "never")).toEqual({ newScheduleId: "never" });
    expect(scheduler.jobs()).toEqual([{ scheduleId: "never", payload: "", recurring: true, cronExpression: "0 0 30 2 *" }]);
    ctx.clock.advance(400 * DAY);
    expect(ctx.calls).toHaveLength(0);
  });
});

describe("scheduler cron expressions", () => {
  const cases: ReadonlyArray<readonly [string, number, readonly string[]]> = [
    ["* * * * *", 3, ["2026-01-01T00:01:00.000Z", "2026-01-01T00:02:00.000Z", "2026-01-01T00:03:00.000Z"]],
    ["0 0 * * *", 2, ["2026-01-02T00:00:00.000Z", "2026-01-03T00:00:00.000Z"]],
    ["30 9 * * 1-5", 3, ["2026-01-01T09:30:00.000Z", "2026-01-02T09:30:00.000Z", "2026-01-05T09:30:00.000Z"]],
    ["0 12 1,15 * *", 3, ["2026-01-01T12:00:00.000Z", "2026-01-15T12:00:00.000Z", "2026-02-01T12:00:00.000Z"]],
    ["5/20 * * * *", 4, ["2026-01-01T00:05:00.000Z", "2026-01-01T00:25:00.000Z", "2026-01-01T00:45:00.000Z", "2026-01-01T01:05:00.000Z"]],
    ["0 8-10/2 * * *", 3, ["2026-01-01T08:00:00.000Z", "2026-01-01T10:00:00.000Z", "2026-01-02T08:00:00.000Z"]],
    ["0 0 1 */3 *", 2, ["2026-04-01T00:00:00.000Z", "2026-07-01T00:00:00.000Z"]],
    ["0 0 * JAN,jul SUN", 2, ["2026-01-04T00:00:00.000Z", "2026-01-11T00:00:00.000Z"]],
    ["0 0 * mar-apr mon", 1, ["2026-03-02T00:00:00.000Z"]],
    // Both day fields restricted: either one matches (Friday 2nd, Friday 9th, Tuesday 13th).
    ["0 0 13 * 5", 3, ["2026-01-02T00:00:00.000Z", "2026-01-09T00:00:00.000Z", "2026-01-13T00:00:00.000Z"]],
    // "*" or "?" in one day field means both must match.
    ["0 0 * * 5", 2, ["2026-01-02T00:00:00.000Z", "2026-01-09T00:00:00.000Z"]],
    ["0 0 ? * 5", 2, ["2026-01-02T00:00:00.000Z", "2026-01-09T00:00:00.000Z"]],
    ["0 0 */1 * 5", 2, ["2026-01-02T00:00:00.000Z", "2026-01-09T00:00:00.000Z"]],
    ["@hourly", 2, ["2026-01-01T01:00:00.000Z", "2026-01-01T02:00:00.000Z"]],
    ["@daily", 1, ["2026-01-02T00:00:00.000Z"]],
    ["@midnight", 1, ["2026-01-02T00:00:00.000Z"]],
    ["@weekly", 2, ["2026-01-04T00:00:00.000Z", "2026-01-11T00:00:00.000Z"]],
    ["@monthly", 2, ["2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z"]],
    ["@yearly", 1, ["2027-01-01T00:00:00.000Z"]],
    ["@annually", 1, ["2027-01-01T00:00:00.000Z"]],
    ["@every 1h30m", 3, ["2026-01-01T01:30:00.000Z", "2026-01-01T03:00:00.000Z", "2026-01-01T04:30:00.000Z"]],
    ["@every 1.5h", 1, ["2026-01-01T01:30:00.000Z"]],
    ["@every 90m", 1, ["2026-01-01T01:30:00.000Z"]],
    ["TZ=Europe/Paris 0 9 * * *", 2, ["2026-01-01T08:00:00.000Z", "2026-01-02T08:00:00.000Z"]],
    ["CRON_TZ=America/New_York 0 0 * * *", 1, ["2026-01-01T05:00:00.000Z"]],
    ["CRON_TZ=UTC 0 0 * * *", 1, ["2026-01-02T00:00:00.000Z"]],
  ];

  it.each(cases)("%s fires at the expected times", (expression, count, expected) => {
    expect(firstFirings(expression, count)).toEqual(expected);
  });

  it("runs @every on whole seconds from the start", () => {
    const { ctx, recurring, fireTimes } = setup();
    ctx.clock.advance(400);
    recurring("@every 10s", "", "ten");
    ctx.clock.advance(30_000);
    expect(fireTimes()).toEqual(["2026-01-01T00:00:10.000Z", "2026-01-01T00:00:20.000Z", "2026-01-01T00:00:30.000Z"]);
  });

  it("rounds @every up to one second", () => {
    const { ctx, recurring, fireTimes } = setup();
    recurring("@every 500ms", "", "fast");
    ctx.clock.advance(3000);
    expect(fireTimes()).toEqual(["2026-01-01T00:00:01.000Z", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:03.000Z"]);
  });

  it("follows daylight saving time in a TZ prefix", () => {
    const summer = Date.UTC(2026, 6, 1);
    expect(firstFirings("TZ=Europe/Paris 0 9 * * *", 1, summer)).toEqual(["2026-07-01T07:00:00.000Z"]);
  });

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ["", "the expression is empty"],
    ["* * * *", "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4"],
    ["0 * * * * *", "expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6"],
    ["60 * * * *", 'minute 60 in "60" is above the maximum of 59'],
    ["* 24 * * *", 'hour 24 in "24" is above the maximum of 23'],
    ["* * 0 * *", 'day-of-month 0 in "0" is below the minimum of 1'],
    ["* * * 13 *", 'month 13 in "13" is above the maximum of 12'],
    ["* * * * 7", 'day-of-week 7 in "7" is above the maximum of 6'],
    ["5-1 * * * *", 'the minute range "5-1" starts after it ends'],
    ["*/0 * * * *", 'the step in the minute field "*/0" must be a positive number'],
    ["a * * * *", '"a" in the minute field is not a number'],
    ["* * * foo *", '"foo" in the month field is not a number or a name such as JAN'],
    ["1-2-3 * * * *", 'too many hyphens in the minute field "1-2-3"'],
    ["*/2/3 * * * *", 'too many slashes in the minute field "*/2/3"'],
    ["@reboot", "unrecognized descriptor @reboot"],
    ["@every", "unrecognized descriptor @every"],
    ["@every 5", 'invalid duration "5" after @every: a number has no unit'],
    ["@every 5x", 'invalid duration "5x" after @every: unknown unit "x"'],
    ["TZ=Mars/Olympus 0 * * * *", 'unknown time zone "Mars/Olympus"'],
    ["TZ=UTC", 'nothing follows the time zone prefix "TZ=UTC"'],
  ];

  it.each(invalid)("rejects %j", (expression, detail) => {
    const { scheduler, recurring } = setup();
    const reply = recurring(expression, "", "bad");
    expect(reply.error).toMatch(new RegExp(`^failed to schedule task: invalid cron expression "${escapeRegExp(expression)}": `));
    expect(reply.error).toContain(detail);
    expect(scheduler.jobs()).toEqual([]);
  });
});

describe("scheduler requests", () => {
  it("rejects a delay that is not an integer", () => {
    const { scheduler } = setup();
    expect(callHost(scheduler, "scheduler_scheduleonetime", { delaySeconds: "10" })).toEqual({
      error: 'invalid request: json: cannot unmarshal string into field "delaySeconds" of type int32',
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
