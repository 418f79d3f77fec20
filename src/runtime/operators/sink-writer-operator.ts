import type { Sink, SinkWriter, SinkWriterRecordContext } from '../../graph/index.js';
import { type ListState, ListStateDescriptor } from '../../state/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import { StreamOperator } from './stream-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * `sinkTo(sink)`: one sink writer per subtask. The writer's asynchronous hooks (see
 * graph/sink.ts) are tracked here: pre-commits go with the checkpoint, commits in flight are
 * awaited before the writer closes, and any of them failing fails the job.
 */
export class SinkWriterOperator extends StreamOperator<unknown> {
  private writer: SinkWriter<unknown> | undefined;
  /** The writer's state (e.g. files waiting for their checkpoint to complete). */
  private writerState: ListState<unknown> | undefined;
  /** Pre-commits started by cuts, by checkpoint id, until the task takes them. */
  private readonly preCommits = new Map<number, Promise<unknown>>();
  /** Commits and end-of-input work in flight. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Work the end of input started, handed to the task once. */
  private ending: Promise<unknown> | undefined;
  /** The first failure of a commit or of end-of-input work; `close` throws it even if it came late. */
  private asyncFailure: unknown;
  /** Set when `close` begins: a checkpoint completing after that commits nothing here. */
  private closing = false;
  /** The writer's processing-time timers (see SinkProcessingTimeService), in no order. */
  private timers: { readonly time: number; readonly callback: (time: number) => void }[] = [];
  /** The earliest of `timers`' times, or Infinity. */
  private nextTimer = Infinity;
  /** What the writer sees of each record (Flink's SinkWriter.Context): one object, read live. */
  private readonly recordContext: SinkWriterRecordContext = {
    currentWatermark: () => this.currentWatermark,
    timestamp: () => {
      const ts = this.ctx.recordContext.timestamp;
      return ts === MIN_TIMESTAMP ? null : ts;
    },
  };

  constructor(
    ctx: OperatorContext,
    private readonly sink: Sink<unknown>,
  ) {
    super(ctx);
  }

  override async open(): Promise<void> {
    const { info, node } = this.ctx;
    try {
      this.writer = this.sink.createWriter({
        subtaskIndex: info.subtaskIndex,
        parallelism: info.parallelism,
        jobId: info.jobId,
        operatorUid: node.uid,
        attemptNumber: info.attemptNumber,
        ...(info.checkOwnership ? { checkOwnership: info.checkOwnership } : {}),
        ...(info.jobsStillWriting ? { jobsStillWriting: info.jobsStillWriting } : {}),
        ...(info.jobsAbandoned ? { jobsAbandoned: info.jobsAbandoned } : {}),
        checkpointing: info.checkpointing,
        processingTimeService: {
          // The task's clock reading for its current step: no clock read per record.
          getCurrentProcessingTime: () => this.ctx.recordContext.processingTime,
          registerProcessingTimer: (time, callback) => {
            this.timers.push({ time, callback });
            if (time < this.nextTimer) this.nextTimer = time;
          },
        },
      });
      // Union: on restore every subtask sees all of the writers' state (e.g. every pending file).
      this.writerState = this.ctx.operatorStateStore.getUnionListState(new ListStateDescriptor<unknown>('_sink'));
      if (this.ctx.operatorStateStore.isRestored) this.writer.restoreState?.([...this.writerState.get()]);
      await this.writer.open?.();
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  protected override prepareSnapshot(checkpointId: number): void {
    try {
      this.writerState!.update(this.writer!.snapshotState?.(checkpointId) ?? []);
      const preCommit = this.writer!.prepareCommit?.(checkpointId);
      if (preCommit) this.preCommits.set(checkpointId, this.named(preCommit));
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override snapshotPendingWork(checkpointId: number): Promise<unknown> | undefined {
    const work = this.preCommits.get(checkpointId);
    this.preCommits.delete(checkpointId);
    return work;
  }

  override notifyCheckpointComplete(checkpointId: number): Promise<unknown> | undefined {
    super.notifyCheckpointComplete(checkpointId);
    // Closing, the job has ended: its final checkpoint committed everything, or a restore will.
    if (this.closing) return undefined;
    try {
      const commit = this.writer?.notifyCheckpointComplete?.(checkpointId);
      return commit ? this.track(commit) : undefined;
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override nextTimerTime(): number {
    return this.nextTimer;
  }

  /** Fires the writer's timers due at `now`, earliest first, each with its own time (as Flink's). */
  override advanceProcessingTime(now: number): void {
    if (now < this.nextTimer) return;
    const due = this.timers.filter((t) => t.time <= now).sort((a, b) => a.time - b.time);
    this.timers = this.timers.filter((t) => t.time > now);
    this.nextTimer = this.timers.reduce((min, t) => Math.min(min, t.time), Infinity);
    try {
      for (const t of due) t.callback(t.time);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override dropPendingTimers(): void {
    this.timers = [];
    this.nextTimer = Infinity;
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.writer!.write(value, this.recordContext);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override pendingWork(): Promise<unknown> | undefined {
    const ending = this.ending;
    this.ending = undefined;
    let work: Promise<unknown> | undefined;
    try {
      work = this.writer?.pendingWork?.();
    } catch (err) {
      throw userError(this.name, err);
    }
    if (!work) return ending;
    return ending ? Promise.all([ending, this.named(work)]) : this.named(work);
  }

  override endInput(): void {
    try {
      this.writer?.endOfInput();
      const work = this.writer?.pendingWork?.();
      if (work) this.ending = this.track(work);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override async close(): Promise<void> {
    this.closing = true;
    // Commits in flight settle first: a job ends only once what it committed is committed.
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    try {
      await this.writer?.close();
    } catch (err) {
      throw userError(this.name, err);
    }
    if (this.asyncFailure !== undefined) throw this.asyncFailure;
  }

  /** Wraps a rejection as the operator's failure; the original stays handled (it may never be awaited). */
  private named(work: Promise<unknown>): Promise<unknown> {
    const p = work.catch((err: unknown) => Promise.reject(userError(this.name, err)));
    p.catch(() => undefined);
    return p;
  }

  private track(work: Promise<unknown>): Promise<unknown> {
    const p = this.named(work);
    this.inFlight.add(p);
    p.then(
      () => this.inFlight.delete(p),
      (err: unknown) => {
        this.asyncFailure ??= err;
        this.inFlight.delete(p);
      },
    );
    return p;
  }
}
