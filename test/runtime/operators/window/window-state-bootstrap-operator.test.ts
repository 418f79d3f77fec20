/**
 * The window bootstrap operator (Flink's StateBootstrapWrapperOperator around a WindowOperator)
 * driven as one subtask: records go into their windows, watermarks and the clock fire nothing
 * and make nothing late, and the state file it emits at the end of its input, restored into the
 * window operator of the same spec, fires those windows when the watermark or the clock passes
 * their end — bootstrapped and new contents together, with the cleanup of the allowed lateness —
 * exactly as a window operator that had taken the same records itself.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BootstrappedSubtaskState, WindowOperatorSpec } from '../../../../src/graph/index.js';
import { WindowStateBootstrapOperator } from '../../../../src/runtime/operators/window/window-state-bootstrap-operator.js';
import { KeyGroupRange, decodeStateFile } from '../../../../src/state/index.js';
import { Duration } from '../../../../src/util/time.js';
import { EventTimeSessionWindows, TumblingEventTimeWindows, TumblingProcessingTimeWindows } from '../../../../src/windowing/index.js';
import { type HarnessOptions, type HarnessSnapshot, KeyedOperatorHarness } from '../keyed-operator-harness.js';
import { type T2, type T3, SessionProcessWindowFunction, key0, process, reduceWith, sumReducer, windowSpec } from './window-fixtures.js';
import { WindowHarness, record, watermark } from './window-harness.js';

/** One subtask of the bootstrap operator, keyed by `key0`. */
class BootstrapHarness extends KeyedOperatorHarness {
  readonly operator: WindowStateBootstrapOperator;

  constructor(spec: WindowOperatorSpec, options: HarnessOptions = {}) {
    super('bootstrap', options);
    this.operator = new WindowStateBootstrapOperator(this.context, spec, 'w', "Bootstrap 'w'");
    this.attach(this.operator);
  }

  processElement(value: T2, timestamp?: number): void {
    this.enter(key0(value), timestamp);
    this.operator.collect(value);
  }

  processWatermark(time: number): void {
    this.operator.processWatermark(time);
  }

  setProcessingTime(time: number): void {
    this.clock.set(time);
    this.operator.advanceProcessingTime(time);
  }

  /** Ends the input: the state file the operator emitted, as a snapshot to restore a window harness from. */
  end(): HarnessSnapshot {
    this.operator.endInput();
    const emitted = this.records();
    assert.equal(emitted.length, 1, 'one state file, and nothing else: no window fired');
    const state = emitted[0]!.value as BootstrappedSubtaskState;
    assert.equal(state.uid, 'w');
    assert.deepEqual(state.keyGroupRange, [0, 127]);
    const content = decodeStateFile(state.bytes, { file: 'w', uid: 'w', subtask: 0, keyGroupRange: new KeyGroupRange(0, 127) });
    return { blocks: content.keyGroups.map((b): [number, Uint8Array] => [b.keyGroup, b.bytes]), kinds: content.kinds };
  }
}

/** A window harness restored from `snapshot`, opened. */
async function restored(spec: WindowOperatorSpec, snapshot: HarnessSnapshot): Promise<WindowHarness> {
  return new WindowHarness(spec, key0 as never, { restore: snapshot }).open();
}

const sorted = (rs: readonly unknown[]): string[] => rs.map((r) => JSON.stringify(r)).sort();
const tumbling = (lateness = 0) => windowSpec({ assigner: TumblingEventTimeWindows.of(Duration.ofSeconds(3)), contents: reduceWith(sumReducer), lateness });

