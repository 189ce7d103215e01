/** A timer registered on the fake clock. */
interface Timer {
  readonly id: number;
  readonly due: number;
  readonly run: () => void;
}

/**
 * The simulator's time. Nothing happens by itself: time moves only when a test calls `advance`, which
 * fires every timer that falls due, in order of due time, with `now()` set to that time.
 *
 * @example
 * ```ts
 * const clock = new FakeClock(Date.UTC(2026, 5, 1));
 * clock.schedule(1000, () => console.log("fired at", new Date(clock.now()).toISOString()));
 * clock.advance(1000); // fired at 2026-06-01T00:00:01.000Z
 * ```
 */
export class FakeClock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /**
   * Creates a clock that starts at `start`, 2026-01-01T00:00:00Z by default.
   *
   * @param start - Unix time in milliseconds to start at.
   */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  /** Returns the current Unix time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * Runs `run` once `delayMs` milliseconds from now have passed on this clock.
   *
   * @returns an id for {@link FakeClock.cancel}.
   */
  schedule(delayMs: number, run: () => void): number {
    const id = this.#nextId++;
    this.#timers.push({ id, due: this.#now + Math.max(0, delayMs), run });
    return id;
  }

  /** Cancels a timer; does nothing for an unknown or fired id. */
  cancel(id: number): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== id);
  }

  /** The number of timers still waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers one at a time. A timer may schedule further timers;
   * those fire too when they fall within the window.
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`FakeClock.advance: expected a duration of 0 or more milliseconds, received ${ms}`);
    const end = this.#now + ms;
    for (;;) {
      const next = this.#nextDue(end);
      if (next === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = Math.max(this.#now, next.due);
      next.run();
    }
    this.#now = end;
  }

  /** Fires every timer due now, without moving time. */
  runDue(): void {
    this.advance(0);
  }

  #nextDue(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.#timers) {
      if (timer.due > end) continue;
      if (next === undefined || timer.due < next.due || (timer.due === next.due && timer.id < next.id)) next = timer;
    }
    return next;
  }
}
