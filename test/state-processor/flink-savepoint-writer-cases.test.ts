/**
 * The State Processor API's SavepointWriter against Flink's (flink-state-processing-api:
 * SavepointWriter, StateBootstrapTransformation, SavepointMetadataV2, KeyedStateBootstrapOperator,
 * SavepointWriterITCase, KeyedStateBootstrapOperatorTest): savepoints written in this process by a
 * bootstrap job, then restored into a real job (assignState + JobExecution, as `flink run -s`
 * does) at several parallelisms, or read back with SavepointReader.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { assignState, loadSnapshot, readSnapshotMetadata } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  type AggregateFunction,
  type AggregatingState,
  AggregatingStateDescriptor,
  AvroSerializer,
  type Collector,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type KeyedStateBootstrapContext,
  KeyedStateBootstrapFunction,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  OperatorTransformation,
  type ReducingState,
  ReducingStateDescriptor,
  SavepointWriter,
  StateTtlConfig,
  type StreamExecutionEnvironment,
  Time,
  type ValueState,
  ValueStateDescriptor,
  type OnTimerContext,
} from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { type Clock, ManualClock } from '../../src/util/clock.js';
import { FlinkError } from '../../src/util/errors.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'sp-writer-'));
  roots.push(r);
  return r;
}

/** Runs the bootstrap job `build` defines, in this process, at `parallelism`. */
async function bootstrap(build: (env: StreamExecutionEnvironment) => void, parallelism = 1, clock?: Clock): Promise<void> {
  await runJob(build, { parallelism, clock });
}

/** Restores `sp` into the job `build` defines at `parallelism` and runs it to the end; returns what it collected, sorted. */
async function restoreAndRun(sp: string, parallelism: number, build: (env: StreamExecutionEnvironment, out: (line: string) => void) => void, clock: Clock = new ManualClock(0)): Promise<string[]> {
  const lines: string[] = [];
  const jobGraph = compilePipeline(capturePipeline((env) => build(env, (l) => void lines.push(l))), { parallelism });
  const restore = assignState(loadSnapshot(sp), jobGraph, { allowNonRestoredState: false });
  const local = tempRoot();
  await new JobExecution({ jobId: 'restored', jobGraph, clock, restore, stateBackend: { type: 'hashmap', incremental: false, localDirectory: local } }).run();
  return lines.sort();
}

const SUM_AS_TEXT: AggregateFunction<number, number, string> = {
  createAccumulator: () => 0,
  add: (v, acc) => acc + v,
  getResult: (acc) => `sum=${acc}`,
  merge: (a, b) => a + b,
};

type Row = { k: number };

/** Writes every keyed state kind: 'v' value, 'l' list, 'm' map, 'r' reducing, 'a' aggregating. */
class WriteAllKinds extends KeyedStateBootstrapFunction<number, Row> {
  private v!: ValueState<number>;
  private l!: ListState<number>;
  private m!: MapState<string, number>;
  private r!: ReducingState<number>;
  private a!: AggregatingState<number, string>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.v = c.getState(new ValueStateDescriptor<number>('v'));
    this.l = c.getListState(new ListStateDescriptor<number>('l'));
    this.m = c.getMapState(new MapStateDescriptor<string, number>('m'));
    this.r = c.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
    this.a = c.getAggregatingState(new AggregatingStateDescriptor('a', SUM_AS_TEXT));
  }
  processElement({ k }: Row, ctx: KeyedStateBootstrapContext<number>): void {
    assert.equal(ctx.getCurrentKey(), k);
    this.v.update(k * 10);
    this.l.add(k);
    this.m.put(`x${k}`, k);
    this.r.add(k);
    this.a.add(k);
  }
}

/** Prints each key's states (then adds one more record's worth, as the job would go on). */
class ReadAllKinds extends KeyedProcessFunction<number, Row, string> {
  private v!: ValueState<number>;
  private l!: ListState<number>;
  private m!: MapState<string, number>;
  private r!: ReducingState<number>;
  private a!: AggregatingState<number, string>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.v = c.getState(new ValueStateDescriptor<number>('v'));
    this.l = c.getListState(new ListStateDescriptor<number>('l'));
    this.m = c.getMapState(new MapStateDescriptor<string, number>('m'));
    this.r = c.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
    this.a = c.getAggregatingState(new AggregatingStateDescriptor('a', SUM_AS_TEXT));
  }
  processElement({ k }: Row, _: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`${k} v=${this.v.value()} l=${JSON.stringify(this.l.get())} m=${JSON.stringify([...this.m.entries()])} r=${this.r.get()} a=${this.a.get()}`);
  }
}

const KEYS = Array.from({ length: 61 }, (_, k) => k);
const twice = KEYS.flatMap((k) => [{ k }, { k }]);
const expectedAllKinds = KEYS.map((k) => `${k} v=${k * 10} l=${JSON.stringify([k, k])} m=${JSON.stringify([[`x${k}`, k]])} r=${2 * k} a=sum=${2 * k}`).sort();

function readAllKindsJob(maxParallelism?: number) {
  return (env: StreamExecutionEnvironment, out: (l: string) => void) => {
    const op = env.fromData<Row>(KEYS.map((k) => ({ k }))).keyBy((r) => r.k).process(new ReadAllKinds()).uid('state');
    if (maxParallelism !== undefined) op.setMaxParallelism(maxParallelism);
    op.addSink(out);
  };
}

describe('every keyed state kind restores into a real job, each key in its key group', () => {
  for (const [writeP, maxP] of [[1, 128], [3, 128], [2, 7], [4, 256]] as const) {
    test(`written at parallelism ${writeP} into ${maxP} key groups, restored at 1..4`, async () => {
      const sp = join(tempRoot(), 'sp');
      await bootstrap((env) => {
        const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(twice)).keyBy((r) => r.k).transform(new WriteAllKinds());
        SavepointWriter.newSavepoint(env, maxP).withOperator('state', t).write(sp);
      }, writeP);
      const meta = readSnapshotMetadata(sp);
      assert.equal(meta.kind, 'SAVEPOINT');
      const op = meta.operators.find((o) => o.uid === 'state')!;
      assert.equal(op.maxParallelism, maxP);
      assert.equal(op.subtasks.length, writeP);
      for (const p of [1, 2, 3, 4]) {
        assert.deepEqual(await restoreAndRun(sp, p, readAllKindsJob(maxP === 128 ? undefined : maxP)), expectedAllKinds, `restored at ${p}`);
      }
    });
  }

  test('a bootstrap at a parallelism above the max parallelism runs at the max parallelism (StateBootstrapTransformation caps it)', async () => {
    const sp = join(tempRoot(), 'sp');
    await bootstrap((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(twice)).keyBy((r) => r.k).transform(new WriteAllKinds());
      SavepointWriter.newSavepoint(env, 2).withOperator('state', t).write(sp);
    }, 4);
    assert.equal(readSnapshotMetadata(sp).operators[0]!.subtasks.length, 2);
    assert.deepEqual(await restoreAndRun(sp, 2, readAllKindsJob(2)), expectedAllKinds);
  });
});
