import type { Source, SplitEnumerator, SplitEnumeratorContext } from '../../graph/index.js';
import type { Clock } from '../../util/clock.js';
import { userError } from '../operators/user-function.js';

/** What the coordinator sends a reader: splits, or the end of them. */
export type SourceEvent = { readonly kind: 'splits'; readonly splits: readonly unknown[] } | { readonly kind: 'noMoreSplits' };

/** Where the coordinator's events go: the reader of `subtask`, on this thread or a worker's. */
export type SourceEventDelivery = (subtask: number, event: SourceEvent) => void;

/** What a source coordinator is built from. */
export interface SourceCoordinatorOptions {
  /** The source's uid and name (its state is the uid's; errors name it). */
  readonly uid: string;
  readonly name: string;
  readonly source: Source<unknown, unknown>;
  readonly parallelism: number;
  readonly clock: Clock;
  /**
   * Set for a restored job: the enumerator's state in the snapshot, or `legacy` when the snapshot
   * holds none for the source (taken before it had an enumerator; `state` is then undefined).
   */
  readonly restored?: { readonly state: unknown; readonly legacy: boolean };
  readonly deliver: SourceEventDelivery;
  /** A throw in asynchronous enumerator code (a callAsync handler): the job fails with it. */
  readonly fail: (err: unknown) => void;
}

/**
 * Flink's SourceCoordinator for one source with an enumerator: it owns the enumerator on the
 * job's main thread, registers the readers when the run starts, hands their split requests to
 * it, sends its assignments to the readers, and takes its state at each checkpoint's trigger —
 * before the readers take theirs, so an assignment made after the enumerator's snapshot reaches
 * its reader after that reader's snapshot (the caller keeps that order: see
 * JobExecution.triggerCheckpoint and WorkerPoolExecution.triggerCheckpoint).
 */
export class SourceCoordinator {
  readonly uid: string;
  private readonly enumerator: SplitEnumerator<unknown, unknown>;
  private readonly readers = new Set<number>();
  /** Requests that came before the run started: handled at its start. */
  private early: number[] = [];
  private started = false;
  private closed = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: SourceCoordinatorOptions) {
    this.uid = options.uid;
    const { source } = options;
    const ctx = this.context();
    this.enumerator = this.call(() => {
      if (options.restored === undefined) return source.createEnumerator!(ctx);
      if (source.restoreEnumerator === undefined) throw new Error('the source has createEnumerator but no restoreEnumerator: it cannot be restored');
      return source.restoreEnumerator(ctx, options.restored.state, options.restored.legacy);
    });
  }

  /** The run starts: every reader is registered, then the enumerator starts and hears the requests that came early. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    for (let i = 0; i < this.options.parallelism; i++) {
      this.readers.add(i);
      this.call(() => this.enumerator.addReader(i));
    }
    this.call(() => this.enumerator.start());
    for (const subtask of this.early.splice(0)) this.handleSplitRequest(subtask);
  }

  /** The reader of `subtask` asks for a split. */
  handleSplitRequest(subtask: number): void {
    if (this.closed) return;
    if (!this.started) {
      this.early.push(subtask);
      return;
    }
    this.call(() => this.enumerator.handleSplitRequest(subtask, undefined));
  }

  /** The enumerator's state for checkpoint `checkpointId` (taken before any reader's). */
  snapshot(checkpointId: number): unknown {
    return this.call(() => this.enumerator.snapshotState(checkpointId));
  }

  notifyCheckpointComplete(checkpointId: number): void {
    if (this.closed) return;
    this.call(() => this.enumerator.notifyCheckpointComplete?.(checkpointId));
  }

  /** Checkpoint `checkpointId` was aborted: the enumerator hears it, as Flink's SourceCoordinator tells its enumerator. */
  notifyCheckpointAborted(checkpointId: number): void {
    if (this.closed) return;
    this.call(() => this.enumerator.notifyCheckpointAborted?.(checkpointId));
  }

  /** The run ended: periodic calls stop, nothing more is delivered. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.call(() => this.enumerator.close?.());
  }

  /** Runs enumerator code; a throw names the source. */
  private call<R>(fn: () => R): R {
    try {
      return fn();
    } catch (err) {
      throw userError(this.options.name, err);
    }
  }

  private context(): SplitEnumeratorContext<unknown> {
    const { options } = this;
    const checkReader = (subtask: number): void => {
      if (!Number.isInteger(subtask) || subtask < 0 || subtask >= options.parallelism) {
        throw new RangeError(`split enumerator of '${options.name}': no reader ${subtask} (the source has ${options.parallelism})`);
      }
    };
    const deliver = (subtask: number, event: SourceEvent): void => {
      checkReader(subtask);
      if (!this.closed) options.deliver(subtask, event);
    };
    return {
      parallelism: options.parallelism,
      clock: options.clock,
      registeredReaders: () => this.readers,
      assignSplit: (split, subtask) => deliver(subtask, { kind: 'splits', splits: [split] }),
      assignSplits: (assignment) => {
        for (const [subtask, splits] of assignment) if (splits.length > 0) deliver(subtask, { kind: 'splits', splits: [...splits] });
      },
      signalNoMoreSplits: (subtask) => deliver(subtask, { kind: 'noMoreSplits' }),
      callAsync: (callable, handler, initialDelayMs = 0, periodMs) => this.callAsync(callable, handler, initialDelayMs, periodMs),
    };
  }

  /** Flink's callAsync: `callable` after the delay (then every period), its result to `handler`; a handler's throw fails the job. */
  private callAsync<R>(callable: () => R | Promise<R>, handler: (result: R | undefined, error: unknown) => void, delayMs: number, periodMs: number | undefined): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void (async () => {
        let result: R | undefined;
        let error: unknown;
        try {
          result = await callable();
        } catch (err) {
          error = err ?? new Error('callAsync: the callable failed');
        }
        if (this.closed) return;
        try {
          this.call(() => handler(result, error));
        } catch (err) {
          this.options.fail(err);
          return;
        }
        if (periodMs !== undefined) this.callAsync(callable, handler, periodMs, periodMs);
      })();
    }, Math.max(0, delayMs));
    timer.unref();
    this.timers.add(timer);
  }
}