describe('the window bootstrap operator', () => {
  test('watermarks and the clock fire nothing and make nothing late: every record is in its window when the input ends', async () => {
    const h = await new BootstrapHarness(tumbling()).open();
    h.processElement(['key1', 1], 0);
    h.processElement(['key2', 1], 1000);
    h.processWatermark(10_000);
    h.setProcessingTime(10_000);
    // Behind the watermark by far: a window operator would drop them; the bootstrap keeps them.
    h.processElement(['key1', 1], 20);
    h.processElement(['key2', 1], 3999);
    const snapshot = h.end();
    await h.close();
    assert.deepEqual(h.output.slice(0, 1), [watermark(10_000)], 'the watermark went on downstream');
    assert.ok(snapshot.kinds['_window-contents'] && snapshot.kinds['_timers'], 'window contents and timers written');

    // Restored: each window fires when the watermark reaches its end, bootstrapped and new contents together.
    const w = await restored(tumbling(), snapshot);
    w.processElement(['key1', 1], 2000);
    w.processWatermark(2998);
    assert.deepEqual(w.records(), [], 'not before the end of [0, 3000)');
    w.processWatermark(2999);
    assert.deepEqual(sorted(w.records()), sorted([record(['key1', 3], 2999), record(['key2', 1], 2999)]));
    w.processWatermark(5999);
    assert.deepEqual(w.records().slice(2), [record(['key2', 1], 5999)]);
    await w.close();
  });

  test('what it writes restores as what the window operator wrote of the same records: the same firings at the same watermarks', async () => {
    const records: Array<[T2, number]> = [[['a', 1], 100], [['b', 2], 2500], [['a', 3], 3100], [['a', 4], 5000], [['c', 5], 8999]];
    const b = await new BootstrapHarness(tumbling()).open();
    const job = await new WindowHarness(tumbling(), key0 as never).open();
    for (const [v, ts] of records) {
      b.processElement(v, ts);
      job.processElement(v, ts);
    }
    const fromBootstrap = await restored(tumbling(), b.end());
    const fromJob = await restored(tumbling(), job.snapshot());
    for (const h of [fromBootstrap, fromJob]) {
      h.processElement(['a', 10], 200);
      for (const wm of [2999, 5999, 8999]) h.processWatermark(wm);
    }
    assert.deepEqual(fromBootstrap.output, fromJob.output);
    assert.deepEqual(sorted(fromBootstrap.records()), sorted([record(['a', 11], 2999), record(['b', 2], 2999), record(['a', 7], 5999), record(['c', 5], 8999)]));
    for (const h of [b, job, fromBootstrap, fromJob]) await h.close();
  });

  test("a checkpoint of the writing job mid-input holds the windows so far, its accumulators kept in memory too: restored, the bootstrap goes on and writes them all", async () => {
    const b = await new BootstrapHarness(tumbling()).open();
    b.processElement(['a', 1], 10);
    b.processElement(['a', 2], 20);
    b.processElement(['b', 4], 3010);
    const checkpoint = b.snapshot();
    await b.close();
    const again = await new BootstrapHarness(tumbling(), { restore: checkpoint }).open();
    again.processElement(['a', 8], 30);
    const w = await restored(tumbling(), again.end());
    w.processWatermark(5999);
    assert.deepEqual(sorted(w.records()), sorted([record(['a', 11], 2999), record(['b', 4], 5999)]));
    for (const h of [again, w]) await h.close();
  });

  test('allowed lateness: the cleanup timer is written at end + lateness, so late elements fire the window again until then, and are dropped after', async () => {
    const b = await new BootstrapHarness(tumbling(1000)).open();
    b.processElement(['k', 1], 10);
    const w = await restored(tumbling(1000), b.end());
    w.processWatermark(2999);
    w.processElement(['k', 1], 20); // late, within the lateness: fires again, with the bootstrapped element
    w.processWatermark(3999); // the cleanup timer: the window is gone
    w.processElement(['k', 1], 30);
    assert.deepEqual(w.records(), [record(['k', 1], 2999), record(['k', 2], 2999)]);
    assert.equal(w.operator.numLateRecordsDropped, 1);
    await w.close();
  });

  test('processing-time windows: windows by the writing clock, fired when the restored clock passes their end', async () => {
    const spec = windowSpec({ assigner: TumblingProcessingTimeWindows.of(Duration.ofSeconds(3)), contents: reduceWith(sumReducer) });
    const b = await new BootstrapHarness(spec).open();
    b.setProcessingTime(1000);
    b.processElement(['k', 1]);
    b.setProcessingTime(4000); // past [0, 3000): no firing
    b.processElement(['k', 2]);
    const w = await restored(spec, b.end());
    w.setProcessingTime(3000);
    assert.deepEqual(w.records(), [record(['k', 1], 2999)]);
    w.processElement(['k', 4]); // at 3000: into the bootstrapped [3000, 6000)
    w.setProcessingTime(5998);
    assert.equal(w.records().length, 1, 'not before the end');
    w.setProcessingTime(5999);
    assert.deepEqual(w.records(), [record(['k', 1], 2999), record(['k', 6], 5999)]);
    await w.close();
  });

  test('sessions merge as they come in; the restored session merges with new records', async () => {
    const spec = windowSpec({ assigner: EventTimeSessionWindows.withGap(Duration.ofSeconds(3)), fn: process(new SessionProcessWindowFunction()) });
    const b = await new BootstrapHarness(spec).open();
    b.processElement(['a', 1], 0);
    b.processElement(['a', 2], 2000); // [0, 5000)
    b.processElement(['b', 3], 10_000);
    const w = await restored(spec, b.end());
    w.processElement(['a', 4], 4000); // [4000, 7000) joins [0, 5000) into [0, 7000)
    w.processWatermark(6998);
    assert.deepEqual(w.records(), []);
    w.processWatermark(Number.MAX_SAFE_INTEGER);
    const fired = w.records().map((r) => r.value as T3);
    assert.deepEqual(fired, [['a-7', 0, 7000], ['b-3', 10_000, 13_000]]);
    await w.close();
  });
});
