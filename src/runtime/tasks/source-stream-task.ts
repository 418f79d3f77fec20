import type { SourceReader, StreamNode } from '../../graph/index.js';
import type { CheckpointBarrier } from '../channel-events.js';
import { PendingOperatorLists, encodeLists } from '../../state/index.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { TaskInfo } from '../runtime-context.js';
import type { RecordContext } from '../record-context.js';
import type { RecordWriter } from '../record-writer.js';
import type { SourceWatermarks } from '../sources/source-watermarks.js';
import type { SourceAlignment } from '../watermarks/watermark-alignment.js';
import { StreamTask } from './stream-task.js';
import { userError } from '../operators/user-function.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { SourceEvent } from '../sources/source-coordinator.js';
import { SOURCE_ENUMERATOR_STATE } from '../sources/source-coordinators.js';

/** Records a source reader emits per step: enough to amortise scheduling, small enough to interleave. */
export const SOURCE_BATCH = 1024;

/** The operator-state name under which a source's split positions are stored. */
export const SOURCE_SPLITS_STATE = '_splits';

/**
 * A subtask whose chain starts with a source reader. Its watermarks come from the source's
 * watermark strategy, per split (see SourceWatermarks): periodic generators run every
 * `pipeline.auto-watermark-interval` of processing time, and the end of the input — or a
 * `stop --drain` — sends the maximum watermark before end-of-input, so every event-time timer
 * downstream fires.
 */
export class SourceStreamTask extends StreamTask {
  private idleUntil = 0;
  /** Set while stopping with a savepoint: the source emits nothing more. */
  paused = false;
  private readonly sourceName: string;
  /** When periodic watermark generators run next (Infinity: never). */
  private nextPeriodicEmit: number;
  /** Watermark alignment, when the source's strategy asks for it. */
  alignment: SourceAlignment | undefined;
  /** Set when the task closes: the reader is told nothing after its close. */
  private readerClosed = false;
  /**
   * What the source's coordinator sent and the reader has not been given yet (it gets them at
   * its next step, never inside its own poll): splits here are the reader's already, so a
   * snapshot counts them as its own.
   */
  private readonly sourceEvents: SourceEvent[] = [];
  /**
   * The enumerator's state for the checkpoint being triggered (subtask 0 of a source with an
   * enumerator stores it, see SOURCE_ENUMERATOR_STATE): set by the trigger just before this
   * task's snapshot.
   */
  enumeratorState: { readonly checkpointId: number; readonly state: unknown } | undefined;

  constructor(
    name: string,
    private readonly sourceNode: StreamNode,
    private readonly info: TaskInfo,
    readonly reader: SourceReader<unknown, unknown>,
    private readonly watermarks: SourceWatermarks,
    private readonly recordContext: RecordContext,
    /** `pipeline.auto-watermark-interval` in ms; 0 turns periodic emission off. */
    private readonly watermarkIntervalMs: number,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
    now: number,
  ) {
    super(name, operators, writers);
    this.sourceName = sourceNode.name;
    this.nextPeriodicEmit = watermarks.periodic && watermarkIntervalMs > 0 ? now + watermarkIntervalMs : Infinity;
  }

  /** The source's uid (its coordinator's, if it has one). */
  get sourceUid(): string {
    return this.sourceNode.uid;
  }

  get subtaskIndex(): number {
    return this.info.subtaskIndex;
  }

