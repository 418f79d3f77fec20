/**
 * The State Processor API (SavepointReader) against Flink's (flink-state-processing-api:
 * KeyedStateInputFormat, KeyedStateReaderOperator, MultiStateKeyIterator, the list / union /
 * broadcast input formats, SavepointReaderKeyedStateITCase): snapshots written in this process
 * by a real job (a gated source, a checkpoint coordinator, a savepoint once every record was
 * emitted), then read by a job of their own at several parallelisms. Also the reader's position
 * (a count of keys) across a restore, and hostile snapshots.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { encodeMetadata, readSnapshotMetadata, type SnapshotMetadata } from '../../src/checkpoint/index.js';
import type { DataStream } from '../../src/api/index.js';
import {
  AvroSerializer,
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  type KeyedBroadcastContext,
  KeyedBroadcastProcessFunction,
  RichMapFunction,
  StateTtlConfig,
  Time,
  type GlobalWindow,
  GlobalWindows,
  type ProcessWindowContext,
  type TriggerContext,
  type ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  ProcessWindowFunction,
  Trigger,
  TriggerResult,
  KeyedProcessFunction,
  type KeyedProcessContext,
  KeyedStateReaderFunction,
  type KeyedStateReaderContext,
  SavepointReader,
  SavepointWriter,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { SnapshotRestoreError } from '../../src/checkpoint/snapshot-loader.js';
import { KeyedStateSource } from '../../src/state-processor/keyed-state-source.js';
import { ManualClock } from '../../src/util/clock.js';
import { TestingReaderOutput } from '../helpers/reader-output.js';
import { readFailure, readWith, snapshotOf, tempRoot } from './snapshot-of.js';
import { ACCOUNT_V1, ACCOUNT_V2, type AllKinds, registerAllKinds } from './state-kinds.js';

/** A keyed count per key, in ValueState 'n'. */
class Count extends KeyedProcessFunction<unknown, { k: unknown }, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(_: { k: unknown }, __: KeyedProcessContext<unknown>, ___: Collector<string>): void {
    this.n.update((this.n.value() ?? 0) + 1);
  }
}

class ReadN extends KeyedStateReaderFunction<unknown, [unknown, number | undefined]> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  readKey(key: unknown, _: KeyedStateReaderContext, out: Collector<[unknown, number | undefined]>): void {
    out.collect([key, this.n.value()]);
  }
}

const byKey = (a: [unknown, unknown], b: [unknown, unknown]) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0);

describe('readKeyedState: every key once, whatever the parallelisms', () => {
  const records = Array.from({ length: 300 }, (_, i) => ({ k: i % 97 }));
  const expected = Array.from({ length: 97 }, (_, k): [unknown, number] => [k, k < 300 % 97 ? 4 : 3]).sort(byKey);
  for (const writeP of [1, 2, 3, 4]) {
    test(`written at parallelism ${writeP}, read at 1..4`, async () => {
      const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(writeP));
      for (const readP of [1, 2, 3, 4]) {
        const rows = await readWith(readP, (env) => SavepointReader.read(env, sp).readKeyedState('count', new ReadN()));
        assert.deepEqual(rows.sort(byKey), expected, `read at ${readP}`);
      }
    });
  }
});

/** Keeps 'v' for even keys, 'm' (map) for keys % 3 == 0, 'l' (list) % 5, 'r' (reducing) % 7, 'a' (aggregating) % 11; 'e' for key 1 only. */
class Several extends KeyedProcessFunction<number, { k: number }, string> {
  private s!: AllKinds;
  private e!: ValueState<number>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.s = registerAllKinds(c);
    this.e = c.getState(new ValueStateDescriptor<number>('e'));
  }
  processElement({ k }: { k: number }): void {
    if (k % 2 === 0) this.s.v.update(k);
    if (k % 3 === 0) this.s.m.put(`x${k}`, k);
    if (k % 5 === 0) this.s.l.add(k);
    if (k % 7 === 0) this.s.r.add(k);
    if (k % 11 === 0) this.s.a.add(k);
    if (k === 1) this.e.update(1);
  }
}

class ReadSeveral extends KeyedStateReaderFunction<number, string> {
  private s!: AllKinds;
  override open(): void {
    this.s = registerAllKinds(this.getRuntimeContext());
  }
  readKey(key: number, _: KeyedStateReaderContext, out: Collector<string>): void {
    out.collect(`${key} v=${this.s.v.value()} m=${JSON.stringify([...this.s.m.entries()])} l=${JSON.stringify(this.s.l.get())} r=${this.s.r.get()} a=${this.s.a.get()}`);
  }
}

