import { unrecoverableCause } from './failure-classification.js';
import type { RestartStrategy } from './restart-strategy.js';

/** What a restart delay does besides waiting. */
export interface RestartDelayHooks {
  readonly strategy: RestartStrategy;
  readonly now: () => number;
  /** The wait should end without restarting: the job was cancelled, or this process no longer owns it. */
  readonly ended: () => boolean;
  /** A failure that came during the wait of restart `attempt` counts as a new attempt, restarting after `delayMs`. */
  readonly newAttempt: (failure: Error, attempt: number, delayMs: number) => void;
  /** A failure that came during the wait joins the pending restart, due in `delayMs`. */
  readonly joined: (failure: Error, delayMs: number) => void;
}

/** How a restart wait ended in failure: the failure, and why the restart strategy gave up, if it did. */
export interface FailedWait {
  readonly failure: Error;
  /** The strategy's reason for not restarting (Flink's "Recovery is suppressed by …"); unset when no restart could fix the failure or the job ended. */
  readonly suppressedBy?: string;
}

/**
 * The wait between a failed run and the next (Flink's restart backoff). A failure from outside
 * the tasks that comes meanwhile goes to the restart strategy at once, as Flink's scheduler hands
 * it a failure while the job restarts: exponential-delay joins it to the pending restart (no new
 * attempt, same time); the others count it, and the restart then waits that failure's delay,
 * from when it came.
 */
export class RestartDelay {
  /** Ends the current wait: early and quietly (undefined), or with a failure. */
  private end: ((failure: Error | undefined) => void) | undefined;

  constructor(private readonly hooks: RestartDelayHooks) {}

  /** True while a wait is on: a failure from outside goes to {@link fail}. */
  get waiting(): boolean {
    return this.end !== undefined;
  }

  /**
   * Waits `delayMs` before restart `attempt`, and longer if failures that come meanwhile say so. Returns the failure the
   * strategy gave up on, with its reason (or one no restart can fix, or one that came as the job ended), if any.
   */
  async wait(delayMs: number, attempt: number): Promise<FailedWait | undefined> {
    const { hooks } = this;
    let wait = delayMs;
    for (;;) {
      const late = await this.sleep(wait);
      if (late === undefined) return undefined;
      if (hooks.ended() || unrecoverableCause(late)) return { failure: late };
      const decision = hooks.strategy.onFailure(hooks.now());
      if (!decision.restart) return { failure: late, suppressedBy: decision.reason };
      if (decision.newAttempt) hooks.newAttempt(late, attempt, decision.delayMs);
      else hooks.joined(late, decision.delayMs);
      wait = decision.delayMs;
    }
  }

  /** Ends the wait at once (cancel, fencing). */
  wake(): void {
    this.end?.(undefined);
  }

  /** A failure from outside the tasks during the wait. */
  fail(err: Error): void {
    this.end?.(err);
  }

  private sleep(ms: number): Promise<Error | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.end?.(undefined), ms);
      this.end = (late) => {
        clearTimeout(timer);
        this.end = undefined;
        resolve(late);
      };
    });
  }
}
