/**
 * Snapshots written in this process by a real job, and jobs reading them, for the State
 * Processor API's tests: a gated source (its records, then it waits), a checkpoint coordinator,
 * a savepoint (or checkpoints) once the source emitted its records — so the snapshot holds their
 * effects and nothing after — then a reading job at a chosen parallelism.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { DataStream } from '../../src/api/index.js';
import { CheckpointCoordinator, CompletedCheckpointStore, FsCheckpointStorage, realSchedule } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { SnapshotRestoreError } from '../../src/checkpoint/snapshot-loader.js';
import { SavepointReader, type Source, type SourceReader, type StreamExecutionEnvironment, Watermark, WatermarkStrategy } from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { type Clock, ManualClock } from '../../src/util/clock.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';

/** A fresh directory, removed after the test that asked for it. */
export const tempRoot = (): string => tempRootIn('sp-reader-');

/** Emits its values (one split, parallelism 1) up to `gate.limit`, then waits at the end until `released`. */
export class GatedSource<T> implements Source<T, number> {
  readonly maxSourceParallelism = 1;
  constructor(
    private readonly values: readonly T[],
    private readonly gate: { emitted: number; limit: number; released: boolean },
  ) {}
  getBoundedness() {
    return 'BOUNDED' as const;
  }
  createSplits(): number[] {
    return [0];
  }
  createReader(): SourceReader<T, number> {
    let next = 0;
    const { values, gate } = this;
    return {
      addSplits(s) {
        next = s[0] ?? 0;
      },
      pollNext(out, max) {
        const to = Math.min(values.length, gate.limit, next + max);
        for (; next < to; next++) {
          const v = values[next]!;
          const ts = typeof v === 'object' && v !== null && 'ts' in v ? (v as { ts: number }).ts : undefined;
          out.collect(v, ts);
        }
        gate.emitted = next;
        if (next < Math.min(values.length, gate.limit)) return 'MORE_AVAILABLE';
        return gate.released ? 'END_OF_INPUT' : 'NOTHING_AVAILABLE';
      },
      nextAvailableTime: () => 0,
      snapshotState: () => [next],
    };
  }
}

export interface WriteOptions {
  readonly backend?: 'hashmap' | 'lmdb';
  readonly incremental?: boolean;
  /** Checkpoints (kind CHECKPOINT) instead of a savepoint: one once each of these counts of records was emitted; the last one is returned. */
  readonly checkpointsAt?: readonly number[];
  readonly clock?: ManualClock;
}

/**
 * Runs the job `build` makes of the gated values and takes a savepoint (or checkpoints) once the
 * source emitted them all (the barrier follows them, so the snapshot holds their effects).
 * @returns the snapshot directory
 */
export async function snapshotOf<T>(values: readonly T[], build: (env: StreamExecutionEnvironment, input: DataStream<T>) => void, options: WriteOptions = {}): Promise<string> {
  const root = tempRoot();
  const jobId = 'aa4f0e1d2c3b4a5968778695a4b3c2d1';
  const clock = options.clock ?? new ManualClock(1000);
  const gate = { emitted: 0, limit: options.checkpointsAt?.[0] ?? values.length, released: false };
  const jobGraph = compilePipeline(
    capturePipeline((env) => build(env, env.fromSource(new GatedSource(values, gate), WatermarkStrategy.noWatermarks<T>(), 'gated').uid('gated'))),
    { parallelism: 1 },
  );
  const storage = new FsCheckpointStorage(join(root, 'checkpoints'), jobId);
  const store = new CompletedCheckpointStore(5, storage);
  let execution!: JobExecution;
  const coordinator = manualCoordinator(jobId, storage, store, clock, () => execution);
  execution = new JobExecution({
    jobId,
    jobGraph,
    clock,
    checkpointing: { storage, responder: coordinator },
    stateBackend: { type: options.backend ?? 'hashmap', incremental: options.incremental ?? false, localDirectory: join(root, 'local') },
    autoWatermarkIntervalMs: 0,
  });
  const until = async (cond: () => boolean) => {
    while (!cond()) await new Promise((r) => setTimeout(r, 2));
  };
  const run = execution.run();
  let path: string;
  if (options.checkpointsAt === undefined) {
    await until(() => gate.emitted >= values.length);
    path = (await coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: join(root, 'savepoints') })).path;
  } else {
    let last = '';
    for (const at of options.checkpointsAt) {
      gate.limit = at;
      await until(() => gate.emitted >= at);
      last = (await coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' })).path;
    }
    path = last;
  }
  await coordinator.shutdown();
  gate.limit = values.length;
  gate.released = true;
  await run;
  return path;
}

/** A coordinator of `execution()` that checkpoints only when asked (aligned, one at a time); a failure throws. */
export function manualCoordinator(jobId: string, storage: FsCheckpointStorage, store: CompletedCheckpointStore, clock: Clock, execution: () => JobExecution): CheckpointCoordinator {
  return new CheckpointCoordinator({
    jobId,
    jobName: 'sp-writer',
    settings: { interval: undefined, timeout: 60_000, minPause: 0, maxConcurrent: 1, tolerableFailures: 0, aligned: true },
    clock,
    schedule: realSchedule,
    storage,
    store,
    target: {
      get taskCount() {
        return execution().taskCount;
      },
      triggerCheckpoint: (...a) => execution().triggerCheckpoint(...a),
      notifyCheckpointComplete: (id) => execution().notifyCheckpointComplete(id),
      abortCheckpoint: (id) => execution().abortCheckpoint(id),
    },
    firstCheckpointId: 1,
    onTooManyFailures: (reason) => {
      throw new Error(reason);
    },
  });
}

/** Runs a job of `build` at `parallelism` on `clock`, gathering what reaches its sink. */
export async function readWith<T>(parallelism: number, build: (env: StreamExecutionEnvironment) => DataStream<T>, clock?: Clock): Promise<T[]> {
  const out: T[] = [];
  await runJob((env) => void build(env).addSink((v: T) => void out.push(v)), { parallelism, clock });
  return out;
}

/** The error a read job fails with (the reading job's own failure, unwrapped to its cause). */
export async function readFailure<T>(sp: string, build: (r: SavepointReader) => DataStream<T>): Promise<Error> {
  try {
    await readWith(2, (env) => build(SavepointReader.read(env, sp)));
  } catch (err) {
    let e = err as Error;
    while (e.cause instanceof Error && !(e instanceof SnapshotRestoreError)) e = e.cause;
    return e;
  }
  assert.fail('the read should fail');
}

/** Timestamps from a record's `ts`, and a watermark exactly where a record has `wm` (a punctuated generator): watermarks at chosen points. */
export function punctuatedWatermarks<T extends { readonly ts: number; readonly wm?: number }>(): WatermarkStrategy<T> {
  return WatermarkStrategy.forGenerator<T>(() => ({
    onEvent: (r, _ts, out) => {
      if (r.wm !== undefined) out.emitWatermark(new Watermark(r.wm));
    },
    onPeriodicEmit: () => {},
  })).withTimestampAssigner((r) => r.ts);
}
