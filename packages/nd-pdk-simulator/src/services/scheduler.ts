
import type { CallOutcome, ServiceContext, SimulatedService } from "../host/service.js";
import { callbackFailure } from "../host/callback.js";
import { newRandomId } from "../host/random-id.js";
import { ServiceError } from "../host/service.js";
import { omitEmpty, readInt, readString } from "../host/wire.js";
import type { NavidromeOptions } from "../options.js";
import type { CronSchedule } from "./scheduler-cron.js";
import { CronSyntaxError, parseCron } from "./scheduler-cron.js";

/** The export Navidrome calls when a schedule fires. */
export const SCHEDULER_CALLBACK_EXPORT = "nd_scheduler_callback";

/** A schedule that has not fired for the last time yet, as the inspection view shows it. */
export interface ScheduledJob {
  /** The schedule id, as the plugin gave it or as Navidrome generated it. */
  readonly scheduleId: string;
  /** The payload passed to the callback on each firing. */
  readonly payload: string;
  /** True for a cron schedule, false for a one-time one. */
  readonly recurring: boolean;
  /** The cron expression of a recurring schedule. */
  readonly cronExpression?: string;
  /**
   * Simulated Unix time in milliseconds of the next firing. Undefined for a cron expression that
   * matches no time within five years, which never fires.
   */
  readonly nextRun?: number;
}

/** One firing of a schedule and what the plugin's callback came to. */
export interface SchedulerFiring {
  /** The id of the schedule that fired. */
  readonly scheduleId: string;
  /** The payload the callback received. */
  readonly payload: string;
  /** True for a cron schedule, false for a one-time one. */
  readonly recurring: boolean;
  /** Simulated Unix time in milliseconds. */
  readonly time: number;
  /** The outcome of the `nd_scheduler_callback` call. */
  readonly outcome: CallOutcome;
  /** The failure Navidrome logs for this firing; undefined when the callback succeeded. */
  readonly error?: string;
}

/** The simulated Scheduler service, with views of its schedules and of past firings. */
export interface SchedulerService extends SimulatedService {
  /** The schedules that will still fire, in creation order. */
  jobs(): ScheduledJob[];
  /** Every firing so far, oldest first. */
  firings(): readonly SchedulerFiring[];
}

interface ScheduleEntry {
  readonly scheduleId: string;
  readonly payload: string;
  readonly recurring: boolean;
  readonly cronExpression?: string;
  readonly cron?: CronSchedule;
  timerId: number | undefined;
  nextRun: number | undefined;
}

/**
 * Creates the Scheduler service: one-time and recurring schedules on the simulated clock that call
 * the plugin's `nd_scheduler_callback` export when they fire. A failed callback is logged and the
 * schedule carries on, as in Navidrome.
 */
export function createSchedulerService(ctx: ServiceContext, _options: NavidromeOptions): SchedulerService {
  const entries = new Map<string, ScheduleEntry>();
  const firings: SchedulerFiring[] = [];

  function invokeCallback(scheduleId: string): void {
    // Navidrome's timers keep only the id and look the schedule up when they fire.
    const entry = entries.get(scheduleId);
    if (entry === undefined) {
      ctx.log("warn", `Schedule "${scheduleId}" fired but no longer exists, so its callback was skipped`);
      return;
    }

    const input = { scheduleId, payload: entry.payload, isRecurring: entry.recurring };
    const outcome = ctx.callPlugin(SCHEDULER_CALLBACK_EXPORT, input);
    const error = callbackFailure(outcome, SCHEDULER_CALLBACK_EXPORT);
    firings.push({
      scheduleId,
      payload: entry.payload,
      recurring: entry.recurring,
      time: ctx.clock.now(),
      outcome,
      ...(error === undefined ? {} : { error }),
    });

    if (outcome.kind === "not-exported") {
      ctx.log("warn", `Scheduler callback for schedule "${scheduleId}" skipped: the plugin does not export ${SCHEDULER_CALLBACK_EXPORT}`);
    } else if (error !== undefined) {
      ctx.log("error", `Scheduler callback failed for schedule "${scheduleId}": ${error}`);
    }
  }

  function fireOneTime(scheduleId: string): void {
    invokeCallback(scheduleId);
    // NOTE: like Navidrome, this removes whatever schedule has the id once the callback returns. A
    // callback that cancels its own id and schedules it again loses the new schedule, whose timer
    // later fires, finds no schedule and logs a warning.
    entries.delete(scheduleId);
  }

  /** Arms the timer for the next cron time; robfig/cron computes it before running the job. */
  function armRecurring(entry: ScheduleEntry): void {
    entry.nextRun = entry.cron?.next(ctx.clock.now());
    entry.timerId = entry.nextRun === undefined ? undefined : ctx.clock.schedule(entry.nextRun - ctx.clock.now(), () => fireRecurring(entry));
  }

  function fireRecurring(entry: ScheduleEntry): void {
    armRecurring(entry);
    invokeCallback(entry.scheduleId);
  }

  function claimId(request: Readonly<Record<string, unknown>>): string {
    const scheduleId = readString(request, "scheduleId") || newRandomId();
    if (entries.has(scheduleId)) throw new ServiceError(`schedule ID "${scheduleId}" already exists`);
    return scheduleId;
  }

  return {
    jobs() {
      return [...entries.values()].map((entry) => ({
        scheduleId: entry.scheduleId,
        payload: entry.payload,
        recurring: entry.recurring,
        ...(entry.cronExpression === undefined ? {} : { cronExpression: entry.cronExpression }),
        ...(entry.nextRun === undefined ? {} : { nextRun: entry.nextRun }),
      }));
    },

    firings: () => firings,

    functions: {
      scheduler_scheduleonetime(request) {
        const delaySeconds = readInt(request, "delaySeconds", "int32");
        const payload = readString(request, "payload");
        const scheduleId = claimId(request);

        // A zero or negative delay fires at the next clock step, as Go's time.AfterFunc fires at once.
        const delayMs = Math.max(0, delaySeconds * 1000);
        const entry: ScheduleEntry = { scheduleId, payload, recurring: false, timerId: undefined, nextRun: ctx.clock.now() + delayMs };
        entry.timerId = ctx.clock.schedule(delayMs, () => fireOneTime(scheduleId));
        entries.set(scheduleId, entry);
        return omitEmpty({ newScheduleId: scheduleId });
      },

      scheduler_schedulerecurring(request) {
        const cronExpression = readString(request, "cronExpression");
        const payload = readString(request, "payload");
        const scheduleId = claimId(request);

        let cron: CronSchedule;
        try {
          cron = parseCron(cronExpression);
        } catch (error) {
          if (!(error instanceof CronSyntaxError)) throw error;
          throw new ServiceError(`failed to schedule task: invalid cron expression "${cronExpression}": ${error.message}`);
        }

        const entry: ScheduleEntry = { scheduleId, payload, recurring: true, cronExpression, cron, timerId: undefined, nextRun: undefined };
        armRecurring(entry);
        entries.set(scheduleId, entry);
        return omitEmpty({ newScheduleId: scheduleId });
      },

      scheduler_cancelschedule(request) {
        const scheduleId = readString(request, "scheduleId");
        const entry = entries.get(scheduleId);
        if (entry === undefined) throw new ServiceError(`schedule ID "${scheduleId}" not found`);
        entries.delete(scheduleId);
        if (entry.timerId !== undefined) ctx.clock.cancel(entry.timerId);
        return {};
      },
    },
  };
}
