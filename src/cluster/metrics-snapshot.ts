import type { JobMetricsSnapshot, JobPlan, JobScopeMetrics, OperatorMetrics, TaskMetrics } from '../metadata/index.js';
import type { TaskMetricsReading } from '../runtime/index.js';

/** Task readings taken at one moment. */
export interface TimedReadings {
  readonly time: number;
  readonly readings: readonly TaskMetricsReading[];
}

const key = (r: TaskMetricsReading) => `${r.vertex}/${r.subtask}`;

/** Per second (to a tenth), from two counts `ms` apart; 0 if no time passed or the counter went back. */
function perSecond(now: number, before: number, ms: number): number {
  return ms > 0 && now >= before ? Math.round(((now - before) * 10_000) / ms) / 10 : 0;
}

/**
 * Builds the snapshot a job reports: counts as read, rates over the time since `base` (the
 * oldest readings of the rate window). A task whose attempt differs from its base reading (the
 * job restarted) counts from zero at `attemptStart`, as its counters do.
 */
export function buildSnapshot(input: {
  readonly current: TimedReadings;
  readonly base: TimedReadings | undefined;
  readonly attemptStart: number;
  readonly plan: JobPlan;
  readonly job: JobScopeMetrics;
}): JobMetricsSnapshot {
  const { current, base, plan } = input;
  const before = new Map(base?.readings.map((r) => [key(r), r]));
  const operatorIds = new Map(plan.nodes.flatMap((n) => n.operators.map((o) => [o.uid, o.id] as const)));
  const tasks = current.readings.map((r): TaskMetrics => {
    const b0 = before.get(key(r));
    const b = b0 && b0.attempt === r.attempt && base ? { reading: b0, time: base.time } : undefined;
    const since = b?.time ?? input.attemptStart;
    const ms = current.time - since;
    const ops = r.operators.map((op, i): OperatorMetrics => {
      const bop = b?.reading.operators[i];
      return {
        operatorId: operatorIds.get(op.uid) ?? '',
        name: op.name,
        numRecordsIn: op.numRecordsIn,
        numRecordsOut: op.numRecordsOut,
        numRecordsInPerSecond: perSecond(op.numRecordsIn, bop?.numRecordsIn ?? 0, ms),
        numRecordsOutPerSecond: perSecond(op.numRecordsOut, bop?.numRecordsOut ?? 0, ms),
        ...(r.currentInputWatermark === undefined ? {} : { currentInputWatermark: r.currentInputWatermark }),
        sink: op.sink,
        ...(op.user ? { user: op.user } : {}),
      };
    });
    const bpPerSecond = perSecond(r.backPressuredMs, b?.reading.backPressuredMs ?? 0, ms);
    return {
      vertexId: plan.nodes[r.vertex]?.id ?? '',
      subtask: r.subtask,
      attempt: r.attempt,
      source: r.source,
      numRecordsIn: r.numRecordsIn,
      numRecordsOut: r.numRecordsOut,
      numRecordsInPerSecond: perSecond(r.numRecordsIn, b?.reading.numRecordsIn ?? 0, ms),
      numRecordsOutPerSecond: perSecond(r.numRecordsOut, b?.reading.numRecordsOut ?? 0, ms),
      isBackPressured: r.isBackPressured,
      backPressuredTimeMsPerSecond: Math.min(1000, Math.round(bpPerSecond)),
      ...(r.currentInputWatermark === undefined ? {} : { currentInputWatermark: r.currentInputWatermark }),
      operators: ops,
    };
  });
  return { time: current.time, job: input.job, tasks };
}
