/**
 * The one source of processing time. Timers, rate limits, heartbeats and the checkpoint
 * coordinator read time through a Clock so tests can substitute a {@link ManualClock}.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Wall-clock time. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  private time: number;
  constructor(start = 0) {
    this.time = start;
  }
  now(): number {
    return this.time;
  }
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }
  /** Sets the clock to `ms`; time never runs backwards. */
  set(ms: number): void {
    if (ms < this.time) throw new Error(`ManualClock cannot go back from ${this.time} to ${ms}`);
    this.time = ms;
  }
}
