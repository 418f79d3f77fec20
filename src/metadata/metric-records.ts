/**
 * What a running job reports about itself every second (its metrics) and records once at
 * submission (its plan), as stored in flink.db for `flink web` and the live status line. The
 * names are Flink's metric names; ids are Flink-style 32-hex vertex and operator ids.
 */
import type { HistogramSummary } from '../util/histogram-summary.js';

/** The job's chained graph as Flink's REST API shows it (`plan` of `GET /jobs/:jobid`). */
export interface JobPlan {
  readonly jid: string;
  readonly name: string;
  readonly type: 'STREAMING';
  /** One node per job vertex (chain), in topological order. */
  readonly nodes: readonly JobPlanNode[];
}

/** A job vertex: a chain of operators run by `parallelism` subtasks. */
export interface JobPlanNode {
  /** 32 hex characters, derived from the chain head's uid (stable across runs). */
  readonly id: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The chain's operator names as Flink names a vertex: "A -> B", branches as "A -> (B, C)". */
  readonly operator: string;
  readonly operator_strategy: string;
  readonly description: string;
  readonly optimizer_properties: Record<string, never>;
  /** The edges into this vertex; absent for a source. */
  readonly inputs?: readonly JobPlanInput[];
  /** flink-ts: the chained operators, head first (Flink's plan does not list them). */
  readonly operators: readonly JobPlanOperator[];
}

export interface JobPlanInput {
  readonly num: number;
  /** The producing vertex. */
  readonly id: string;
  /** `FORWARD`, `REBALANCE` or `HASH`, as Flink names its partitioners. */
  readonly ship_strategy: string;
  readonly exchange: 'pipelined_bounded';
}

export interface JobPlanOperator {
  /** 32 hex characters, derived from the operator's uid. */
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  /** Emits to nothing downstream (a sink, or an operator nobody reads). */
  readonly sink: boolean;
}

/** Long.MIN_VALUE: the watermark Flink reports before any has arrived. */
export const NO_WATERMARK = -9223372036854775808;

/** One operator subtask's metrics. Counts since the task was deployed (this attempt). */
export interface OperatorMetrics {
  readonly operatorId: string;
  readonly name: string;
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  /** ms; undefined until the operator has seen a watermark (Flink reports Long.MIN_VALUE). */
  readonly currentInputWatermark?: number;
  readonly sink: boolean;
  /** Metrics the operator's user functions registered, by identifier (`group.name`): counts, meter rates, gauge values, histogram statistics. */
  readonly user?: Readonly<Record<string, number | string | boolean | UserHistogram>>;
}

/** A user histogram's statistics at one read. */
export type UserHistogram = HistogramSummary;

/** One subtask of a job vertex. */
export interface TaskMetrics {
  readonly vertexId: string;
  readonly subtask: number;
  readonly attempt: number;
  /** The task reads a source (its records come from outside the job). */
  readonly source: boolean;
  readonly numRecordsIn: number;
  readonly numRecordsOut: number;
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  /** Its output channels are full right now. */
  readonly isBackPressured: boolean;
  /** Of the last interval, the ms per second it spent with full output channels (0..1000). */
  readonly backPressuredTimeMsPerSecond: number;
  readonly currentInputWatermark?: number;
  readonly operators: readonly OperatorMetrics[];
}

/** The job's own metrics (Flink's JobManager job scope). */
export interface JobScopeMetrics {
  /** ms the job has been RUNNING without interruption; 0 while it is not. */
  readonly uptime: number;
  readonly numRestarts: number;
  readonly totalNumberOfCheckpoints: number;
  readonly numberOfInProgressCheckpoints: number;
  readonly numberOfCompletedCheckpoints: number;
  readonly numberOfFailedCheckpoints: number;
  /** Of the latest completed checkpoint or savepoint; undefined before the first. */
  readonly lastCheckpointId?: number;
  readonly lastCheckpointDuration?: number;
  /** Bytes this checkpoint wrote (Flink's checkpointed size). */
  readonly lastCheckpointSize?: number;
  /** Bytes of all state it refers to (Flink's full size). */
  readonly lastCheckpointFullSize?: number;
  /** Where it was written (Flink's lastCheckpointExternalPath); undefined for one without a path. */
  readonly lastCheckpointExternalPath?: string;
}

/** Everything a job reports at one moment. */
export interface JobMetricsSnapshot {
  readonly time: number;
  readonly job: JobScopeMetrics;
  readonly tasks: readonly TaskMetrics[];
}

/** Per vertex, summed over its subtasks: one point of the dashboard's charts. */
export interface VertexSample {
  readonly numRecordsInPerSecond: number;
  readonly numRecordsOutPerSecond: number;
  /** The highest back-pressured time of its subtasks, ms per second. */
  readonly backPressuredTimeMsPerSecond: number;
  /** The lowest input watermark of its subtasks; undefined if any has none. */
  readonly currentInputWatermark?: number;
}

/** One point of a job's metric history. */
export interface MetricSample {
  readonly time: number;
  /** Records per second entering the job (emitted by its sources). */
  readonly recordsInPerSecond: number;
  /** Records per second leaving it (received by its sinks). */
  readonly recordsOutPerSecond: number;
  readonly vertices: Readonly<Record<string, VertexSample>>;
}

/** The history point of a snapshot: rates summed per vertex and for the whole job. */
export function sampleOf(snapshot: JobMetricsSnapshot): MetricSample {
  const vertices: Record<string, { in: number; out: number; bp: number; wm: number | undefined; missingWm: boolean }> = {};
  let recordsIn = 0;
  let recordsOut = 0;
  for (const t of snapshot.tasks) {
    const v = (vertices[t.vertexId] ??= { in: 0, out: 0, bp: 0, wm: undefined, missingWm: false });
    v.in += t.numRecordsInPerSecond;
    v.out += t.numRecordsOutPerSecond;
    v.bp = Math.max(v.bp, t.backPressuredTimeMsPerSecond);
    if (t.currentInputWatermark === undefined) v.missingWm = true;
    else v.wm = v.wm === undefined ? t.currentInputWatermark : Math.min(v.wm, t.currentInputWatermark);
    if (t.source) recordsIn += t.numRecordsOutPerSecond;
    for (const op of t.operators) if (op.sink) recordsOut += op.numRecordsInPerSecond;
  }
  const out: Record<string, VertexSample> = {};
  for (const [id, v] of Object.entries(vertices)) {
    out[id] = {
      numRecordsInPerSecond: v.in,
      numRecordsOutPerSecond: v.out,
      backPressuredTimeMsPerSecond: v.bp,
      ...(v.missingWm || v.wm === undefined ? {} : { currentInputWatermark: v.wm }),
    };
  }
  return { time: snapshot.time, recordsInPerSecond: recordsIn, recordsOutPerSecond: recordsOut, vertices: out };
}