describe('readKeyedState: several states', () => {
  test('a key with a value in any registered state is read once; one only in a state not registered is not (MultiStateKeyIterator)', async () => {
    const records = Array.from({ length: 60 }, (_, i) => ({ k: i % 30 }));
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Several()).uid('several').setParallelism(2));
    const expected: string[] = [];
    for (let k = 0; k < 30; k++) {
      if (k % 2 !== 0 && k % 3 !== 0 && k % 5 !== 0 && k % 7 !== 0 && k % 11 !== 0) continue;
      const m = k % 3 === 0 ? JSON.stringify([[`x${k}`, k]]) : '[]';
      const l = k % 5 === 0 ? `[${k},${k}]` : '[]';
      expected.push(`${k} v=${k % 2 === 0 ? k : undefined} m=${m} l=${l} r=${k % 7 === 0 ? 2 * k : undefined} a=${k % 11 === 0 ? `sum=${2 * k}` : undefined}`);
    }
    for (const p of [1, 3]) {
      const rows = await readWith(p, (env) => SavepointReader.read(env, sp).readKeyedState('several', new ReadSeveral()));
      assert.deepEqual(rows.sort(), expected.sort(), `read at ${p}`);
    }
  });
});

describe('readKeyedState: composite keys', () => {
  test('array and object keys come as their canonical JSON string, each once, with their state', async () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ k: [i % 4, `s${i % 5}`] as [number, string], o: { b: i % 2, a: 'x' } }));
    const sp = await snapshotOf(records, (_, input) => {
      input.keyBy((r) => r.k).process(new Count()).uid('arr').setParallelism(3);
      input.keyBy((r) => r.o).process(new Count()).uid('obj').setParallelism(2);
    });
    const arr = await readWith(2, (env) => SavepointReader.read(env, sp).readKeyedState('arr', new ReadN()));
    const want: [unknown, number][] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 5; b++) want.push([JSON.stringify([a, `s${b}`]), 2]);
    assert.deepEqual(arr.sort(byKey), want.sort(byKey));
    const obj = await readWith(3, (env) => SavepointReader.read(env, sp).readKeyedState('obj', new ReadN()));
    assert.deepEqual(obj.sort(byKey), [['{"a":"x","b":0}', 20], ['{"a":"x","b":1}', 20]]);
  });
});

/** Registers an event-time and a processing-time timer per record (deleting some), and counts in 'n'. */
class WithTimers extends KeyedProcessFunction<number, { k: number; ts: number }, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(r: { k: number; ts: number }, ctx: KeyedProcessContext<number>): void {
    this.n.update((this.n.value() ?? 0) + 1);
    ctx.timerService().registerEventTimeTimer(r.ts + 100);
    ctx.timerService().registerProcessingTimeTimer(1_000_000 + r.ts);
    if (r.k === 0) ctx.timerService().deleteEventTimeTimer(r.ts + 100);
  }
}

class ReadTimers extends KeyedStateReaderFunction<number, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  readKey(key: number, ctx: KeyedStateReaderContext, out: Collector<string>): void {
    out.collect(`${key} n=${this.n.value()} et=${ctx.registeredEventTimeTimers().join(',')} pt=${ctx.registeredProcessingTimeTimers().join(',')}`);
  }
}

/** Fires at every element (the process function writes global state) and leaves a timer pending in the window. */
class FireAndWait extends Trigger<{ k: number; ts: number }, GlobalWindow> {
  onElement(_: unknown, timestamp: number, __: GlobalWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerEventTimeTimer(timestamp + 10_000);
    return TriggerResult.FIRE;
  }
  clear(): void {}
}

class GlobalCount extends ProcessWindowFunction<{ k: number; ts: number }, string, number, GlobalWindow> {
  process(_: number, ctx: ProcessWindowContext<GlobalWindow>, elements: Iterable<{ k: number; ts: number }>): void {
    const g = ctx.globalState().getState(new ValueStateDescriptor<number>('n'));
    g.update([...elements].length);
  }
}

describe('readKeyedState: timers', () => {
  test("a process function's pending event-time and processing-time timers, per key, deleted ones not", async () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ k: i % 3, ts: i * 10 }));
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new WithTimers()).uid('timers').setParallelism(2));
    const rows = await readWith(2, (env) => SavepointReader.read(env, sp).readKeyedState('timers', new ReadTimers()));
    assert.deepEqual(rows.sort(), ['0 n=2 et= pt=1000000,1000030', '1 n=2 et=110,140 pt=1000010,1000040', '2 n=2 et=120,150 pt=1000020,1000050']);
  });

  test("a window operator's timers are not the context's (Flink's are in 'window-timers', not 'user-timers'): also the global window's, namespace 0", async () => {
    const records = Array.from({ length: 4 }, (_, i) => ({ k: i % 2, ts: i }));
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).window(GlobalWindows.create()).trigger(new FireAndWait()).process(new GlobalCount()).uid('win'));
    const rows = await readWith(1, (env) => SavepointReader.read(env, sp).readKeyedState('win', new ReadTimers()));
    assert.deepEqual(rows.sort(), ['0 n=2 et= pt=', '1 n=2 et= pt=']);
  });
});

