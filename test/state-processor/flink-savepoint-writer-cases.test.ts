/**
 * The State Processor API's SavepointWriter against Flink's (flink-state-processing-api:
 * SavepointWriter, StateBootstrapTransformation, SavepointMetadataV2, KeyedStateBootstrapOperator,
 * SavepointWriterITCase, KeyedStateBootstrapOperatorTest): savepoints written in this process by a
 * bootstrap job, then restored into a real job (assignState + JobExecution, as `flink run -s`
 * does) at several parallelisms, or read back with SavepointReader.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encodeMetadata, inspectSnapshot, readSnapshotMetadata } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  AvroSerializer,
  type Collector,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type KeyedStateBootstrapContext,
  KeyedStateBootstrapFunction,
  type MapState,
  MapStateDescriptor,
  OperatorTransformation,
  RichMapFunction,
  SavepointWriter,
  StateTtlConfig,
  type StreamExecutionEnvironment,
  Time,
  type ValueState,
  ValueStateDescriptor,
  type OnTimerContext,
} from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { SavepointFilesSink } from '../../src/state-processor/savepoint-files-sink.js';
import type { BootstrappedSubtaskState } from '../../src/graph/index.js';
import { type Clock, ManualClock } from '../../src/util/clock.js';
import { FlinkError } from '../../src/util/errors.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';
import { restoreAndRun } from './restore-and-run.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { ACCOUNT_V1, ACCOUNT_V2, type AllKinds, registerAllKinds } from './state-kinds.js';

/** A fresh directory, removed after the test that asked for it. */
const tempRoot = (): string => tempRootIn('sp-writer-');

/** Runs the bootstrap job `build` defines, in this process, at `parallelism`. */
async function bootstrap(build: (env: StreamExecutionEnvironment) => void, parallelism = 1, clock?: Clock): Promise<void> {
  await runJob(build, { parallelism, clock });
}

type Row = { k: number };

/** Writes every keyed state kind: 'v' value, 'l' list, 'm' map, 'r' reducing, 'a' aggregating. */
class WriteAllKinds extends KeyedStateBootstrapFunction<number, Row> {
  private s!: AllKinds;
  override open(): void {
    this.s = registerAllKinds(this.getRuntimeContext());
  }
  processElement({ k }: Row, ctx: KeyedStateBootstrapContext<number>): void {
    assert.equal(ctx.getCurrentKey(), k);
    this.s.v.update(k * 10);
    this.s.l.add(k);
    this.s.m.put(`x${k}`, k);
    this.s.r.add(k);
    this.s.a.add(k);
  }
}

/** Prints each key's states (then adds one more record's worth, as the job would go on). */
class ReadAllKinds extends KeyedProcessFunction<number, Row, string> {
  private s!: AllKinds;
  override open(): void {
    this.s = registerAllKinds(this.getRuntimeContext());
  }
  processElement({ k }: Row, _: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`${k} v=${this.s.v.value()} l=${JSON.stringify(this.s.l.get())} m=${JSON.stringify([...this.s.m.entries()])} r=${this.s.r.get()} a=${this.s.a.get()}`);
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

  test("a transformation's own max parallelism (OneInputStateTransformation#setMaxParallelism) wins over the savepoint's", async () => {
    const sp = join(tempRoot(), 'sp');
    await bootstrap((env) => {
      const own = OperatorTransformation.bootstrapWith(env.fromData<Row>(twice)).setMaxParallelism(3).keyBy((r) => r.k).transform(new WriteAllKinds());
      const global = OperatorTransformation.bootstrapWith(env.fromData<Row>(twice)).keyBy((r) => r.k).transform(new WriteAllKinds());
      SavepointWriter.newSavepoint(env, 300).withOperator('state', own).withOperator('other', global).write(sp);
    }, 4);
    const ops = readSnapshotMetadata(sp).operators;
    assert.deepEqual(ops.map((o) => [o.uid, o.maxParallelism, o.subtasks.length]).sort(), [['other', 300, 4], ['state', 3, 3]]);
    const job = (env: StreamExecutionEnvironment, out: (l: string) => void) => {
      readAllKindsJob(3)(env, out);
      env.fromData<Row>([]).keyBy((r) => r.k).process(new ReadAllKinds()).uid('other').setMaxParallelism(300).addSink(out);
    };
    assert.deepEqual(await restoreAndRun(sp, 2, job), expectedAllKinds);
    assert.throws(() => OperatorTransformation.bootstrapWith(null as never).setMaxParallelism(0), /from 1 to 32768/);
  });

