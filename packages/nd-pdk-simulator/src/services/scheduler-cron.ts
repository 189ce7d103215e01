/**
 * Cron expressions as Navidrome's scheduler reads them. Navidrome hands the expression to
 * robfig/cron v3 with its default parser, so the accepted forms are:
 *
 * - five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC) and day of
 *   week (0-6 or SUN-SAT, with 0 for Sunday). A field is a comma-separated list of `*`, `?`, a
 *   value, a range `a-b`, each optionally with a step `/n`. A value with a step (`5/15`) runs from
 *   the value to the field's maximum.
 * - the descriptors `@yearly` (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`),
 *   `@hourly` and `@every <Go duration>`, such as `@every 1h30m`.
 * - an optional `TZ=<IANA zone>` or `CRON_TZ=<IANA zone>` prefix. Without it the simulator
 *   evaluates the expression in UTC, where Navidrome would use the server's local time zone.
 *
 * As in cron, a day matches when either day field matches, as long as both fields are restricted.
 * When one of them starts with `*` (or `?`), both must match.
 */

/** A parsed cron expression. */
export interface CronSchedule {
  /**
   * Returns the first firing time strictly after `afterMs`, in Unix milliseconds, or undefined
   * when the expression matches no time within the next five years (such as `0 0 30 2 *`).
   */
  next(afterMs: number): number | undefined;
}

/** An expression that is not valid cron. Its message names the part that is wrong. */
export class CronSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronSyntaxError";
  }
}

