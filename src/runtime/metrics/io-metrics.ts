import { performance } from 'node:perf_hooks';
import type { OperatorMetricGroup, UserMetricValues } from './user-metrics.js';

/**
 * The counters of one operator subtask, as Flink's OperatorIOMetricGroup has them. Nothing is
 * counted here: `numRecordsIn`/`numRecordsOut` read, once a second, the counters the record
 * path keeps anyway (an operator's records taken in, a writer's flushed batches).
 */
export class OperatorIOMetrics {
  constructor(
    readonly uid: string,
    readonly name: string,
    /** Emits to nothing downstream. */
    readonly sink: boolean,
    private readonly recordsIn: () => number,
    private readonly recordsOut: () => number,
    /** The metrics the operator's user functions registered, if it has any. */
    readonly user?: OperatorMetricGroup,
  ) {}

  get numRecordsIn(): number {
    return this.recordsIn();
  }

  get numRecordsOut(): number {
    return this.recordsOut();
  }
}

/** What {@link TaskIOMetrics.read} returns: plain numbers at one moment. */
export interface TaskMetricsReading {
  /** The JobVertex this subtask belongs to. */
  readonly vertex: number;
  readonly subtask: number;
  readonly attempt: number;
  readonly source: boolean;
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  /** Total ms this task has spent with full output channels, up to now. */
  readonly backPressuredMs: number;
  readonly isBackPressured: boolean;
  readonly currentInputWatermark: number | undefined;
  readonly operators: readonly {
    readonly uid: string;
    readonly name: string;
    readonly sink: boolean;
    readonly numRecordsIn: number;
    readonly numRecordsOut: number;
    /** User-defined metrics by identifier; absent when the operator registered none. */
    readonly user?: UserMetricValues;
  }[];
}

/**
 * The counters of one subtask (Flink's TaskIOMetricGroup): records in and out, and how long its
 * output was full. Back pressure is timed at its transitions only, so a task that runs with
 * room in its channels never reads the clock for it.
 */
export class TaskIOMetrics {
  /** Records taken from the input channels (a source task: records its reader emitted). */
  numRecordsIn = 0;
  private backPressuredMs = 0;
  private backPressuredSince = -1;
  operators: readonly OperatorIOMetrics[] = [];

  constructor(
    readonly vertex: number,
    readonly subtask: number,
    readonly attempt: number,
    readonly source: boolean,
    /** Records its writers have sent downstream. */
    private readonly recordsOut: () => number,
    /** The task's current input watermark, undefined before the first. */
    private readonly watermark: () => number | undefined,
  ) {}

  /** The task found an output channel full (it cannot run). */
  backPressured(): void {
    if (this.backPressuredSince < 0) this.backPressuredSince = performance.now();
  }

  /** The task found room in every output channel. */
  notBackPressured(): void {
    if (this.backPressuredSince >= 0) {
      this.backPressuredMs += performance.now() - this.backPressuredSince;
      this.backPressuredSince = -1;
    }
  }

  read(): TaskMetricsReading {
    const now = performance.now();
    return {
      vertex: this.vertex,
      subtask: this.subtask,
      attempt: this.attempt,
      source: this.source,
      numRecordsIn: this.source ? (this.operators[0]?.numRecordsOut ?? 0) : this.numRecordsIn,
      numRecordsOut: this.recordsOut(),
      backPressuredMs: this.backPressuredMs + (this.backPressuredSince >= 0 ? now - this.backPressuredSince : 0),
      isBackPressured: this.backPressuredSince >= 0,
      currentInputWatermark: this.watermark(),
      operators: this.operators.map((op) => ({
        uid: op.uid,
        name: op.name,
        sink: op.sink,
        numRecordsIn: op.numRecordsIn,
        numRecordsOut: op.numRecordsOut,
        ...(op.user && !op.user.isEmpty ? { user: op.user.read(Date.now()) } : {}),
      })),
    };
  }
}
