/*
 * The window operator keeps the merging-window set it loaded for a key and uses it again for
 * the key's next record or timer instead of reading the state afresh. These runs check what
 * that must never change: sessions are per key (also between keys of one key group), and the
 * set in state — what snapshots carry, restores read and the State Processor lists — is after
 * every step what reading it for each record would leave there, order included.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MERGING_WINDOW_SET_STATE } from '../../../../src/runtime/operators/window/window-operator.js';
import { type ListState, ListStateDescriptor, assignToKeyGroup } from '../../../../src/state/index.js';
import { Duration } from '../../../../src/util/time.js';
import { EventTimeSessionWindows, type WindowMappingEntry } from '../../../../src/windowing/index.js';
import { BACKENDS } from '../../../state/backends.js';
import { apply, assertOutputEqualsSorted, key0, sessionWindowFunction, windowSpec } from './window-fixtures.js';
import { type OutputElement, WindowHarness, record, watermark } from './window-harness.js';

const spec = windowSpec({ assigner: EventTimeSessionWindows.withGap(Duration.ofSeconds(3)), fn: apply(sessionWindowFunction) });

/** The merging-window set of `key` as stored: [session, its state window] namespaces, in stored order. */
function stored(h: WindowHarness, key: string): WindowMappingEntry[] {
  h.backend.setCurrentKey(key);
  const sets = h.backend.getOrCreateState<ListState<WindowMappingEntry>>(new ListStateDescriptor<WindowMappingEntry>(MERGING_WINDOW_SET_STATE));
  return sets.get().map(([w, s]) => [w, s]);
}

/** Another key than `key` in the same key group (of the harness's 128). */
function sameKeyGroupAs(key: string): string {
  const group = assignToKeyGroup(key, 128);
  for (let i = 0; ; i++) if (`k${i}` !== key && assignToKeyGroup(`k${i}`, 128) === group) return `k${i}`;
}

for (const backend of BACKENDS) {
  describe(`window operator: the merging-window set kept between records [${backend}]`, () => {
    test('two keys of one key group, their records alternating, keep their own sessions', async () => {
      const a = 'a';
      const b = sameKeyGroupAs(a);
      const h = await new WindowHarness(spec, key0, { backend }).open();
      h.processElement([a, 1], 0);
      h.processElement([b, 10], 1000);
      h.processElement([a, 2], 2000);
      h.processElement([b, 20], 10000);
      h.processElement([a, 3], 4500);
      assert.deepEqual(stored(h, a), [['0:7500', '0:3000']]);
      assert.deepEqual(stored(h, b), [['1000:4000', '1000:4000'], ['10000:13000', '10000:13000']]);
      h.processWatermark(20000);
      const expected: OutputElement[] = [record([`${a}-6`, 0, 7500], 7499), record([`${b}-10`, 1000, 4000], 3999), record([`${b}-20`, 10000, 13000], 12999), watermark(20000)];
      assertOutputEqualsSorted(h.output, expected);
      assert.deepEqual(stored(h, a), []);
      assert.deepEqual(stored(h, b), []);
      await h.close();
    });

    test("a session its timer cleaned up is gone from the key's stored set at once, and from its next records", async () => {
      const h = await new WindowHarness(spec, key0, { backend }).open();
      h.processElement(['a', 1], 0);
      h.processWatermark(3500); // fires [0, 3000) and cleans it up (no allowed lateness)
      assert.deepEqual(stored(h, 'a'), []);
      h.processElement(['a', 2], 5000);
      h.processElement(['b', 7], 5000);
      h.processElement(['a', 3], 6000);
      assert.deepEqual(stored(h, 'a'), [['5000:9000', '5000:8000']]);
      h.processWatermark(20000);
      assertOutputEqualsSorted(h.output, [
        record(['a-1', 0, 3000], 2999),
        watermark(3500),
        record(['a-5', 5000, 9000], 8999),
        record(['b-7', 5000, 8000], 7999),
        watermark(20000),
      ]);
      await h.close();
    });

    test('a record inside a session, which changes nothing stored, leaves the stored order for the next write', async () => {
      const h = await new WindowHarness(spec, key0, { backend }).open();
      for (const t of [0, 10000, 1000, 20000]) h.processElement(['a', 1], t);
      // [0, 4000) merged from [0, 3000) and [1000, 4000), and moved behind [10000, 13000) as it did
      const before: WindowMappingEntry[] = [['10000:13000', '10000:13000'], ['0:4000', '0:3000'], ['20000:23000', '20000:23000']];
      assert.deepEqual(stored(h, 'a'), before);
      h.processElement(['a', 1], 500); // [500, 3500) falls inside [0, 4000)
      assert.deepEqual(stored(h, 'a'), before);
      h.processElement(['a', 1], 30000);
      assert.deepEqual(stored(h, 'a'), [...before, ['30000:33000', '30000:33000']]);
      h.processWatermark(40000);
      assertOutputEqualsSorted(h.output, [
        record(['a-3', 0, 4000], 3999),
        record(['a-1', 10000, 13000], 12999),
        record(['a-1', 20000, 23000], 22999),
        record(['a-1', 30000, 33000], 32999),
        watermark(40000),
      ]);
      await h.close();
    });
  });
}
