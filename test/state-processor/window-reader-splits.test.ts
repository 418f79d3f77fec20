/**
 * How the window reader walks a snapshot: its position (a count of windows read) across a
 * restore of the reading job; a chain of incremental checkpoints of the lmdb backend, in which
 * windows opened, fired and were cleared between checkpoints; and reading subtasks that take
 * turns in one thread, each with its own reader function (keyed state's reader too).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readSnapshotMetadata } from '../../src/checkpoint/index.js';
import {
  type Collector,
  Duration,
  type ProcessWindowContext,
  ProcessWindowFunction,
  Trigger,
  TriggerResult,
  KeyedProcessFunction,
  KeyedStateReaderFunction,
  SavepointReader,
  TumblingEventTimeWindows,
  type TimeWindow,
  type ValueState,
  ValueStateDescriptor,
  type WindowReaderContext,
  WindowReaderFunction,
} from '../../src/index.js';
import { WindowStateSource } from '../../src/state-processor/window-state-source.js';
import { ManualClock } from '../../src/util/clock.js';
import { TestingReaderOutput } from '../helpers/reader-output.js';
import { punctuatedWatermarks, readWith, snapshotOf } from './snapshot-of.js';

interface Rec {
  readonly k: number;
  readonly ts: number;
  readonly wm?: number;
}

const punctuated = punctuatedWatermarks<Rec>();

const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const count = { createAccumulator: () => 0, add: (_: Rec, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };

/** `key start count` of each window read, after checking the context's window and timers agree. */
class KeyStartCount extends WindowReaderFunction<number, string, number, TimeWindow> {
  readWindow(key: number, ctx: WindowReaderContext<TimeWindow>, elements: Iterable<number>, out: Collector<string>): void {
    const w = ctx.window();
    assert.deepEqual(ctx.registeredEventTimeTimers(), [w.maxTimestamp()]);
    out.collect(`${key} ${w.start} ${[...elements][0]}`);
  }
}

/** The count of each (key, 10 ms window) of `records` whose window starts at `from` or later, as `key start count`. */
function countsFrom(records: readonly Rec[], from: number): string[] {
  const counts = new Map<string, number>();
  for (const r of records) {
    const start = r.ts - (r.ts % 10);
    if (start >= from) counts.set(`${r.k} ${start}`, (counts.get(`${r.k} ${start}`) ?? 0) + 1);
  }
  return [...counts].map(([w, n]) => `${w} ${n}`).sort();
}

describe('the position: a count of windows', () => {
  test('a reader restored from its position at any point goes on with the next window: none read twice, none lost', async () => {
    // 30 keys with a window each at [0, 10), [10, 20) and [20, 30): 90 windows over 3 subtasks.
    const records: Rec[] = [];
    for (let ts = 0; ts < 30; ts += 10) for (let k = 0; k < 30; k++) records.push({ k, ts: ts + (k % 10) });
    const sp = await snapshotOf(records, (_, input) => void input.assignTimestampsAndWatermarks(punctuated).keyBy((r) => r.k).window(tumbling()).aggregate(count).uid('w').setParallelism(3));
    const op = readSnapshotMetadata(sp).operators.find((o) => o.uid === 'w')!;
    const context = { subtaskIndex: 0, parallelism: 1, clock: new ManualClock(0) };
    const windows = { serializer: tumbling().getWindowSerializer(), merging: false };
    const read = { contents: { kind: 'aggregate' as const, fn: count as never }, evictor: false };
    const source = () => new WindowStateSource<number, TimeWindow, string>(sp, op, windows, read, new KeyStartCount() as never);
    const expected = countsFrom(records, 0);
    assert.equal(expected.length, 90);
    for (const cut of [0, 1, 29, 30, 31, 59, 89, 90]) {
      const first = source().createReader(context);
      first.addSplits(source().createSplits());
      const out = new TestingReaderOutput<string>();
      while (out.into.length < cut) first.pollNext(out, Math.min(7, cut - out.into.length));
      const position = first.snapshotState(1);
      await first.close?.();
      // What a failover replays from: a new function and reader, from the position.
      const again = source().createReader(context);
      again.addSplits(position);
      while (again.pollNext(out, 4) !== 'END_OF_INPUT');
      assert.deepEqual(out.into.sort(), expected, `cut after ${cut}`);
    }
  });
});

