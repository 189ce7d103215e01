/** Timing and statistics helpers. Times are in nanoseconds unless a name says otherwise. */

/** Returns the median of `values`, the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Runs `run` `iterations` times and returns the mean time of one run. */
export function timeBatch(run: () => unknown, iterations: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) run();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Returns how many runs of `run` take about `targetMs`, at least 1. One first run is a warm-up and
 * also the estimate.
 */
export function calibrate(run: () => unknown, targetMs: number): number {
  run();
  const once = timeBatch(run, 1);
  return Math.max(1, Math.round((targetMs * 1e6) / Math.max(once, 1)));
}

/** The medians of two variants measured in alternating batches, and their ratio. */
export interface PairedTiming {
  /** Median time of one run of the first variant. */
  readonly subjectNs: number;
  /** Median time of one run of the baseline. */
  readonly baselineNs: number;
  /**
   * The median over batch pairs of subject time / baseline time. Each pair runs back to back, so a
   * slow phase of the machine inflates both sides of a pair rather than one median.
   */
  readonly ratio: number;
  /** How many batches each median is taken over. */
  readonly batches: number;
  /** Runs per batch. */
  readonly iterations: number;
}

/**
 * Times `subject` against `baseline` in alternating batches, so that drift of the machine (frequency
 * scaling, other processes, garbage collection) falls on both alike. The order inside each pair
 * alternates too, so neither variant always runs first.
 */
export function comparePaired(subject: () => unknown, baseline: () => unknown, options: { batches: number; batchMs: number }): PairedTiming {
  const iterations = Math.min(calibrate(subject, options.batchMs), calibrate(baseline, options.batchMs));
  const subjectTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let batch = 0; batch < options.batches; batch++) {
    if (batch % 2 === 0) {
      subjectTimes.push(timeBatch(subject, iterations));
      baselineTimes.push(timeBatch(baseline, iterations));
    } else {
      baselineTimes.push(timeBatch(baseline, iterations));
      subjectTimes.push(timeBatch(subject, iterations));
    }
  }
  return summarizePairs(subjectTimes, baselineTimes, iterations);
}

function summarizePairs(subjectTimes: readonly number[], baselineTimes: readonly number[], iterations: number): PairedTiming {
  const ratios = subjectTimes.map((time, batch) => time / (baselineTimes[batch] as number));
  return { subjectNs: median(subjectTimes), baselineNs: median(baselineTimes), ratio: median(ratios), batches: subjectTimes.length, iterations };
}

/** Returns the mean time of one run, as {@link timeBatch} does, awaiting each run before the next starts. */
export async function timeBatchAsync(run: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await run();
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Returns how many runs of `run` take about `targetMs`, as {@link calibrate} does, for a run that returns a promise. */
export async function calibrateAsync(run: () => Promise<unknown>, targetMs: number): Promise<number> {
  await run();
  const once = await timeBatchAsync(run, 1);
  return Math.max(1, Math.round((targetMs * 1e6) / Math.max(once, 1)));
}

/**
 * Times `subject` against `baseline` as {@link comparePaired} does, for runs that return promises,
 * such as calls into @extism/extism, whose API is asynchronous. Both variants are awaited alike, so
 * the cost of the await falls on both sides.
 */
export async function comparePairedAsync(
  subject: () => Promise<unknown>,
  baseline: () => Promise<unknown>,
  options: { batches: number; batchMs: number },
): Promise<PairedTiming> {
  const iterations = Math.min(await calibrateAsync(subject, options.batchMs), await calibrateAsync(baseline, options.batchMs));
  const subjectTimes: number[] = [];
  const baselineTimes: number[] = [];
  for (let batch = 0; batch < options.batches; batch++) {
    if (batch % 2 === 0) {
      subjectTimes.push(await timeBatchAsync(subject, iterations));
      baselineTimes.push(await timeBatchAsync(baseline, iterations));
    } else {
      baselineTimes.push(await timeBatchAsync(baseline, iterations));
      subjectTimes.push(await timeBatchAsync(subject, iterations));
    }
  }
  return summarizePairs(subjectTimes, baselineTimes, iterations);
}
