/**
 * `isRestored()` for an operator that wrote no state, on real snapshots written and restored in
 * this process. Flink's task reports an empty state for each of its operators when any of them has
 * state (and nothing when none has: StreamTaskTest's "empty subtask state leads to stateless
 * acknowledgement"), and restores every operator it recorded (RestoreStreamTaskTest's
 * testRestoreWithoutState): so a stateless operator chained with a stateful one is restored — on
 * every subtask, at any parallelism, wherever the new job chains it — while one whose whole
 * chain had no state is not, nor is a new uid. A recorded stateless operator the new job lacks
 * blocks nothing (Flink skips "empty savepoint state"); snapshots of earlier versions, which do
 * not record stateless operators, still restore, and say false for them.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { DataStream } from '../../src/api/index.js';
import { assignState, decodeMetadata, encodeMetadata, loadSnapshot, SnapshotRestoreError } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  KeyedProcessFunction,
  type KeyedProcessContext,
  RichMapFunction,
  type StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import { capturePipeline } from '../helpers/run-job.js';
import { tempRoot } from '../helpers/temp-root.js';
import { restoreAndRun } from '../state-processor/restore-and-run.js';
import { GatedSource, snapshotOf } from '../state-processor/snapshot-of.js';

const VALUES = [1, 2, 3, 4, 5, 6, 7, 8];
/** What each operator subtask's `initializeState` saw, as `uid/subtask=isRestored`. */
const seen: string[] = [];

/** A stateless map that says what `isRestored()` answered (it registers no state, so it writes none). */
class Watch extends RichMapFunction<number, number> implements CheckpointedFunction {
  constructor(private readonly uid: string) {
    super();
  }
  initializeState(ctx: FunctionInitializationContext): void {
    seen.push(`${this.uid}/${this.getRuntimeContext().getIndexOfThisSubtask()}=${ctx.isRestored()}`);
  }
  snapshotState(): void {}
  map(v: number): number {
    return v;
  }
}

/** Keyed state: the chain it heads has state. */
class Count extends KeyedProcessFunction<number, number, number> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0));
  }
  processElement(v: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
    this.n.update((this.n.value() ?? 0) + 1);
    out.collect(v);
  }
}

const watch = (input: DataStream<number>, uid: string, parallelism: number) => input.map(new Watch(uid)).uid(uid).setParallelism(parallelism);
const count = (input: DataStream<number>, parallelism: number) => input.keyBy((v) => v % 4).process(new Count()).uid('count').setParallelism(parallelism);

/**
 * The old job: 'after-source' chained to the source (its splits are state), 'after-count' chained
 * to the keyed 'count' (parallelism 2), and 'lonely' with its sink a chain of no state at all.
 */
function oldJob(_env: StreamExecutionEnvironment, input: DataStream<number>): void {
  const counted = count(watch(input, 'after-source', 1), 2);
  watch(watch(counted, 'after-count', 2).rebalance(), 'lonely', 2).addSink(() => {}).setParallelism(2);
}

// One savepoint of the old job for all tests (written once: the suite is near its time budget),
// copied out of the directory that snapshotOf removes after the hook that wrote it.
const written = join(tempRoot('is-restored-sp-'), 'savepoint');
before(async () => cpSync(await snapshotOf(VALUES, oldJob), written, { recursive: true }));
const savepoint = (): string => written;

/** The source of the new jobs: the old one's uid, finished (its restored position is the end). */
function source(env: StreamExecutionEnvironment): DataStream<number> {
  return env.fromSource(new GatedSource(VALUES, { emitted: 0, limit: VALUES.length, released: true }), WatermarkStrategy.noWatermarks<number>(), 'gated').uid('gated');
}

/** Restores `dir` into the job `build` makes (as `flink run -s`, without -n) and runs it; returns what `initializeState` saw, sorted. */
async function restoreInto(dir: string, build: (env: StreamExecutionEnvironment) => void): Promise<string[]> {
  seen.length = 0;
  await restoreAndRun(dir, 1, (env) => build(env));
  return [...seen].sort();
}