  test('a bootstrap job on the lmdb backend writes the same savepoint', async () => {
    const sp = join(tempRoot(), 'sp');
    const jobGraph = compilePipeline(
      capturePipeline((env) => {
        const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(twice)).keyBy((r) => r.k).transform(new WriteAllKinds());
        SavepointWriter.newSavepoint(env).withOperator('state', t).write(sp);
      }),
      { parallelism: 3 },
    );
    await new JobExecution({ jobId: 'lmdb', jobGraph, clock: new ManualClock(0), stateBackend: { type: 'lmdb', incremental: false, localDirectory: tempRoot() } }).run();
    for (const p of [1, 4]) assert.deepEqual(await restoreAndRun(sp, p, readAllKindsJob()), expectedAllKinds, `restored at ${p}`);
  });

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

const TTL = StateTtlConfig.newBuilder(Time.seconds(10)).build();

/** 'acc' in Avro (schema v1) and 'ttl' with a 10 s time-to-live. */
class WriteAvroAndTtl extends KeyedStateBootstrapFunction<number, Row> {
  private acc!: ValueState<{ id: number; total: number }>;
  private ttl!: ValueState<number>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.acc = c.getState(new ValueStateDescriptor<{ id: number; total: number }>('acc').setSerializer(AvroSerializer.of(ACCOUNT_V1)));
    this.ttl = c.getState(new ValueStateDescriptor<number>('ttl').enableTimeToLive(TTL));
  }
  processElement({ k }: Row): void {
    this.acc.update({ id: k, total: 100 + k });
    this.ttl.update(k);
  }
}

class ReadAvroAndTtl extends KeyedProcessFunction<number, Row, string> {
  private acc!: ValueState<{ id: number; total: number; note: string }>;
  private ttl!: ValueState<number>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.acc = c.getState(new ValueStateDescriptor<{ id: number; total: number; note: string }>('acc').setSerializer(AvroSerializer.of(ACCOUNT_V2)));
    this.ttl = c.getState(new ValueStateDescriptor<number>('ttl').enableTimeToLive(TTL));
  }
  processElement({ k }: Row, _: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`${k} acc=${JSON.stringify(this.acc.value())} ttl=${this.ttl.value()}`);
  }
}

describe('Avro and TTL state', () => {
  test("Avro state restores migrated to the job's schema; TTL state carries the bootstrap job's time (alive before it expires, gone after)", async () => {
    const sp = join(tempRoot(), 'sp');
    const keys = [0, 1, 2, 3];
    // The bootstrap job's clock is 1000 ms: its TTL state expires at 11_000.
    await bootstrap((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(keys.map((k) => ({ k })))).keyBy((r) => r.k).transform(new WriteAvroAndTtl());
      SavepointWriter.newSavepoint(env).withOperator('at', t).write(sp);
    }, 2, new ManualClock(1000));
    const job = (env: StreamExecutionEnvironment, out: (l: string) => void) =>
      void env.fromData<Row>(keys.map((k) => ({ k }))).keyBy((r) => r.k).process(new ReadAvroAndTtl()).uid('at').addSink(out);
    const acc = (k: number) => JSON.stringify({ id: k, total: 100 + k, note: 'none' });
    assert.deepEqual(await restoreAndRun(sp, 3, job, new ManualClock(10_999)), keys.map((k) => `${k} acc=${acc(k)} ttl=${k}`));
    assert.deepEqual(await restoreAndRun(sp, 1, job, new ManualClock(11_001)), keys.map((k) => `${k} acc=${acc(k)} ttl=undefined`));
  });
});