describe('the lmdb backend, incremental checkpoints', () => {
  test('the last of a chain (windows opened, fired and cleared, and added to, between its checkpoints): its open windows, read at 1 and 3', async () => {
    const records: Rec[] = [];
    // 200 keys with a window [10, 20), and keys 0-9 one at [0, 10) too; then the watermark ends
    // (fires and clears) the [0, 10) ones and keys 0-9 open [20, 30); then they add to it and open
    // [30, 40). A checkpoint after each phase: the later ones deltas of few keys over a large base.
    for (let i = 0; i < 400; i++) records.push({ k: i % 200, ts: 10 + (i % 10) });
    for (let i = 0; i < 20; i++) records.push({ k: i % 10, ts: i % 10 });
    for (let i = 0; i < 30; i++) records.push({ k: i % 10, ts: 20 + (i % 10), ...(i === 0 ? { wm: 9 } : {}) });
    for (let i = 0; i < 30; i++) records.push({ k: i % 10, ts: 25 + (i % 10) });
    const chk = await snapshotOf(records, (_, input) => void input.assignTimestampsAndWatermarks(punctuated).keyBy((r) => r.k).window(tumbling()).aggregate(count).uid('w').setParallelism(2), {
      backend: 'lmdb',
      incremental: true,
      checkpointsAt: [420, 450, 480],
    });
    assert.ok(readSnapshotMetadata(chk).operators.find((o) => o.uid === 'w')!.subtasks.some((h) => (h.sharedState?.length ?? 0) > 1), 'a chain of shared files');
    for (const p of [1, 3]) {
      const rows = await readWith(p, (env) => SavepointReader.read(env, chk).window(tumbling()).aggregate('w', count, new KeyStartCount()));
      assert.deepEqual(rows.sort(), countsFrom(records, 10), `read at ${p}`);
    }
  });
});

/** A count per key in 'n'. */
class Count extends KeyedProcessFunction<number, Rec, never> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(): void {
    this.n.update((this.n.value() ?? 0) + 1);
  }
}

class ReadCount extends KeyedStateReaderFunction<number, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  readKey(key: number, _ctx: unknown, out: Collector<string>): void {
    out.collect(`${key} ${this.n.value()}`);
  }
}

/** Reads `global` from the function's own runtime context (states registered in open are bound to the split being read). */
class ReadGlobal extends WindowReaderFunction<Rec, string, number, TimeWindow> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  readWindow(key: number, ctx: WindowReaderContext<TimeWindow>, elements: Iterable<Rec>, out: Collector<string>): void {
    out.collect(`${key} ${this.n.value()} ${ctx.globalState().getState(new ValueStateDescriptor<number>('n')).value()} ${[...elements].length}`);
  }
}

describe('reading subtasks taking turns in one thread (more than a poll of keys each)', () => {
  // 3000 keys over 2 subtasks: each reader reads 1024 keys a poll, so the two alternate mid-split.
  // Key k comes 1 + k % 3 times: a reader reading another split's backend gets other counts.
  const records: Rec[] = [];
  for (let round = 0; round < 3; round++) for (let k = 0; k < 3000; k++) if (k % 3 >= round) records.push({ k, ts: 1 });
  const times = (k: number): number => 1 + (k % 3);

  test("keyed state: each reader's function reads its own split's key", async () => {
    const sp = await snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(2));
    const rows = await readWith(2, (env) => SavepointReader.read(env, sp).readKeyedState('count', new ReadCount()));
    assert.equal(rows.length, 3000);
    assert.deepEqual(rows.filter((r) => r !== `${r.split(' ')[0]} ${times(Number(r.split(' ')[0]))}`), []);
  });

  test("windows: each reader's function reads its own split's global state", async () => {
    class FireEach extends Trigger<unknown, TimeWindow> {
      onElement(): TriggerResult {
        return TriggerResult.FIRE;
      }
      clear(): void {}
    }
    class CountInGlobal extends ProcessWindowFunction<Rec, never, number, TimeWindow> {
      process(_k: number, ctx: ProcessWindowContext<TimeWindow>): void {
        const n = ctx.globalState().getState(new ValueStateDescriptor<number>('n'));
        n.update((n.value() ?? 0) + 1);
      }
    }
    const sp = await snapshotOf(records, (_, input) => {
      const values = input.assignTimestampsAndWatermarks(punctuated);
      values.keyBy((r) => r.k).window(tumbling()).trigger(new FireEach()).process(new CountInGlobal()).uid('w').setParallelism(2);
    });
    const rows = await readWith(2, (env) => SavepointReader.read(env, sp).window(tumbling()).process('w', new ReadGlobal()));
    assert.equal(rows.length, 3000);
    const n = (r: string) => times(Number(r.split(' ')[0]));
    assert.deepEqual(rows.filter((r) => r !== `${r.split(' ')[0]} ${n(r)} ${n(r)} ${n(r)}`), []);
  });
});
