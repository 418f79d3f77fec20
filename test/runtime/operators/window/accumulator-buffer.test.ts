/*
 * The window operator's accumulator buffer (accumulator-buffer.ts): accumulators of aligned
 * event-time windows are folded in memory between watermarks. What must hold: the results are
 * those of folding every element into state in arrival order — also for a reduce whose order
 * matters, across watermarks, snapshots taken while accumulators are buffered (restored on the
 * other backend), and past the buffer's capacity — and state holds every element by the cut.
 * Windows a watermark ends fire from the buffer: their accumulators never reach state, and those
 * read back from state are cleared from it, for int keys (the buffer's table) and others alike.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WindowOperatorSpec } from '../../../../src/graph/index.js';
import { Duration } from '../../../../src/util/time.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../../../../src/windowing/index.js';
import { ACCUMULATOR_BUFFER_CAPACITY, AccumulatorBuffer, isFolding } from '../../../../src/runtime/operators/window/accumulator-buffer.js';
import { type KeyedStateBackend, type ReducingState, ReducingStateDescriptor } from '../../../../src/state/index.js';
import { BACKENDS, type BackendType, createBackend } from '../../../state/backends.js';
import { type T2, key0, windowSpec } from './window-fixtures.js';
import { type HarnessSnapshot, WindowHarness } from './window-harness.js';

const ms = Duration.ofMillis;
/** Concatenates in arrival order: any element folded out of order, twice, or not at all shows. */
const concat = { kind: 'reduce' as const, fn: ((a: T2, b: T2) => [a[0], Number(`${a[1]}${b[1]}`)]) as never };
const countAggregate = {
  kind: 'aggregate' as const,
  fn: { createAccumulator: () => 0, add: (_v: T2, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b } as never,
};

/** The buffer a harness's window operator folds into. */
function bufferOf(h: WindowHarness): AccumulatorBuffer {
  return (h.operator as unknown as { buffer: AccumulatorBuffer }).buffer;
}

/** A buffer capacity that a few thousand keys fill several times over. */
const SMALL_CAPACITY = 1024;

/**
 * Gives an opened harness's window operator a fresh buffer of `capacity` over the same state,
 * after checking that the operator built its own with {@link ACCUMULATOR_BUFFER_CAPACITY}.
 */
function withCapacity(h: WindowHarness, capacity: number): WindowHarness {
  const op = h.operator as unknown as { buffer: AccumulatorBuffer; contents: ConstructorParameters<typeof AccumulatorBuffer>[0]; backend: KeyedStateBackend };
  assert.equal((op.buffer as unknown as { capacity: number }).capacity, ACCUMULATOR_BUFFER_CAPACITY, "the operator's own buffer is bounded by ACCUMULATOR_BUFFER_CAPACITY");
  assert.equal(op.buffer.size, 0, 'nothing buffered yet');
  op.buffer = new AccumulatorBuffer(op.contents, op.backend, capacity);
  return h;
}

/** Results as "key window-end value", sorted. */
function results(h: WindowHarness): string[] {
  return h.output.flatMap((e) => ('value' in e ? [`${(e.value as T2)[0] ?? e.value} ${e.timestamp} ${JSON.stringify(e.value)}`] : [])).sort();
}

for (const backend of BACKENDS) {
  const other: BackendType = backend === 'hashmap' ? 'lmdb' : 'hashmap';
  const open = (spec: WindowOperatorSpec, restore?: HarnessSnapshot, on: BackendType = backend) => new WindowHarness(spec, key0, { backend: on, restore }).open();

  describe(`window accumulator buffer [${backend}]`, () => {
    const openKeyed = (spec: WindowOperatorSpec) => new WindowHarness(spec, (t: [unknown, number]) => t[0], { backend }).open();
    const stateWrites = (h: WindowHarness) => {
      const state = (h.operator as unknown as { contents: { state: { setAccumulator(acc: unknown): void } } }).contents.state;
      const writes = { n: 0 };
      const write = state.setAccumulator.bind(state);
      state.setAccumulator = (acc) => {
        writes.n++;
        write(acc);
      };
      return writes;
    };
    const inUse = (h: WindowHarness) => (h.operator as unknown as { contents: { namespacesInUse(): Set<unknown> } }).contents.namespacesInUse().size;

    test('a reduce whose order matters folds elements in arrival order, across watermarks that fire nothing', async () => {
      const h = await open(windowSpec({ assigner: TumblingEventTimeWindows.of(ms(100)), contents: concat }));
      for (let i = 1; i <= 9; i++) {
        h.processElement(['a', i], i);
        h.processElement(['b', 9 - i + 1], 50 + i);
        if (i % 3 === 0) h.processWatermark(i); // fires nothing; the window stays open (and buffered)
      }
      h.processWatermark(99);
      assert.deepEqual(results(h), ['a 99 ["a",123456789]', 'b 99 ["b",987654321]']);
      await h.close();
    });

    test('a window the watermark reaches within its allowed lateness goes back to state: late elements re-fire it with the updated result, open windows stay buffered', async () => {
      const h = await openKeyed(windowSpec({ assigner: TumblingEventTimeWindows.of(ms(100)), contents: countAggregate, lateness: 50 }));
      const writes = stateWrites(h);
      h.processElement(['a', 1], 10);
      h.processElement(['a', 2], 20);
      h.processElement(['a', 3], 150); // the next window, open until 199
      h.processWatermark(99); // fires [0, 100) with 2; its cleanup is at 149
      assert.equal(writes.n, 1, 'only the fired window, still within its lateness, is written back');
      assert.equal(inUse(h), 1);
      h.processElement(['a', 4], 30); // late, within the lateness: through state, and fires again
      h.processWatermark(149); // [0, 100) is cleaned up
      h.processElement(['a', 5], 40); // past the lateness: dropped
      h.processWatermark(199);
      assert.deepEqual(
        h.output.flatMap((e) => ('value' in e ? [`${e.timestamp}:${String(e.value)}`] : [])),
        ['99:2', '99:3', '199:1'],
      );
      assert.equal(inUse(h), 1, '[100, 200) waits in state for late elements until its cleanup at 249');
      h.processWatermark(249);
      assert.equal(inUse(h), 0, 'nothing is left in state');
      assert.equal(h.output.filter((e) => 'value' in e).length, 3);
      await h.close();
    });

    test(`a snapshot taken while accumulators are buffered holds every element (restored on ${other})`, async () => {
      const spec = windowSpec({ assigner: SlidingEventTimeWindows.of(ms(100), ms(50)), contents: concat });
      const h = await open(spec);
      h.processElement(['a', 1], 10);
      h.processElement(['a', 2], 20); // buffered: the key already has an accumulator in both windows
      h.processElement(['b', 5], 60);
      h.processElement(['b', 6], 70);
      const snapshot = h.snapshot();
      h.processElement(['a', 3], 30); // after the cut: must not reach the restored run
      await h.close();
      const restored = await open(spec, snapshot, other);
      restored.processElement(['a', 4], 40);
      restored.processElement(['b', 7], 80);
      restored.processWatermark(200);
      assert.deepEqual(results(restored), [
        'a 49 ["a",124]',
        'a 99 ["a",124]',
        'b 149 ["b",567]',
        'b 99 ["b",567]',
      ]);
      await restored.close();
    });

    test(`a window's first element waits in the buffer too: a cut holds it, and its timers are set (restored on ${other})`, async () => {
      const spec = windowSpec({ assigner: TumblingEventTimeWindows.of(ms(100)), contents: countAggregate });
      const h = await open(spec);
      h.processElement(['a', 1], 10); // each key's only element in its window
      h.processElement(['b', 1], 20);
      h.processElement(['c', 1], 150);
      const snapshot = h.snapshot();
      await h.close();
      const restored = await open(spec, snapshot, other);
      restored.processWatermark(99); // fires a's and b's window from the timers their first elements set
      assert.deepEqual(results(restored), ['1 99 1', '1 99 1']);
      restored.processElement(['c', 1], 160);
      restored.processWatermark(199);
      assert.deepEqual(results(restored), ['1 99 1', '1 99 1', '2 199 2']);
      await restored.close();
    });

    for (const [kind, keyOf] of [
      ['int', (i: number) => i * 7919],
      ['string', (i: number) => `k${i}`],
    ] as const) {

      test(`${kind} keys: windows a watermark ends fire from the buffer, and their accumulators never reach state`, async () => {
        const h = await openKeyed(windowSpec({ assigner: TumblingEventTimeWindows.of(ms(100)), contents: countAggregate }));
        const writes = stateWrites(h);
        for (let i = 0; i < 300; i++) h.processElement([keyOf(i % 20), i], i);
        h.processWatermark(199); // ends windows 0–99 and 100–199; 200–299 stays open
        assert.equal(writes.n, 0, 'nothing is written back: the open window stays buffered');
        assert.equal(h.output.filter((e) => 'value' in e).length, 40);
        assert.ok(h.output.every((e) => !('value' in e) || e.value === 5), 'each key counts 5 elements per window');
        assert.equal(inUse(h), 0, 'state holds nothing');
        h.processWatermark(299);
        assert.equal(writes.n, 0);
        assert.equal(h.output.filter((e) => 'value' in e).length, 60);
        assert.equal(inUse(h), 0, 'nothing is left in state');
        await h.close();
      });

      test(`${kind} keys: accumulators read back from state are cleared from it when their window fires`, async () => {
        const h = await openKeyed(windowSpec({ assigner: SlidingEventTimeWindows.of(ms(100), ms(50)), contents: countAggregate }));
        for (let i = 0; i < 40; i++) h.processElement([keyOf(i % 5), i], i);
        h.snapshot(); // a snapshot's cut writes everything back
        for (let i = 40; i < 100; i++) h.processElement([keyOf(i % 5), i], i); // read back, folded in the buffer
        h.processWatermark(149);
        const counts = h.output.flatMap((e) => ('value' in e ? [`${e.timestamp}:${String(e.value)}`] : [])).sort();
        assert.deepEqual(counts, [...Array(5).fill('149:10'), ...Array(5).fill('49:10'), ...Array(5).fill('99:20')].sort());
        assert.equal(inUse(h), 0, 'no window is left in state');
        await h.close();
      });
    }

    test('a full buffer is written back and fills again; every count is right', async () => {
      // Filling the operator's own buffer (262,144 accumulators) took ~7 s on hashmap and ~23 s
      // on lmdb; the same write-backs happen at any capacity, so the buffer gets a small one.
      const keys = SMALL_CAPACITY + 500;
      const spec = windowSpec({ assigner: TumblingEventTimeWindows.of(ms(1000)), contents: countAggregate });
      const h = withCapacity(await open(spec), SMALL_CAPACITY);
      for (let round = 0; round < 3; round++) for (let k = 0; k < keys; k++) h.processElement([`k${k}`, 0], round);
      const buffered = bufferOf(h).size;
      assert.ok(buffered > 0 && buffered <= SMALL_CAPACITY, `the buffer holds no more than its capacity (${buffered})`);
      const snapshot = h.snapshot();
      await h.close();
      const restored = withCapacity(await open(spec, snapshot), SMALL_CAPACITY);
      for (let k = 0; k < keys; k += 100) restored.processElement([`k${k}`, 0], 3);
      restored.processWatermark(999);
      const out = restored.output.filter((e) => 'value' in e).map((e) => (e as { value: unknown }).value as number);
      assert.equal(out.length, keys);
      assert.equal(out.filter((n) => n === 4).length, Math.ceil(keys / 100));
      assert.equal(out.filter((n) => n === 3).length, keys - Math.ceil(keys / 100));
      await restored.close();
    });
  });
}

describe('window accumulator buffer: writing back', () => {
  test('visits keys without stepping per-record TTL cleanup, and leaves the current key and namespace as they were', () => {
    const backend = createBackend('hashmap');
    const contents = backend.getOrCreateNamespacedState<ReducingState<number>>(new ReducingStateDescriptor<number>('contents', (a: number, b: number) => a + b));
    assert.ok(isFolding(contents.state));
    const buffer = new AccumulatorBuffer(contents as never, backend);
    // Each key: a first element written back to state, then one read back and folded in the buffer.
    for (const key of ['a', 'b', 'c']) {
      backend.setCurrentKey(key);
      contents.setCurrentNamespace('w1');
      assert.equal(buffer.add(0, 'w1', 1), false);
    }
    buffer.flush();
    for (const key of ['a', 'b', 'c']) {
      backend.setCurrentKey(key);
      contents.setCurrentNamespace('w1');
      assert.equal(buffer.add(0, 'w1', 10), true);
    }
    backend.setCurrentKey('b');
    contents.setCurrentNamespace('w0');
    const stepping: unknown[] = [];
    const setCurrentKey = backend.setCurrentKey.bind(backend);
    backend.setCurrentKey = (key: unknown, keyGroup?: number) => {
      stepping.push(key);
      setCurrentKey(key, keyGroup);
    };
    buffer.flush();
    assert.deepEqual(stepping, [], 'a write-back is not a record: per-record cleanup must not advance');
    assert.equal(backend.getCurrentKey(), 'b');
    assert.equal(contents.getCurrentNamespace(), 'w0');
    for (const key of ['a', 'b', 'c']) {
      setCurrentKey(key);
      contents.setCurrentNamespace('w1');
      assert.equal(contents.state.get(), 11, `${key}'s accumulator written back`);
    }
  });
});