/** Map 'seen' with Avro user keys: `int` when written, `double` when read (migrated: other bytes). */
const seen = (keys: 'int' | 'double') => new MapStateDescriptor<number, string>('seen').setKeySerializer(AvroSerializer.of(keys));

class WriteAvroKeys extends KeyedStateBootstrapFunction<number, Row> {
  private m!: MapState<number, string>;
  override open(): void {
    this.m = this.getRuntimeContext().getMapState(seen('int'));
  }
  processElement({ k }: Row): void {
    this.m.put(k * 7, `v${k}`);
  }
}

class ReadAvroKeys extends KeyedProcessFunction<number, Row, string> {
  private m!: MapState<number, string>;
  override open(): void {
    this.m = this.getRuntimeContext().getMapState(seen('double'));
  }
  processElement({ k }: Row, _: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`${k} ${this.m.get(k * 7)}`);
  }
}

describe('keyed MapState user keys through a key serializer', () => {
  test('written by a bootstrap, named by flink info, restored at another parallelism with a migrated key schema', async () => {
    const sp = join(tempRoot(), 'sp');
    const keys = [0, 1, 2, 3, 4];
    await bootstrap((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(keys.map((k) => ({ k })))).keyBy((r) => r.k).transform(new WriteAvroKeys());
      SavepointWriter.newSavepoint(env).withOperator('mk', t).write(sp);
    }, 2);
    const op = inspectSnapshot(sp).operators.find((o) => o.uid === 'mk')!;
    assert.deepEqual(op.keyedStates['seen'], { kind: 'map', ttl: false, serializer: 'msgpack', keySerializer: 'avro', keys: keys.length });
    const job = (env: StreamExecutionEnvironment, out: (l: string) => void) =>
      void env.fromData<Row>(keys.map((k) => ({ k }))).keyBy((r) => r.k).process(new ReadAvroKeys()).uid('mk').addSink(out);
    assert.deepEqual(await restoreAndRun(sp, 3, job), keys.map((k) => `${k} v${k}`));
  });
});

type Pair = { a: number; b: string; o: { y: number; x: string } };

class WriteCount extends KeyedStateBootstrapFunction<unknown, Pair> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(): void {
    this.n.update((this.n.value() ?? 0) + 1);
  }
}

class PrintCount extends KeyedProcessFunction<unknown, Pair, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(_: Pair, ctx: KeyedProcessContext<unknown>, out: Collector<string>): void {
    out.collect(`${JSON.stringify(ctx.getCurrentKey())} n=${this.n.value()}`);
  }
}

describe('composite keys', () => {
  test('array and object keys written by a bootstrap are found by the job that keys its records the same way', async () => {
    const sp = join(tempRoot(), 'sp');
    const rows: Pair[] = [];
    for (let i = 0; i < 24; i++) rows.push({ a: i % 4, b: `s${i % 3}`, o: { y: i % 2, x: 'x' } });
    await bootstrap((env) => {
      const arr = OperatorTransformation.bootstrapWith(env.fromData<Pair>(rows)).keyBy((r): unknown => [r.a, r.b]).transform(new WriteCount());
      // The job's object keys have their fields in another order: the same key.
      const obj = OperatorTransformation.bootstrapWith(env.fromData<Pair>(rows)).keyBy((r): unknown => ({ y: r.o.y, x: r.o.x })).transform(new WriteCount());
      SavepointWriter.newSavepoint(env).withOperator('arr', arr).withOperator('obj', obj).write(sp);
    }, 3);
    const once: Pair[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) once.push({ a, b: `s${b}`, o: { y: (a + b) % 2, x: 'x' } });
    const lines = await restoreAndRun(sp, 2, (env, out) => {
      const input = env.fromData<Pair>(once);
      input.keyBy((r): unknown => [r.a, r.b]).process(new PrintCount()).uid('arr').addSink((l: string) => out(`arr ${l}`));
      input.filter((r) => r.a === 0).keyBy((r): unknown => ({ x: r.o.x, y: r.o.y })).process(new PrintCount()).uid('obj').addSink((l: string) => out(`obj ${l}`));
    });
    const want: string[] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 3; b++) want.push(`arr ${JSON.stringify([a, `s${b}`])} n=2`);
    for (let b = 0; b < 3; b++) want.push(`obj ${JSON.stringify({ x: 'x', y: b % 2 })} n=12`);
    assert.deepEqual(lines, want.sort());
  });
});