/** 'acc' in Avro (schema v1); 'ttl' with a 10 s time-to-live (written at the writer's clock, 1000 ms). */
class AvroAndTtl extends KeyedProcessFunction<number, { k: number }, string> {
  private acc!: ValueState<{ id: number; total: number }>;
  private ttl!: ValueState<number>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.acc = c.getState(new ValueStateDescriptor<{ id: number; total: number }>('acc').setSerializer(AvroSerializer.of(ACCOUNT_V1)));
    this.ttl = c.getState(new ValueStateDescriptor<number>('ttl').enableTimeToLive(StateTtlConfig.newBuilder(Time.seconds(10)).build()));
  }
  processElement({ k }: { k: number }): void {
    const a = this.acc.value() ?? { id: k, total: 0 };
    this.acc.update({ id: k, total: a.total + k });
    this.ttl.update(k);
  }
}

class ReadAvroAndTtl extends KeyedStateReaderFunction<number, string> {
  private acc!: ValueState<{ id: number; total: number; note: string }>;
  private ttl!: ValueState<number>;
  override open(): void {
    const c = this.getRuntimeContext();
    this.acc = c.getState(new ValueStateDescriptor<{ id: number; total: number; note: string }>('acc').setSerializer(AvroSerializer.of(ACCOUNT_V2)));
    this.ttl = c.getState(new ValueStateDescriptor<number>('ttl').enableTimeToLive(StateTtlConfig.newBuilder(Time.seconds(10)).build()));
  }
  readKey(key: number, _: KeyedStateReaderContext, out: Collector<string>): void {
    out.collect(`${key} acc=${JSON.stringify(this.acc.value())} ttl=${this.ttl.value()}`);
  }
}

describe('readKeyedState: Avro and TTL', () => {
  test("an Avro state comes migrated to the registered schema; a TTL state's values are unexpired ones at the reading job's processing time", async () => {
    const records = Array.from({ length: 6 }, (_, i) => ({ k: i % 3 }));
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new AvroAndTtl()).uid('at').setParallelism(2));
    const fresh = await readWith(2, (env) => SavepointReader.read(env, sp).readKeyedState('at', new ReadAvroAndTtl()), new ManualClock(5_000));
    assert.deepEqual(fresh.sort(), [0, 1, 2].map((k) => `${k} acc=${JSON.stringify({ id: k, total: 2 * k, note: 'none' })} ttl=${k}`));
    const late = await readWith(1, (env) => SavepointReader.read(env, sp).readKeyedState('at', new ReadAvroAndTtl()), new ManualClock(20_000));
    assert.deepEqual(late.sort(), [0, 1, 2].map((k) => `${k} acc=${JSON.stringify({ id: k, total: 2 * k, note: 'none' })} ttl=undefined`));
  });
});

describe("readKeyedState: the source's position (a count of keys) across a restore of the reading job", () => {
  test('a reader restored from its snapshot at any point goes on with the next key: none read twice, none lost', async () => {
    const records = Array.from({ length: 200 }, (_, i) => ({ k: i % 53 }));
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(3));
    const op = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'count')!;
    const context = { subtaskIndex: 0, parallelism: 1, clock: new ManualClock(0) };
    for (const cut of [0, 1, 7, 17, 18, 40, 52, 53]) {
      const source = new KeyedStateSource<unknown, [unknown, number | undefined]>(sp, op, new ReadN());
      const first = source.createReader(context);
      first.addSplits(source.createSplits());
      const out = new TestingReaderOutput<[unknown, number | undefined]>();
      while (out.into.length < cut) first.pollNext(out, Math.min(3, cut - out.into.length));
      const position = first.snapshotState(1);
      first.close?.();
      // What a failover replays from: a new function and reader, from the position.
      const again = new KeyedStateSource<unknown, [unknown, number | undefined]>(sp, op, new ReadN()).createReader(context);
      again.addSplits(position);
      while (again.pollNext(out, 4) !== 'END_OF_INPUT');
      assert.equal(out.into.length, 53, `cut after ${cut}`);
      assert.deepEqual(out.into.map(([k]) => k).sort((a, b) => Number(a) - Number(b)), Array.from({ length: 53 }, (_, k) => k), `cut after ${cut}`);
    }
  });
});

