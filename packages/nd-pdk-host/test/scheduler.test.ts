import { describe, expect, test } from "vitest";

import { scheduler } from "../src/index.js";
import { requestOf, resultOf, testFailedCalls } from "./fake-host.js";

describe("scheduler.scheduleOneTime", () => {
  test("leaves out a scheduleId not given", () => {
    const request = requestOf("scheduler_scheduleonetime", () => scheduler.scheduleOneTime(30, "refresh"));

    expect(request).toBe('{"delaySeconds":30,"payload":"refresh"}');
  });

  test("sends the scheduleId when given", () => {
    const request = requestOf("scheduler_scheduleonetime", () => scheduler.scheduleOneTime(0, "", "nightly-sync"));

    expect(request).toBe('{"delaySeconds":0,"payload":"","scheduleId":"nightly-sync"}');
  });

  test("decodes the new schedule id", () => {
    const id = resultOf("scheduler_scheduleonetime", '{"newScheduleId":"sch-42"}', () => scheduler.scheduleOneTime(30, "refresh"));

    expect(id).toBe("sch-42");
  });

  test("absent schedule id gives empty string", () => {
    expect(resultOf("scheduler_scheduleonetime", "{}", () => scheduler.scheduleOneTime(30, "refresh"))).toBe("");
  });

  testFailedCalls({
    service: "scheduler",
    name: "scheduleOneTime",
    importName: "scheduler_scheduleonetime",
    call: () => scheduler.scheduleOneTime(1, "p"),
  });
});

describe("scheduler.scheduleRecurring", () => {
  test("leaves out a scheduleId not given", () => {
    const request = requestOf("scheduler_schedulerecurring", () => scheduler.scheduleRecurring("0 0 * * *", "daily"));

    expect(request).toBe('{"cronExpression":"0 0 * * *","payload":"daily"}');
  });

  test("sends the scheduleId when given", () => {
    const request = requestOf("scheduler_schedulerecurring", () => scheduler.scheduleRecurring("*/5 * * * *", "poll", "poller"));

    expect(request).toBe('{"cronExpression":"*/5 * * * *","payload":"poll","scheduleId":"poller"}');
  });

  test("decodes the new schedule id", () => {
    const id = resultOf("scheduler_schedulerecurring", '{"newScheduleId":"poller"}', () =>
      scheduler.scheduleRecurring("*/5 * * * *", "poll", "poller"),
    );

    expect(id).toBe("poller");
  });

  test("absent schedule id gives empty string", () => {
    expect(resultOf("scheduler_schedulerecurring", "{}", () => scheduler.scheduleRecurring("0 0 * * *", "daily"))).toBe("");
  });

  testFailedCalls({
    service: "scheduler",
    name: "scheduleRecurring",
    importName: "scheduler_schedulerecurring",
    call: () => scheduler.scheduleRecurring("0 0 * * *", "p"),
  });
});

describe("scheduler.cancelSchedule", () => {
  test("sends the scheduleId", () => {
    expect(requestOf("scheduler_cancelschedule", () => scheduler.cancelSchedule("poller"))).toBe('{"scheduleId":"poller"}');
  });

  test("returns nothing on success", () => {
    expect(resultOf("scheduler_cancelschedule", "{}", () => scheduler.cancelSchedule("poller"))).toBeUndefined();
  });

  testFailedCalls({
    service: "scheduler",
    name: "cancelSchedule",
    importName: "scheduler_cancelschedule",
    call: () => scheduler.cancelSchedule("poller"),
  });
});