/** Registers an event-time timer at 500 + k and a processing-time timer at 2000 + k, and keeps 'n'. */
class WriteTimers extends KeyedStateBootstrapFunction<number, Row> {
  static fired = 0;
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement({ k }: Row, ctx: KeyedStateBootstrapContext<number>): void {
    this.n.update(k);
    ctx.timerService().registerEventTimeTimer(500 + k);
    ctx.timerService().registerProcessingTimeTimer(2000 + k);
  }
  // Never called: a bootstrap function has no onTimer; this proves nothing fires it by duck typing either.
  onTimer(): void {
    WriteTimers.fired++;
  }
}

class FireTimers extends KeyedProcessFunction<number, Row, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(): void {}
  override onTimer(timestamp: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()} ${timestamp} n=${this.n.value()}`);
  }
}

class MapN extends RichMapFunction<Row, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  map({ k }: Row): string {
    return `${k} n=${this.n.value()}`;
  }
}

describe('restored by an operator that is no process function (KeyedStateBootstrapOperatorTest#testNonTimerStatesRestorableByNonProcessesOperator)', () => {
  test('a keyed map reads the written value state', async () => {
    const sp = join(tempRoot(), 'sp');
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('m', writeN(env, [1, 2, 3], 0)).write(sp), 2);
    const lines = await restoreAndRun(sp, 3, (env, out) => void env.fromData<Row>(rowsOf([1, 2, 3])).keyBy((r) => r.k).map(new MapN()).uid('m').addSink(out));
    assert.deepEqual(lines, ['1 n=1', '2 n=2', '3 n=3']);
  });
});

describe('timers', () => {
  test('registered in the bootstrap, never fired there (not by the final watermark, nor by a clock past them); fired in the restored job', async () => {
    const sp = join(tempRoot(), 'sp');
    const keys = [0, 1, 2, 3, 4];
    WriteTimers.fired = 0;
    await bootstrap((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(keys.map((k) => ({ k })))).keyBy((r) => r.k).transform(new WriteTimers());
      SavepointWriter.newSavepoint(env).withOperator('timers', t).write(sp);
    }, 2, new ManualClock(100_000));
    assert.equal(WriteTimers.fired, 0);
    const lines = await restoreAndRun(sp, 3, (env, out) => void env.fromData<Row>([]).keyBy((r) => r.k).process(new FireTimers()).uid('timers').addSink(out), new ManualClock(100_000));
    const want = keys.flatMap((k) => [`${k} EVENT_TIME ${500 + k} n=${k}`, `${k} PROCESSING_TIME ${2000 + k} n=${k}`]).sort();
    assert.deepEqual(lines, want);
  });
});

/** Writes 'n' = the row's k plus `add`. */
class WriteN extends KeyedStateBootstrapFunction<number, Row> {
  private n!: ValueState<number>;
  constructor(private readonly add: number) {
    super();
  }
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement({ k }: Row): void {
    this.n.update(k + this.add);
  }
}

class PrintN extends KeyedProcessFunction<number, Row, string> {
  constructor(private readonly tag: string) {
    super();
  }
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement({ k }: Row, _: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`${this.tag} ${k} n=${this.n.value()}`);
  }
}

const rowsOf = (keys: readonly number[]) => keys.map((k) => ({ k }));
const writeN = (env: StreamExecutionEnvironment, keys: readonly number[], add: number) =>
  OperatorTransformation.bootstrapWith(env.fromData<Row>(rowsOf(keys))).keyBy((r) => r.k).transform(new WriteN(add));

/** A job with a PrintN per uid, every one at max parallelism `maxP`. */
function printJob(uids: readonly string[], keys: readonly number[], maxP: number) {
  return (env: StreamExecutionEnvironment, out: (l: string) => void) => {
    const input = env.fromData<Row>(rowsOf(keys));
    for (const uid of uids) input.keyBy((r) => r.k).process(new PrintN(uid)).uid(uid).setMaxParallelism(maxP).addSink(out);
  };
}

describe('fromExistingSavepoint', () => {
  const keys = [0, 1, 2, 3, 4, 5, 6];
  async function original(): Promise<string> {
    const sp = join(tempRoot(), 'original');
    await bootstrap((env) => void SavepointWriter.newSavepoint(env, 256).withOperator('a', writeN(env, keys, 100)).withOperator('b', writeN(env, keys, 200)).write(sp), 2);
    return sp;
  }

  test("keeps the operators not removed (their files copied byte for byte), replaces a removed one, adds new ones at the savepoint's max parallelism", async () => {
    const sp = await original();
    const next = join(tempRoot(), 'next');
    await bootstrap(
      (env) => void SavepointWriter.fromExistingSavepoint(env, sp).removeOperator('a').withOperator('a', writeN(env, keys, 300)).withOperator('c', writeN(env, keys, 400)).write(next),
      3,
    );
    const meta = readSnapshotMetadata(next);
    assert.deepEqual(meta.operators.map((o) => [o.uid, o.maxParallelism, o.subtasks.length]).sort(), [['a', 256, 3], ['b', 256, 2], ['c', 256, 3]]);
    for (const h of readSnapshotMetadata(sp).operators.find((o) => o.uid === 'b')!.subtasks) {
      assert.deepEqual(readFileSync(join(next, h.file)), readFileSync(join(sp, h.file)));
    }
    const lines = await restoreAndRun(next, 4, printJob(['a', 'b', 'c'], keys, 256));
    assert.deepEqual(lines, keys.flatMap((k) => [`a ${k} n=${k + 300}`, `b ${k} n=${k + 200}`, `c ${k} n=${k + 400}`]).sort());
    // The original is untouched and still restores.
    assert.deepEqual(await restoreAndRun(sp, 1, printJob(['a', 'b'], keys, 256)), keys.flatMap((k) => [`a ${k} n=${k + 100}`, `b ${k} n=${k + 200}`]).sort());
  });

  test("new operators get the savepoint's largest max parallelism, over all its operators (Flink's readSavepointMetadata)", async () => {
    // One savepoint of 'a' (64 key groups) and 'b' (256), as a job whose operators set different max parallelisms writes.
    const root = tempRoot();
    const [a, b, merged] = [join(root, 'a'), join(root, 'b'), join(root, 'merged')];
    await bootstrap((env) => void SavepointWriter.newSavepoint(env, 64).withOperator('a', writeN(env, keys, 100)).write(a));
    await bootstrap((env) => void SavepointWriter.newSavepoint(env, 256).withOperator('b', writeN(env, keys, 200)).write(b));
    mkdirSync(merged);
    const ma = readSnapshotMetadata(a);
    const mb = readSnapshotMetadata(b);
    for (const [dir, m] of [[a, ma], [b, mb]] as const) for (const h of m.operators[0]!.subtasks) copyFileSync(join(dir, h.file), join(merged, h.file));
    writeFileSync(join(merged, '_metadata'), encodeMetadata({ ...ma, operators: [...ma.operators, ...mb.operators] }));
    const next = join(root, 'next');
    await bootstrap((env) => void SavepointWriter.fromExistingSavepoint(env, merged).withOperator('c', writeN(env, keys, 400)).write(next));
    assert.deepEqual(readSnapshotMetadata(next).operators.map((o) => [o.uid, o.maxParallelism]).sort(), [['a', 64], ['b', 256], ['c', 256]]);
  });

  test('removeOperator also drops what withOperator was to write for that uid (Flink keeps one entry per uid)', async () => {
    const sp = await original();
    const next = join(tempRoot(), 'next');
    await bootstrap((env) => {
      const w = SavepointWriter.fromExistingSavepoint(env, sp).removeOperator('a').withOperator('a', writeN(env, keys, 1)).withOperator('c', writeN(env, keys, 2));
      w.removeOperator('a').removeOperator('c').write(next);
    });
    assert.deepEqual(readSnapshotMetadata(next).operators.map((o) => o.uid), ['b']);
  });

  test('the existing savepoint given as a file: URI or as its _metadata', async () => {
    const sp = await original();
    for (const [name, given] of [['uri', `file://${sp}`], ['metadata', join(sp, '_metadata')]] as const) {
      const next = join(tempRoot(), name);
      await bootstrap((env) => void SavepointWriter.fromExistingSavepoint(env, given).removeOperator('b').write(next));
      assert.deepEqual(await restoreAndRun(next, 2, printJob(['a'], [3], 256)), ['a 3 n=103'], name);
    }
  });

  test('an operator the savepoint has must be removed before it is replaced; the same uid twice is refused', async () => {
    const sp = await original();
    await bootstrap((env) => {
      const w = SavepointWriter.fromExistingSavepoint(env, sp);
      assert.throws(() => w.withOperator('a', writeN(env, keys, 1)), (e: FlinkError) => e.code === 'savepoint.operatorExists' && !e.message.includes('\n'));
      w.withOperator('new', writeN(env, keys, 1));
      assert.throws(() => w.withOperator('new', writeN(env, keys, 2)), /twice/);
      w.write(join(tempRoot(), 'x'));
    });
  });

  test('a kept state file that was damaged is not copied: the writing job fails with one line, and no _metadata is written', async () => {
    const sp = await original();
    const h = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'b')!.subtasks[0]!;
    const bytes = readFileSync(join(sp, h.file));
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(join(sp, h.file), bytes);
    const next = join(tempRoot(), 'next');
    await assert.rejects(
      bootstrap((env) => void SavepointWriter.fromExistingSavepoint(env, sp).removeOperator('a').write(next)),
      (e: Error) => /damaged/.test(e.message) && !e.message.includes('\n'),
    );
    assert.equal(existsSync(join(next, '_metadata')), false);
  });

  test('a kept state file that is missing: one line naming it, typed; no _metadata', async () => {
    const sp = await original();
    const h = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'b')!.subtasks[1]!;
    rmSync(join(sp, h.file));
    const next = join(tempRoot(), 'next');
    await assert.rejects(bootstrap((env) => void SavepointWriter.fromExistingSavepoint(env, sp).write(next)), (e: Error) => {
      assert.match(e.message, new RegExp(`Cannot copy state file ${h.file} of operator 'b' .*: it is missing\\.$`));
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    assert.equal(existsSync(join(next, '_metadata')), false);
  });
});