/** Counts per key in 'n'; a record with `clear` clears its key's count instead. */
class CountOrClear extends KeyedProcessFunction<number, { k: number; clear?: boolean }, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(r: { k: number; clear?: boolean }): void {
    if (r.clear) this.n.clear();
    else this.n.update((this.n.value() ?? 0) + 1);
  }
}

describe('readKeyedState: backends and incremental checkpoints', () => {
  const records: Array<{ k: number; clear?: boolean }> = [];
  for (let i = 0; i < 100; i++) records.push({ k: i % 50 });
  for (let i = 100; i < 200; i++) records.push({ k: i % 10 });
  for (let i = 0; i < 5; i++) records.push({ k: i * 2, clear: true });
  for (let i = 205; i < 300; i++) records.push({ k: 40 + (i % 5) });
  const expected = new Map<number, number>();
  for (const r of records) {
    if (r.clear) expected.delete(r.k);
    else expected.set(r.k, (expected.get(r.k) ?? 0) + 1);
  }
  const want = [...expected].sort(byKey);

  for (const backend of ['hashmap', 'lmdb'] as const) {
    test(`${backend}: the last of a chain of incremental checkpoints (a base, then deltas with updates and deletions), read at 1 and 3`, async () => {
      const chk = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new CountOrClear()).uid('count').setParallelism(2), {
        backend,
        incremental: true,
        checkpointsAt: [100, 205, 300],
      });
      assert.ok(readSnapshotMetadata(chk).operators.find((o) => o.uid === 'count')!.subtasks.some((h) => (h.sharedState?.length ?? 0) > 1), 'a chain of shared files');
      for (const p of [1, 3]) {
        const rows = await readWith(p, (env) => SavepointReader.read(env, chk).readKeyedState('count', new ReadN()));
        assert.deepEqual(rows.sort(byKey), want, `read at ${p}`);
      }
    });
  }

  test('lmdb: a savepoint', async () => {
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new CountOrClear()).uid('count').setParallelism(3), { backend: 'lmdb' });
    const rows = await readWith(2, (env) => SavepointReader.read(env, sp).readKeyedState('count', new ReadN()));
    assert.deepEqual(rows.sort(byKey), want);
  });
});

/** Keeps list state 'seen' ([its subtask, its count]), and list, union list state that stay empty. */
class WithOperatorState extends RichMapFunction<{ k: number }, number> implements CheckpointedFunction {
  private seen!: ListState<[number, number]>;
  private count = 0;
  initializeState(context: FunctionInitializationContext): void {
    this.seen = context.getOperatorStateStore().getListState(new ListStateDescriptor<[number, number]>('seen'));
    context.getOperatorStateStore().getListState(new ListStateDescriptor<number>('empty'));
    context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('empty-union'));
  }
  snapshotState(): void {
    this.seen.update([[this.getRuntimeContext().getIndexOfThisSubtask(), this.count]]);
  }
  map(r: { k: number }): number {
    this.count++;
    return r.k;
  }
}

class NoRules extends KeyedBroadcastProcessFunction<number, number, [string, number], string> {
  processElement(): void {}
  processBroadcastElement(rule: [string, number], ctx: KeyedBroadcastContext<number>): void {
    ctx.getBroadcastState(RULES).put(rule[0], rule[1]);
  }
}
const RULES = new MapStateDescriptor<string, number>('rules');

describe('operator state', () => {
  test("list state: every subtask's elements in subtask order; an empty list, union list and broadcast state read as empty streams (Flink's input formats)", async () => {
    const records = Array.from({ length: 30 }, (_, i) => ({ k: i }));
    const sp = await snapshotOf(records, (env, input) => {
      const mapped = input.map(new WithOperatorState()).uid('ops').setParallelism(3);
      mapped.keyBy((k) => k % 4).connect(env.fromCollection<[string, number]>([]).uid('rules').broadcast(RULES)).process(new NoRules()).uid('apply');
    });
    const seen = await readWith(1, (env) => SavepointReader.read(env, sp).readListState<[number, number]>('ops', 'seen'));
    assert.deepEqual(seen.map(([subtask]) => subtask), [0, 1, 2]);
    assert.equal(seen.reduce((n, [, c]) => n + c, 0), 30);
    assert.deepEqual(await readWith(1, (env) => SavepointReader.read(env, sp).readListState<number>('ops', 'empty')), []);
    assert.deepEqual(await readWith(1, (env) => SavepointReader.read(env, sp).readUnionState<number>('ops', 'empty-union')), []);
    assert.deepEqual(await readWith(1, (env) => SavepointReader.read(env, sp).readBroadcastState<string, number>('apply', 'rules')), []);
  });
});

