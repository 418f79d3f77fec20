import type { SourceReader, StreamNode } from '../../graph/index.js';
import type { CheckpointBarrier } from '../channel-events.js';
import { encodeLists } from '../../state/index.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { TaskInfo } from '../runtime-context.js';
import type { Output } from '../output.js';
import type { RecordWriter } from '../record-writer.js';
import { StreamTask } from './stream-task.js';
import { userError } from '../operators/user-function.js';

/** Records a source reader emits per step: enough to amortise scheduling, small enough to interleave. */
export const SOURCE_BATCH = 1024;

/** The operator-state name under which a source's split positions are stored. */
export const SOURCE_SPLITS_STATE = '_splits';

/** A subtask whose chain starts with a source reader. */
export class SourceStreamTask extends StreamTask {
  private idleUntil = 0;
  /** Set while stopping with a savepoint: the source emits nothing more. */
  paused = false;
  private readonly sourceName: string;

  constructor(
    name: string,
    private readonly sourceNode: StreamNode,
    private readonly info: TaskInfo,
    readonly reader: SourceReader<unknown, unknown>,
    private readonly output: Output<unknown>,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, operators, writers);
    this.sourceName = sourceNode.name;
  }

  /** Starts checkpoint n at this source: its position is the cut; barrier n follows its records. */
  triggerCheckpoint(barrier: CheckpointBarrier): void {
    this.performCheckpoint(barrier, 0);
  }

  protected override snapshotSource(_barrier: CheckpointBarrier): OperatorSnapshot[] {
    let splits: unknown[];
    try {
      splits = this.finished ? [] : this.reader.snapshotState();
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    return [
      {
        uid: this.sourceNode.uid,
        name: this.sourceNode.name,
        subtask: this.info.subtaskIndex,
        parallelism: this.info.parallelism,
        maxParallelism: this.info.maxParallelism,
        lists: encodeLists(new Map([[SOURCE_SPLITS_STATE, { mode: 'split' as const, values: splits }]])),
        timers: [],
        keyed: undefined,
        empty: false,
      },
    ];
  }

  isRunnable(now: number): boolean {
    return !this.finished && !this.paused && now >= this.idleUntil && this.outputsHaveCapacity();
  }

  /** Ends this source's input now (stop with --drain): end-of-input flows downstream. */
  endInputNow(now: number): void {
    if (!this.finished) this.finishInput(now);
  }

  override nextWakeTime(): number {
    return Math.min(this.idleUntil, this.nextTimerTime());
  }

  step(now: number): void {
    let status;
    try {
      status = this.reader.pollNext(this.output, SOURCE_BATCH);
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    if (status === 'END_OF_INPUT') {
      this.finishInput(now);
      return;
    }
    if (status === 'NOTHING_AVAILABLE') {
      this.idleUntil = this.reader.nextAvailableTime?.() ?? now + 10;
    }
    this.flushWriters();
  }

  override async close(): Promise<unknown> {
    let first: unknown;
    try {
      this.reader.close?.();
    } catch (err) {
      first = userError(this.sourceName, err);
    }
    const rest = await super.close();
    return first ?? rest;
  }
}
