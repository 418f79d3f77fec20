import { FlinkError } from '../util/errors.js';

/**
 * A `flink stop --drain` in progress, in Flink's order: the input ends first (the maximum
 * watermark, the due timers, every operator finishes), then — once every task has finished —
 * the savepoint, taken as the run's final checkpoint. It so holds the drained state (event-time
 * windows fired) and its completion commits the drained output; taken before the drain, it held
 * the unfired windows, and a job resumed from it emitted them again. What the drain cannot fire
 * stays in it, as in Flink: processing-time timers not yet due with their windows, and the
 * sources' positions, so a job resumed from it reads on and fires them (see StreamTask.drained).
 */
export class DrainRequest<T> {
  /** Settles with the savepoint, or rejects if the run ended before it could be taken. */
  readonly result: Promise<T>;
  private settle!: { resolve: (v: T) => void; reject: (err: unknown) => void };
  private taken = false;

  constructor(private readonly savepoint: () => Promise<T>) {
    this.result = new Promise<T>((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Every task has finished: takes the savepoint (once); the run awaits it as its final checkpoint. */
  take(): Promise<T> {
    this.taken = true;
    const p = this.savepoint();
    p.then(this.settle.resolve, this.settle.reject);
    return p;
  }

  /** The run ended before every task finished: the stop fails with the run's failure, if any, else with one line saying so. */
  abandon(failure: unknown): void {
    if (!this.taken) this.settle.reject(failure ?? new FlinkError('job.notDrained', 'The job ended before it could be drained: no savepoint was taken.'));
  }
}

/**
 * Why a drain is refused before it ends anything: the run's tasks are still opening (a sink
 * connecting, state loading), or the run has ended. A drain then would end operators not yet
 * opened, and its savepoint wait for them; refused, as a savepoint then is (Flink takes none
 * until every task runs), the job goes on and the stop may be asked again.
 */
export function drainRefused(ended: boolean): FlinkError {
  return ended
    ? new FlinkError('job.notRunning', 'The job is not running any more.')
    : new FlinkError('job.notRunning', 'The job is not running yet: its tasks are still opening.');
}