/** Rewrites `sp`'s _metadata through `edit` with a valid checksum (what a hostile writer can do). */
function rewriteMetadata(sp: string, edit: (m: { operators: Array<{ uid: string; maxParallelism: number; parallelism: number; subtasks: Array<Record<string, unknown>> }> }) => void): void {
  const doc = JSON.parse(readFileSync(join(sp, '_metadata'), 'utf8')) as { metadata: SnapshotMetadata };
  const m = structuredClone(doc.metadata) as unknown as Parameters<typeof edit>[0];
  edit(m);
  writeFileSync(join(sp, '_metadata'), encodeMetadata(m as unknown as SnapshotMetadata));
}

describe('hostile snapshots: refused with one line, nothing outside the snapshot read', () => {
  const records = Array.from({ length: 20 }, (_, i) => ({ k: i % 7 }));
  const write = () => snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(2));
  const stateFile = (sp: string) => (readSnapshotMetadata(sp).operators.find((o) => o.uid === 'count')!.subtasks[0]!.file);

  test('a _metadata naming a file outside its directory is refused by read(), before any job', async () => {
    const sp = await write();
    rewriteMetadata(sp, (m) => {
      m.operators.find((o) => o.uid === 'count')!.subtasks[0]!['file'] = '../../outside.state';
    });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    assert.throws(() => SavepointReader.read(env, sp), (e: Error) => e instanceof SnapshotRestoreError && /names a state file outside the snapshot directory/.test(e.message) && !e.message.includes('\n'));
  });

  test('read() (and SavepointWriter.fromExistingSavepoint) of what is no snapshot says it cannot read it (as flink info does), not restore it', () => {
    const dir = tempRoot();
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    assert.throws(() => SavepointReader.read(env, dir), (e: Error) => e instanceof SnapshotRestoreError && e.message.startsWith(`Cannot read ${dir}: it has no _metadata`));
    assert.throws(() => SavepointReader.read(env, join(dir, 'missing')), (e: Error) => e instanceof SnapshotRestoreError && e.code === 'snapshot.notFound' && /^Cannot read .*missing: no such file/.test(e.message));
    // SavepointWriter.fromExistingSavepoint reads it the same way.
    assert.throws(() => SavepointWriter.fromExistingSavepoint(env, dir), (e: Error) => e instanceof SnapshotRestoreError && e.message.startsWith(`Cannot read ${dir}: it has no _metadata`));
  });

  test('a state file that is a symlink (to a faithful copy elsewhere) is not followed', async () => {
    const sp = await write();
    const file = stateFile(sp);
    const elsewhere = join(tempRoot(), 'copy.state');
    writeFileSync(elsewhere, readFileSync(join(sp, file)));
    rmSync(join(sp, file));
    symlinkSync(elsewhere, join(sp, file));
    const e = await readFailure(sp, (r) => r.readKeyedState('count', new ReadN()));
    assert.ok(e instanceof SnapshotRestoreError, String(e));
    assert.match(e.message, /not a regular file/);
    assert.ok(!e.message.includes('\n'));
  });

  test('a missing state file: one line naming it', async () => {
    const sp = await write();
    const file = stateFile(sp);
    rmSync(join(sp, file));
    const e = await readFailure(sp, (r) => r.readKeyedState('count', new ReadN()));
    assert.ok(e instanceof SnapshotRestoreError, String(e));
    assert.match(e.message, new RegExp(`state file ${file} of operator 'count' is missing \\(no such file in the snapshot directory\\)`));
    assert.ok(!e.message.includes('\n'));
  });

  test("a max parallelism no job can have (Flink's bound: 32768) is refused, not a key-group loop of 2^31", async () => {
    // Written at parallelism 1, so every key group it holds lies in the one range of the claimed max parallelism.
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(1));
    rewriteMetadata(sp, (m) => {
      const op = m.operators.find((o) => o.uid === 'count')!;
      op.maxParallelism = 2 ** 31;
      for (const h of op.subtasks) h['keyGroupRange'] = [0, 2 ** 31 - 1];
    });
    let failure: unknown;
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      SavepointReader.read(env, sp).readKeyedState('count', new ReadN());
    } catch (err) {
      failure = err;
    }
    if (failure === undefined) failure = await readFailure(sp, (r) => r.readKeyedState('count', new ReadN()));
    assert.ok(failure instanceof SnapshotRestoreError, String(failure));
    assert.match(failure.message, /max parallelism/);
  });
});