describe('edge cases', () => {
  test('a bootstrap with no records writes the operator with no state: the job restores and starts empty', async () => {
    const sp = join(tempRoot(), 'sp');
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [], 0)).write(sp), 2);
    const op = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'a')!;
    assert.equal(op.subtasks.length, 2);
    assert.deepEqual(await restoreAndRun(sp, 3, printJob(['a'], [1, 2], 128)), ['a 1 n=undefined', 'a 2 n=undefined']);
  });

  test('a savepoint with no operator at all is refused, as Flink\'s write ("Savepoint must contain at least one operator")', async () => {
    const root = tempRoot();
    await bootstrap((env) => {
      assert.throws(() => SavepointWriter.newSavepoint(env).write(join(root, 'empty')), (e: FlinkError) => e.code === 'savepoint.noOperators');
      env.fromData([1]).addSink(() => {});
    });
    assert.equal(existsSync(join(root, 'empty', '_metadata')), false);
    const sp = join(root, 'sp');
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1], 0)).write(sp));
    await bootstrap((env) => {
      assert.throws(() => SavepointWriter.fromExistingSavepoint(env, sp).removeOperator('a').write(join(root, 'none')), (e: FlinkError) => e.code === 'savepoint.noOperators');
      env.fromData([1]).addSink(() => {});
    });
  });

  test('two savepoints written by one job, with the same uid in each (Flink names no bootstrap uid: they do not clash)', async () => {
    const root = tempRoot();
    await bootstrap((env) => {
      SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1, 2], 10)).write(join(root, 'one'));
      SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1, 2], 20)).write(join(root, 'two'));
    }, 2);
    assert.deepEqual(await restoreAndRun(join(root, 'one'), 1, printJob(['a'], [1, 2], 128)), ['a 1 n=11', 'a 2 n=12']);
    assert.deepEqual(await restoreAndRun(join(root, 'two'), 1, printJob(['a'], [1, 2], 128)), ['a 1 n=21', 'a 2 n=22']);
  });

  test('the max parallelism of a new savepoint must be 1..32768', async () => {
    await runJob((env) => {
      for (const bad of [0, -1, 32769, 1.5]) assert.throws(() => SavepointWriter.newSavepoint(env, bad), /from 1 to 32768/, String(bad));
      env.fromData([1]).addSink(() => {});
    });
  });

  test('an empty path is refused (it would be the working directory)', async () => {
    await runJob((env) => {
      for (const bad of ['', ' ']) assert.throws(() => SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1], 0)).write(bad), /non-empty string/);
      env.fromData([1]).addSink(() => {});
    });
  });

  test('written into a relative path and a file: URI', async () => {
    const root = tempRoot();
    const cwd = process.cwd();
    process.chdir(root);
    try {
      await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1, 2], 5)).write('rel/sp'));
    } finally {
      process.chdir(cwd);
    }
    assert.ok(existsSync(join(root, 'rel', 'sp', '_metadata')));
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1, 2], 5)).write(`file://${join(root, 'uri sp')}`));
    assert.ok(existsSync(join(root, 'uri sp', '_metadata')));
    assert.deepEqual(await restoreAndRun(join(root, 'uri sp'), 2, printJob(['a'], [1, 2], 128)), ['a 1 n=6', 'a 2 n=7']);
  });

  test('into a directory holding a snapshot: refused at write(), one line; into a path that is (or is under) a file: refused at write(), one line, typed', async () => {
    const root = tempRoot();
    const sp = join(root, 'sp');
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1], 0)).write(sp));
    await bootstrap((env) => {
      assert.throws(() => SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1], 0)).write(sp), (e: FlinkError) => e.code === 'savepoint.exists');
      env.fromData([1]).addSink(() => {});
    });
    // A file, or a path under a file (its _metadata named as the path): never written over.
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    await bootstrap((env) => {
      for (const target of [file, join(file, 'sub'), join(sp, '_metadata')]) {
        // At once, not after the job ran (it failed at its end with Node's "EEXIST: file already exists, mkdir").
        assert.throws(
          () => SavepointWriter.newSavepoint(env).withOperator('a', writeN(env, [1], 0)).write(target),
          (e: FlinkError) => e.code === 'savepoint.notADirectory' && /not a directory/.test(e.message) && !e.message.includes('\n'),
          target,
        );
      }
      env.fromData([1]).addSink(() => {});
    });
    assert.equal(readFileSync(file, 'utf8'), 'x');
    assert.deepEqual(readSnapshotMetadata(sp).operators.map((o) => o.uid), ['a']);
  });

  test('a snapshot that appears at the path while the job runs is not written over: the job fails with one typed line', async () => {
    const sp = join(tempRoot(), 'sp');
    class Intruder extends WriteN {
      override processElement(r: Row): void {
        mkdirSync(sp, { recursive: true });
        writeFileSync(join(sp, '_metadata'), 'theirs');
        super.processElement(r);
      }
    }
    await assert.rejects(
      bootstrap((env) => {
        const t = OperatorTransformation.bootstrapWith(env.fromData<Row>(rowsOf([1]))).keyBy((r) => r.k).transform(new Intruder(0));
        SavepointWriter.newSavepoint(env).withOperator('a', t).write(sp);
      }),
      (e: Error) => /already holds a snapshot/.test(e.message) && !e.message.includes('\n'),
    );
    assert.equal(readFileSync(join(sp, '_metadata'), 'utf8'), 'theirs');
  });

  test('a bootstrap job that fails mid-way leaves no savepoint (no _metadata); a rerun into the same path succeeds', async () => {
    const sp = join(tempRoot(), 'sp');
    class Failing extends WriteN {
      override processElement(r: Row): void {
        if (r.k === 50) throw new Error('boom');
        super.processElement(r);
      }
    }
    const keys = Array.from({ length: 100 }, (_, k) => k);
    await assert.rejects(
      bootstrap((env) => {
        const failing = OperatorTransformation.bootstrapWith(env.fromData<Row>(rowsOf(keys))).keyBy((r) => r.k).transform(new Failing(0));
        SavepointWriter.newSavepoint(env).withOperator('ok', writeN(env, keys, 0)).withOperator('failing', failing).write(sp);
      }, 2),
      /boom/,
    );
    assert.equal(existsSync(join(sp, '_metadata')), false);
    await bootstrap((env) => void SavepointWriter.newSavepoint(env).withOperator('ok', writeN(env, keys, 1)).write(sp), 2);
    assert.deepEqual(readSnapshotMetadata(sp).operators.map((o) => o.uid), ['ok']);
    assert.deepEqual(await restoreAndRun(sp, 3, printJob(['ok'], [7], 128)), ['ok 7 n=8']);
    void readdirSync;
  });
});