interface FieldBounds {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

/** The values one field allows, and whether it was written with `*` or `?` (which changes day matching). */
interface FieldValues {
  readonly values: ReadonlySet<number>;
  readonly star: boolean;
}

const MONTH_NAMES = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const WEEKDAY_NAMES = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly FieldBounds[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", min: 0, max: 6, names: WEEKDAY_NAMES },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const EVERY_PREFIX = "@every ";
const MINUTE_MS = 60_000;
/** robfig/cron gives up looking for the next match after this many years. */
const SEARCH_YEARS = 5;

/**
 * Parses a cron expression as Navidrome's scheduler does.
 *
 * @throws {CronSyntaxError} when the expression is not valid.
 */
export function parseCron(expression: string): CronSchedule {
  if (expression === "") throw new CronSyntaxError("the expression is empty; use five fields such as \"0 * * * *\" or a descriptor such as \"@hourly\"");

  let spec = expression;
  let zone: TimeZone = UTC;
  if (spec.startsWith("TZ=") || spec.startsWith("CRON_TZ=")) {
    const space = spec.indexOf(" ");
    if (space === -1) throw new CronSyntaxError(`nothing follows the time zone prefix "${spec}"; add the schedule after a space`);
    zone = loadTimeZone(spec.slice(spec.indexOf("=") + 1, space));
    spec = spec.slice(space).trim();
  }

  if (spec.startsWith("@")) return parseDescriptor(spec, zone);

  const fields = spec.split(/\s+/).filter((field) => field !== "");
  if (fields.length !== FIELDS.length) {
    throw new CronSyntaxError(
      `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
    );
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map((bounds, index) => parseField(fields[index] ?? "", bounds));
  return new FieldSchedule(minutes!, hours!, daysOfMonth!, months!, daysOfWeek!, zone);
}

function parseDescriptor(spec: string, zone: TimeZone): CronSchedule {
  if (spec.startsWith(EVERY_PREFIX)) {
    const delayMs = parseEveryDuration(spec.slice(EVERY_PREFIX.length));
    // robfig/cron runs @every on whole seconds, counted from the second the schedule starts in.
    return { next: (afterMs) => Math.floor(afterMs / 1000) * 1000 + delayMs };
  }
  const fields = DESCRIPTORS[spec];
  if (fields === undefined) {
    throw new CronSyntaxError(
      `unrecognized descriptor ${spec}; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>`,
    );
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = fields.split(" ").map((field, index) => parseField(field, FIELDS[index]!));
  return new FieldSchedule(minutes!, hours!, daysOfMonth!, months!, daysOfWeek!, zone);
}

function parseField(text: string, bounds: FieldBounds): FieldValues {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    const range = parseRange(part, bounds);
    for (let value = range.start; value <= range.end; value += range.step) values.add(value);
    star ||= range.star;
  }
  return { values, star };
}

function parseRange(text: string, bounds: FieldBounds): { start: number; end: number; step: number; star: boolean } {
  const rangeAndStep = text.split("/");
  if (rangeAndStep.length > 2) throw new CronSyntaxError(`too many slashes in the ${bounds.name} field "${text}"; use at most one step such as */5`);
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-");

  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === "*" || lowAndHigh[0] === "?") {
    // robfig/cron ignores anything after "*-", so "*-5" means "*".
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    if (lowAndHigh.length > 2) throw new CronSyntaxError(`too many hyphens in the ${bounds.name} field "${text}"; write a range as a-b`);
    start = parseValue(lowAndHigh[0] ?? "", bounds);
    end = lowAndHigh.length === 2 ? parseValue(lowAndHigh[1] ?? "", bounds) : start;
  }

  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1] ?? "", bounds);
    // A single value with a step repeats up to the field's maximum.
    if (lowAndHigh.length === 1) end = bounds.max;
    if (step > 1) star = false;
  }

  if (start < bounds.min) throw new CronSyntaxError(`${bounds.name} ${start} in "${text}" is below the minimum of ${bounds.min}`);
  if (end > bounds.max) throw new CronSyntaxError(`${bounds.name} ${end} in "${text}" is above the maximum of ${bounds.max}`);
  if (start > end) throw new CronSyntaxError(`the ${bounds.name} range "${text}" starts after it ends; write the smaller value first`);
  if (step === 0) throw new CronSyntaxError(`the step in the ${bounds.name} field "${text}" must be a positive number`);
  return { start, end, step, star };
}

function parseValue(text: string, bounds: FieldBounds): number {
  const named = bounds.names?.[text.toLowerCase()];
  return named ?? parseNumber(text, bounds);
}

function parseNumber(text: string, bounds: FieldBounds): number {
  // Go's strconv.Atoi accepts an optional sign followed by decimal digits.
  if (!/^[+-]?\d+$/.test(text)) {
    const hint = bounds.names === undefined ? "" : ` or a name such as ${Object.keys(bounds.names)[0]?.toUpperCase()}`;
    throw new CronSyntaxError(`"${text}" in the ${bounds.name} field is not a number${hint}`);
  }
  const value = Number(text);
  if (value < 0) throw new CronSyntaxError(`negative number ${value} in the ${bounds.name} field is not allowed`);
  return value;
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3,
  "\u03bcs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Largest Go duration (int64 nanoseconds), in milliseconds. */
const MAX_DURATION_MS = 9_223_372_036_854.775;

/**
 * Parses the duration of `@every` as Go's time.ParseDuration does (`90s`, `1h30m`, `1.5h`) and
 * rounds it as robfig/cron does: down to whole seconds, and up to one second when shorter.
 */
function parseEveryDuration(text: string): number {
  const invalid = (reason: string): CronSyntaxError =>
    new CronSyntaxError(`invalid duration "${text}" after @every: ${reason}; use a Go duration such as 30s, 1h30m or 2h`);

  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 1000;
  if (rest === "") throw invalid("it is empty");

  let totalMs = 0;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest);
    const numberText = number?.[0] ?? "";
    if (numberText === "" || numberText === ".") throw invalid("expected a number");
    rest = rest.slice(numberText.length);

    const unit = /^[^\d.]+/.exec(rest)?.[0];
    if (unit === undefined) throw invalid("a number has no unit");
    const unitMs = DURATION_UNITS_MS[unit];
    if (unitMs === undefined) throw invalid(`unknown unit "${unit}"`);
    rest = rest.slice(unit.length);

    totalMs += Number(numberText.startsWith(".") ? `0${numberText}` : numberText) * unitMs;
    if (totalMs > MAX_DURATION_MS) throw invalid("it is longer than Go's maximum duration");
  }

  const wholeSecondsMs = Math.floor((sign * totalMs) / 1000) * 1000;
  return wholeSecondsMs < 1000 ? 1000 : wholeSecondsMs;
}

/** Converts between instants and wall-clock times of one time zone, both as Unix-style milliseconds. */
interface TimeZone {
  /** The wall-clock time at `instantMs`, written as if it were a UTC time. */
  toWall(instantMs: number): number;
}

const UTC: TimeZone = { toWall: (instantMs) => instantMs };

function loadTimeZone(name: string): TimeZone {
  // Go's time.LoadLocation reads "" and "UTC" as UTC; "Local" is the server's zone, which the simulator takes as UTC.
  if (name === "" || name === "UTC" || name === "Local") return UTC;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new CronSyntaxError(`unknown time zone "${name}"; use an IANA zone name such as Europe/Paris`);
  }
  return {
    toWall(instantMs) {
      const parts: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(instantMs))) parts[part.type] = Number(part.value);
      const wholeSecond = Math.floor(instantMs / 1000) * 1000;
      const wallSecond = Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
      return wallSecond + (instantMs - wholeSecond);
    },
  };
}

/** A five-field schedule, searched minute by minute in the zone's wall-clock time. */
class FieldSchedule implements CronSchedule {
  constructor(
    private readonly minutes: FieldValues,
    private readonly hours: FieldValues,
    private readonly daysOfMonth: FieldValues,
    private readonly months: FieldValues,
    private readonly daysOfWeek: FieldValues,
    private readonly zone: TimeZone,
  ) {}

  next(afterMs: number): number | undefined {
    const afterWall = this.zone.toWall(afterMs);
    const lastYear = new Date(afterWall).getUTCFullYear() + SEARCH_YEARS;
    let wall = Math.floor(afterWall / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
    for (;;) {
      const candidate = this.nextMatchingWallTime(wall, lastYear);
      if (candidate === undefined) return undefined;
      const instant = this.wallToInstant(candidate);
      // NOTE: a wall-clock time that a daylight-saving change skips does not fire that day, and one
      // that repeats fires once. robfig/cron handles both edges in its own way.
      if (instant !== undefined && instant > afterMs) return instant;
      wall = candidate + MINUTE_MS;
    }
  }

  /** Returns the first wall-clock minute at or after `startWall` that every field allows. */
  private nextMatchingWallTime(startWall: number, lastYear: number): number | undefined {
    let wall = startWall;
    for (;;) {
      const date = new Date(wall);
      const year = date.getUTCFullYear();
      const month = date.getUTCMonth();
      const day = date.getUTCDate();
      const hour = date.getUTCHours();
      if (year > lastYear) return undefined;

      if (!this.months.values.has(month + 1)) {
        wall = Date.UTC(year, month + 1, 1);
      } else if (!this.dayMatches(date)) {
        wall = Date.UTC(year, month, day + 1);
      } else if (!this.hours.values.has(hour)) {
        wall = Date.UTC(year, month, day, hour + 1);
      } else if (!this.minutes.values.has(date.getUTCMinutes())) {
        wall += MINUTE_MS;
      } else {
        return wall;
      }
    }
  }

  private dayMatches(date: Date): boolean {
    const dayOfMonthMatches = this.daysOfMonth.values.has(date.getUTCDate());
    const dayOfWeekMatches = this.daysOfWeek.values.has(date.getUTCDay());
    if (this.daysOfMonth.star || this.daysOfWeek.star) return dayOfMonthMatches && dayOfWeekMatches;
    return dayOfMonthMatches || dayOfWeekMatches;
  }

  /** Returns the instant that shows `wall` in the zone, or undefined when the zone skips that time. */
  private wallToInstant(wall: number): number | undefined {
    const firstGuess = wall - (this.zone.toWall(wall) - wall);
    const instant = wall - (this.zone.toWall(firstGuess) - firstGuess);
    return this.zone.toWall(instant) === wall ? instant : undefined;
  }
}