  /** Starts checkpoint n at this source: its position is the cut; barrier n follows its records. */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.performCheckpoint(barrier, 0);
  }

  /**
   * The source's coordinator sent the reader splits or the end of them; the reader gets them at
   * its next step, in order. Assignments that arrive after a checkpoint's trigger come after this
   * task's snapshot for it (the trigger snapshots at once), as Flink's event valve keeps them.
   */
  receiveSourceEvent(event: SourceEvent): void {
    // A drained source keeps what arrives (a request answered after the drain's end of input is
    // its split in the savepoint). A reader that ended takes nothing more: the end of splits is
    // moot, but splits would be lost, so the job fails, as Flink refuses an assignment to a
    // reader that is not registered.
    if (this.finished && !this.drained) {
      if (event.kind === 'noMoreSplits') return;
      throw userError(this.sourceName, new Error(`its split enumerator assigned ${event.splits.length} split(s) to subtask ${this.info.subtaskIndex}, whose reader has finished: they would be lost`));
    }
    this.sourceEvents.push(event);
    this.pollNow();
  }

  /** Hands the reader what its coordinator sent. */
  private deliverSourceEvents(): void {
    for (const event of this.sourceEvents.splice(0)) {
      if (event.kind === 'splits') this.reader.addSplits([...event.splits]);
      else this.reader.notifyNoMoreSplits?.();
    }
  }

  protected override snapshotSource(barrier: CheckpointBarrier): OperatorSnapshot[] {
    let splits: unknown[];
    try {
      // A source that read to its end has nothing left; one ended by a drain keeps its position,
      // as Flink's reader does, so a job resumed from the drained savepoint reads on from there.
      splits = this.finished && !this.drained ? [] : this.reader.snapshotState(barrier.checkpointId);
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    // Assigned but not yet handed to the reader: the reader's all the same.
    for (const e of this.sourceEvents) if (e.kind === 'splits') splits = [...splits, ...e.splits];
    const lists = new Map<string, { mode: 'split' | 'union'; values: unknown[] }>([[SOURCE_SPLITS_STATE, { mode: 'split', values: splits }]]);
    const enumerator = this.enumeratorState;
    if (enumerator !== undefined && enumerator.checkpointId === barrier.checkpointId) lists.set(SOURCE_ENUMERATOR_STATE, { mode: 'union', values: [enumerator.state] });
    return [
      {
        uid: this.sourceNode.uid,
        name: this.sourceNode.name,
        subtask: this.info.subtaskIndex,
        parallelism: this.info.parallelism,
        maxParallelism: this.info.maxParallelism,
        lists: PendingOperatorLists.of(encodeLists(lists)),
        keyed: undefined,
        empty: false,
      },
    ];
  }

  isRunnable(now: number): boolean {
    return !this.finished && !this.finishing && !this.paused && now >= this.idleUntil && !this.waitsForAlignment() && this.operatorsAcceptInput() && this.outputsHaveCapacity();
  }

  /** Its reader said records arrived (SourceReaderContext.notifyAvailable): poll it at the next sweep, not at the time it gave. */
  pollNow(): void {
    this.idleUntil = 0;
  }

  /** The source's watermark is further ahead of its group's than the drift allows: it reads nothing until told otherwise. */
  waitsForAlignment(): boolean {
    return this.alignment !== undefined && this.alignment.waits(this.watermarks.currentWatermark);
  }

  /** The group's lowest watermark was announced: the source may read up to it plus its drift. */
  announceAlignment(lowest: number): void {
    if (this.alignment === undefined) return;
    this.alignment.announce(lowest);
    this.alignment.sync(this.watermarks.currentWatermark);
  }

  /**
   * Ends this source's input now (stop with --drain): the maximum watermark, then end-of-input,
   * flow downstream, marked drained (see StreamTask.drained). A source that read to its end
   * before is left as it is: it has no position to keep.
   */
  endInputNow(now: number): void {
    if (this.finished || this.finishing) return;
    this.drained = true;
    this.endOfEventTime();
    this.finishInput(now);
  }

  override nextWakeTime(): number {
    return Math.min(this.idleUntil, this.nextTimerTime());
  }

  override nextTimerTime(): number {
    return Math.min(super.nextTimerTime(), this.paused ? Infinity : this.nextPeriodicEmit, this.alignment?.nextReportTime ?? Infinity);
  }

  override fireTimers(now: number): void {
    this.recordContext.processingTime = now;
    // A paused source (stopping with a savepoint) sends nothing after its barrier, watermarks included.
    if (now >= this.nextPeriodicEmit && !this.finished && !this.paused) {
      this.nextPeriodicEmit = now + this.watermarkIntervalMs;
      try {
        this.watermarks.emitPeriodic();
      } catch (err) {
        throw userError(this.sourceName, err);
      }
      // Its watermark may have moved past (or back within) what alignment allows.
      this.alignment?.sync(this.watermarks.currentWatermark);
    }
    if (!this.finished) this.alignment?.reportIfDue(now, this.watermarks.currentWatermark, this.watermarks.idle);
    super.fireTimers(now);
  }

  step(now: number): void {
    this.recordContext.processingTime = now;
    let status;
    try {
      if (this.sourceEvents.length > 0) this.deliverSourceEvents();
      status = this.reader.pollNext(this.watermarks.output, SOURCE_BATCH);
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    this.recordContext.timestamp = MIN_TIMESTAMP;
    // A watermark per record may have taken the source past what alignment allows.
    this.alignment?.sync(this.watermarks.currentWatermark);
    if (status === 'END_OF_INPUT') {
      this.endOfEventTime();
      this.finishInput(now);
      return;
    }
    if (status === 'NOTHING_AVAILABLE') {
      this.idleUntil = this.reader.nextAvailableTime?.() ?? now + 10;
    }
    this.flushWriters();
  }

  private endOfEventTime(): void {
    try {
      this.watermarks.endOfInput();
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    this.alignment?.finished();
  }

  /**
   * Checkpoint `checkpointId` is complete: the chain's operators commit, then the reader (e.g.
   * its offsets to a broker). A closed reader is not called.
   */
  override notifyCheckpointComplete(checkpointId: number): Promise<unknown> | undefined {
    let commits: Promise<unknown> | undefined;
    let failure: { err: unknown } | undefined;
    try {
      commits = super.notifyCheckpointComplete(checkpointId);
    } catch (err) {
      failure = { err };
    }
    // The reader is the chain's head: told last, also when an operator after it threw.
    let committed: Promise<unknown> | undefined;
    if (!this.readerClosed && this.reader.notifyCheckpointComplete !== undefined) {
      const refused = this.ownershipRefused(checkpointId);
      if (refused) failure ??= refused;
      else {
        try {
          const own = this.reader.notifyCheckpointComplete(checkpointId);
          if (own instanceof Promise) committed = own.catch((err: unknown) => Promise.reject(userError(this.sourceName, err)));
        } catch (err) {
          failure ??= { err: userError(this.sourceName, err) };
        }
      }
    }
    if (failure) {
      void committed?.catch(() => undefined);
      throw failure.err;
    }
    return commits && committed ? Promise.all([commits, committed]) : (commits ?? committed);
  }

  /**
   * The job's fence, asked before the reader commits its positions, as the sinks ask before
   * theirs: the job asked before it told its tasks, but the reader is told after the chain's
   * commits, and on a worker thread the word comes milliseconds later; a process frozen in
   * between must not commit on waking. The refusal, if any.
   */
  private ownershipRefused(checkpointId: number): { err: unknown } | undefined {
    try {
      this.info.checkOwnership?.(`commit checkpoint ${checkpointId} of source '${this.sourceUid}'`);
      return undefined;
    } catch (err) {
      return { err };
    }
  }

  override notifyCheckpointAborted(checkpointId: number): void {
    let failure: { err: unknown } | undefined;
    try {
      super.notifyCheckpointAborted(checkpointId);
    } catch (err) {
      failure = { err };
    }
    if (!this.readerClosed) {
      try {
        this.reader.notifyCheckpointAborted?.(checkpointId);
      } catch (err) {
        failure ??= { err: userError(this.sourceName, err) };
      }
    }
    if (failure) throw failure.err;
  }

  /** Closes the chain's operators, then the reader: the source is the chain's head, closed last as in Flink. */
  override async close(): Promise<unknown> {
    const first = await super.close();
    this.readerClosed = true;
    try {
      await this.reader.close?.();
    } catch (err) {
      return first ?? userError(this.sourceName, err);
    }
    return first;
  }
}