describe("the savepoint sink's collected state across a restore of the writing job", () => {
  const state = (uid: string, subtask: number, parallelism: number): BootstrappedSubtaskState => {
    const per = Math.ceil(128 / parallelism);
    return {
      uid, name: `Bootstrap '${uid}'`, subtask, parallelism, maxParallelism: 128,
      keyGroupRange: [subtask * per, Math.min(127, (subtask + 1) * per - 1)], stateNames: ['n'], bytes: new Uint8Array([subtask, parallelism]),
    };
  };

  test('restored at another parallelism, the re-run bootstrap replaces all of its old subtask states (none left over to overlap)', async () => {
    const sp = join(tempRoot(), 'sp');
    const sink = new SavepointFilesSink({ path: sp, kept: undefined });
    const first = sink.createWriter();
    for (let i = 0; i < 3; i++) first.write(state('a', i, 3));
    const snapshot = first.snapshotState!(1);
    const again = sink.createWriter();
    again.restoreState!(snapshot);
    for (let i = 0; i < 2; i++) again.write(state('a', i, 2));
    again.endOfInput();
    await again.pendingWork!();
    const op = readSnapshotMetadata(sp).operators[0]!;
    assert.deepEqual(op.subtasks.map((h) => [h.subtask, h.parallelism, h.keyGroupRange]), [[0, 2, [0, 63]], [1, 2, [64, 127]]]);
    assert.equal(op.parallelism, 2);
  });

  test('restored at the same parallelism, a replayed subtask state replaces its copy (none twice)', async () => {
    const sp = join(tempRoot(), 'sp');
    const sink = new SavepointFilesSink({ path: sp, kept: undefined });
    const first = sink.createWriter();
    first.write(state('a', 1, 2));
    first.write(state('b', 0, 1));
    const again = sink.createWriter();
    again.restoreState!(first.snapshotState!(1));
    again.write(state('a', 0, 2));
    again.write(state('a', 1, 2));
    again.endOfInput();
    await again.pendingWork!();
    assert.deepEqual(readSnapshotMetadata(sp).operators.map((o) => [o.uid, o.subtasks.map((h) => h.subtask)]), [['a', [0, 1]], ['b', [0]]]);
  });
});