const subtasks = (uid: string, n: number, restored: boolean) => Array.from({ length: n }, (_, i) => `${uid}/${i}=${restored}`);

test('the snapshot records a stateless operator of a chain with state, without state files, and not one of a chain without state', async () => {
  const { metadata } = loadSnapshot(savepoint());
  const listed = new Map(metadata.operators.map((o) => [o.uid, o.subtasks.length]));
  assert.equal(listed.get('after-source'), 0);
  assert.equal(listed.get('after-count'), 0);
  assert.equal(listed.get('count'), 2);
  assert.equal(listed.has('lonely'), false, "a wholly stateless chain is not recorded (Flink's task acknowledges null)");
});

test('restored at parallelism 3 as it was chained: true on every subtask of a recorded stateless operator, false for a new uid beside it and for the stateless chain', async () => {
  const lines = await restoreInto(savepoint(), (env) => {
    const counted = count(watch(watch(source(env), 'after-source', 1), 'fresh', 1), 3);
    watch(watch(counted, 'after-count', 3).rebalance(), 'lonely', 3).addSink(() => {}).setParallelism(3);
  });
  assert.deepEqual(lines, [...subtasks('after-count', 3, true), 'after-source/0=true', 'fresh/0=false', ...subtasks('lonely', 3, false)].sort());
});

test('chained otherwise: a recorded operator is restored in whatever chain it now runs, one never recorded is not', async () => {
  // 'after-count' now heads a chain behind a rebalance, 'after-source' runs in the keyed chain,
  // and 'lonely' (never recorded) shares a chain with the restored 'after-count'.
  const lines = await restoreInto(savepoint(), (env) => {
    const moved = watch(watch(source(env).rebalance(), 'after-count', 3), 'lonely', 3);
    watch(count(moved, 3), 'after-source', 3).addSink(() => {}).setParallelism(3);
  });
  assert.deepEqual(lines, [...subtasks('after-count', 3, true), ...subtasks('after-source', 3, true), ...subtasks('lonely', 3, false)].sort());
});

test('a recorded stateless operator the new job lacks does not block the restore (no -n needed); a stateful one still does', async () => {
  const dir = savepoint();
  const lines = await restoreInto(dir, (env) => void count(source(env), 2).addSink(() => {}).setParallelism(2));
  assert.deepEqual(lines, []);
  const withoutCount = compilePipeline(
    capturePipeline((env) => void watch(source(env), 'after-source', 1).addSink(() => {})),
    { parallelism: 1 },
  );
  assert.throws(
    () => assignState(loadSnapshot(dir), withoutCount, { allowNonRestoredState: false }),
    (e: unknown) => e instanceof SnapshotRestoreError && e.code === 'snapshot.unmappedState' && e.message.includes("'count'"),
  );
});

test('a snapshot of an earlier version (stateless operators not recorded) restores; its stateless operators say false', async () => {
  const dir = savepoint();
  const earlier = tempRoot('earlier-');
  const metadata = decodeMetadata(readFileSync(join(dir, '_metadata')));
  const stateful = metadata.operators.filter((o) => o.subtasks.length > 0);
  // As an earlier version wrote it: only operators with state, the state files as they are.
  writeFileSync(join(earlier, '_metadata'), encodeMetadata({ ...metadata, operators: stateful }));
  for (const h of stateful.flatMap((o) => o.subtasks)) writeFileSync(join(earlier, h.file), readFileSync(join(dir, h.file)));
  const lines = await restoreInto(earlier, (env) => {
    watch(watch(count(watch(source(env), 'after-source', 1), 2), 'after-count', 2), 'probe', 2).addSink(() => {}).setParallelism(2);
  });
  assert.deepEqual(lines, [...subtasks('after-count', 2, false), 'after-source/0=false', ...subtasks('probe', 2, false)].sort());
});
