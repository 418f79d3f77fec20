import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration } from '../../src/util/time.js';
import {
  EventTimeSessionWindows,
  type MergeCallback,
  MergingWindowSet,
  type MergingWindowSetState,
  TimeWindow,
  TimeWindowBoundsSerializer,
  WindowDataError,
  type WindowMappingEntry,
  type WindowMerger,
} from '../../src/windowing/index.js';

const w = (start: number, end: number) => new TimeWindow(start, end);
const sessions = EventTimeSessionWindows.withGap(Duration.ofMillis(3));

/** A list state in memory that records every write. */
class FakeState implements MergingWindowSetState {
  readonly writes: WindowMappingEntry[][] = [];
  constructor(private entries: WindowMappingEntry[] = []) {}
  get(): readonly WindowMappingEntry[] {
    return this.entries;
  }
  update(entries: Iterable<WindowMappingEntry>): void {
    this.entries = [...entries];
    this.writes.push(this.entries);
  }
}

/**
 * Flink's NonEagerlyMergingWindowAssigner (MergingWindowSetTest): merges the windows that start
 * inside the earliest one into a window one longer, even when the new window is not among them.
 */
const nonEager: WindowMerger<TimeWindow> = {
  getWindowSerializer: () => TimeWindowBoundsSerializer.INSTANCE,
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>) {
    const earliest = windows.reduce((a, b) => (b.start < a.start ? b : a));
    const associated = windows.filter((x) => x.start < earliest.end && x.start >= earliest.start);
    if (associated.length > 1) callback(associated, w(earliest.start, earliest.end + 1));
  },
};

interface Merge {
  target: TimeWindow;
  sources: TimeWindow[];
  stateWindow: TimeWindow;
  mergedStateWindows: TimeWindow[];
}

/**
 * Steps: add a window (expecting the window it ends up in and the merge, if any, the merge
 * function sees), look up a state window, retire a window.
 */
type Step =
  | ['add', TimeWindow, TimeWindow, Merge | null]
  | ['state', TimeWindow, TimeWindow | undefined]
  | ['retire', TimeWindow];

function run(merger: WindowMerger<TimeWindow>, steps: Step[]): void {
  const set = new MergingWindowSet(merger, new FakeState());
  steps.forEach((step, i) => {
    const at = `step ${i + 1}: ${step[0]} ${String(step[1])}`;
    if (step[0] === 'add') {
      const merges: Merge[] = [];
      const result = set.addWindow(step[1], (target, sources, stateWindow, mergedStateWindows) => merges.push({ target, sources, stateWindow, mergedStateWindows }));
      assert.equal(String(result), String(step[2]), at);
      const show = (m: Merge) => ({ target: String(m.target), sources: m.sources.map(String).sort(), stateWindow: String(m.stateWindow), mergedStateWindows: m.mergedStateWindows.map(String).sort() });
      assert.deepEqual(merges.map(show), step[3] ? [show(step[3])] : [], at);
      assert.ok(set.getStateWindow(result) !== undefined, `${at}: the result has a state window`);
    } else if (step[0] === 'state') {
      assert.equal(String(set.getStateWindow(step[1])), String(step[2]), at);
    } else {
      set.retireWindow(step[1]);
    }
  });

}

// Flink MergingWindowSetTest. Where Flink lets the state window be any of the merged windows'
// ("anyOf"), the set here takes the earliest-starting one's, so a restored run picks the same.
describe('MergingWindowSet', () => {
  test('non-eager merging keeps every added window reachable (testNonEagerMerging)', () =>
    run(nonEager, [
      ['add', w(0, 2), w(0, 2), null],
      ['add', w(2, 5), w(2, 5), null],
      ['add', w(1, 2), w(0, 3), { target: w(0, 3), sources: [w(0, 2)], stateWindow: w(0, 2), mergedStateWindows: [] }],
      ['add', w(10, 12), w(10, 12), { target: w(0, 4), sources: [w(2, 5), w(0, 3)], stateWindow: w(2, 5), mergedStateWindows: [w(0, 2)] }],
      ['state', w(0, 4), w(2, 5)],
      ['state', w(10, 12), w(10, 12)],
    ]));

  test('incremental merging keeps the first state window (testIncrementalMerging)', () =>
    run(sessions, [
      ['add', w(0, 4), w(0, 4), null],
      ['state', w(0, 4), w(0, 4)],
      ['add', w(0, 4), w(0, 4), null],
      ['add', w(3, 5), w(0, 5), { target: w(0, 5), sources: [w(0, 4)], stateWindow: w(0, 4), mergedStateWindows: [] }],
      ['add', w(4, 6), w(0, 6), { target: w(0, 6), sources: [w(0, 5)], stateWindow: w(0, 4), mergedStateWindows: [] }],
      ['state', w(0, 6), w(0, 4)],
      // windows inside the merged one change nothing
      ['add', w(1, 4), w(0, 6), null],
      ['add', w(0, 4), w(0, 6), null],
      ['add', w(3, 5), w(0, 6), null],
      ['add', w(4, 6), w(0, 6), null],
      ['state', w(0, 6), w(0, 4)],
      // a second session
      ['add', w(11, 14), w(11, 14), null],
      ['state', w(0, 6), w(0, 4)],
      ['state', w(11, 14), w(11, 14)],
      ['add', w(10, 13), w(10, 14), { target: w(10, 14), sources: [w(11, 14)], stateWindow: w(11, 14), mergedStateWindows: [] }],
      ['add', w(12, 15), w(10, 15), { target: w(10, 15), sources: [w(10, 14)], stateWindow: w(11, 14), mergedStateWindows: [] }],
      ['add', w(11, 14), w(10, 15), null],
      ['state', w(0, 6), w(0, 4)],
      ['state', w(10, 15), w(11, 14)],
      ['retire', w(0, 6)],
      ['state', w(0, 6), undefined],
      ['state', w(10, 15), w(11, 14)],
    ]));

  test('a late window joins sessions that were apart (testLateMerging)', () =>
    run(sessions, [
      ['add', w(0, 3), w(0, 3), null],
      ['add', w(5, 8), w(5, 8), null],
      ['add', w(10, 13), w(10, 13), null],
      ['add', w(8, 10), w(5, 13), { target: w(5, 13), sources: [w(5, 8), w(10, 13)], stateWindow: w(5, 8), mergedStateWindows: [w(10, 13)] }],
      ['state', w(0, 3), w(0, 3)],
      ['add', w(5, 8), w(5, 13), null],
      ['add', w(8, 10), w(5, 13), null],
      ['add', w(10, 13), w(5, 13), null],
      ['state', w(5, 13), w(5, 8)],
      ['add', w(3, 5), w(0, 13), { target: w(0, 13), sources: [w(0, 3), w(5, 13)], stateWindow: w(0, 3), mergedStateWindows: [w(5, 8)] }],
      ['state', w(0, 13), w(0, 3)],
    ]));

  test('a new window covering one window takes its state window (testMergeLargeWindowCoveringSingleWindow)', () =>
    run(sessions, [
      ['add', w(1, 2), w(1, 2), null],
      ['add', w(0, 3), w(0, 3), { target: w(0, 3), sources: [w(1, 2)], stateWindow: w(1, 2), mergedStateWindows: [] }],
      ['state', w(0, 3), w(1, 2)],
    ]));

  test('an identical window causes no merge (testAddingIdenticalWindows)', () =>
    run(sessions, [
      ['add', w(1, 2), w(1, 2), null],
      ['state', w(1, 2), w(1, 2)],
      ['add', w(1, 2), w(1, 2), null],
      ['state', w(1, 2), w(1, 2)],
    ]));

  test('a new window covering several merges them all (testMergeLargeWindowCoveringMultipleWindows)', () =>
    run(sessions, [
      ['add', w(1, 3), w(1, 3), null],
      ['add', w(5, 8), w(5, 8), null],
      ['add', w(10, 13), w(10, 13), null],
      ['add', w(0, 13), w(0, 13), { target: w(0, 13), sources: [w(1, 3), w(5, 8), w(10, 13)], stateWindow: w(1, 3), mergedStateWindows: [w(5, 8), w(10, 13)] }],
      ['state', w(0, 13), w(1, 3)],
    ]));

  // Differs from Flink on purpose: Flink re-points a merged window at itself when a new window
  // equals it exactly (possible with dynamic gaps), orphaning the contents in its state window.
  test('a new window equal to a merged one keeps the merged state window', () =>
    run(sessions, [
      ['add', w(0, 4), w(0, 4), null],
      ['add', w(3, 7), w(0, 7), { target: w(0, 7), sources: [w(0, 4)], stateWindow: w(0, 4), mergedStateWindows: [] }],
      ['add', w(0, 7), w(0, 7), null],
      ['state', w(0, 7), w(0, 4)],
    ]));

  test('an assigner reporting the new window merged only with copies of itself merges nothing', () => {
    const selfMerging: WindowMerger<TimeWindow> = {
      getWindowSerializer: () => TimeWindowBoundsSerializer.INSTANCE,
      mergeWindows: (windows, callback) => callback([windows.at(-1)!, windows.at(-1)!], w(0, 99)),
    };
    run(selfMerging, [['add', w(1, 2), w(1, 2), null], ['state', w(0, 99), undefined]]);
  });

  test('retiring a window that is not in flight is a bug and says so', () => {
    const set = new MergingWindowSet(sessions, new FakeState());
    assert.throws(() => set.retireWindow(w(0, 1)), /TimeWindow\{start=0, end=1\} is not in the in-flight window set/);
  });
});

describe('MergingWindowSet state', () => {
  test('restores the mapping from state (testRestoreFromState)', () => {
    const set = new MergingWindowSet(sessions, new FakeState([['17:42', '42:17'], ['1:2', '3:4']]));
    assert.equal(String(set.getStateWindow(w(17, 42))), String(w(42, 17)));
    assert.equal(String(set.getStateWindow(w(1, 2))), String(w(3, 4)));
  });

  test('persist writes the changed mapping once, as namespaces (testPersist)', () => {
    const state = new FakeState();
    const set = new MergingWindowSet(sessions, state);
    set.addWindow(w(1, 2), () => assert.fail('no merge'));
    set.addWindow(w(17, 42), () => assert.fail('no merge'));
    set.persist();
    assert.deepEqual(state.writes, [[['1:2', '1:2'], ['17:42', '17:42']]]);
  });

  const unchanged: Array<[string, (set: MergingWindowSet<TimeWindow>) => void]> = [
    ['nothing was done (testPersistOnlyIfHaveUpdates)', () => {}],
    ['an in-flight window was added again', (set) => set.addWindow(w(1, 2), () => assert.fail('no merge'))],
    ['a window was added and retired', (set) => { set.addWindow(w(100, 103), () => {}); set.retireWindow(w(100, 103)); }],
  ];
  for (const [name, act] of unchanged) {
    test(`persist writes nothing when ${name}`, () => {
      const state = new FakeState([['17:42', '42:17'], ['1:2', '3:4']]);
      const set = new MergingWindowSet(sessions, state);
      act(set);
      set.persist();
      assert.deepEqual(state.writes, []);
    });
  }

  test('a merge written and read back gives the same state windows (what a restore sees)', () => {
    const state = new FakeState();
    const before = new MergingWindowSet(sessions, state);
    before.addWindow(w(0, 3), () => {});
    before.addWindow(w(5, 8), () => {});
    before.addWindow(w(3, 5), () => {});
    before.persist();
    const after = new MergingWindowSet(sessions, state);
    assert.equal(String(after.getStateWindow(w(0, 8))), String(w(0, 3)));
    // and merging goes on from there: the restored session grows, keeping its state window
    const merges: string[] = [];
    assert.equal(String(after.addWindow(w(8, 11), (t, _s, sw) => merges.push(`${String(t)} in ${String(sw)}`))), String(w(0, 11)));
    assert.deepEqual(merges, [`${String(w(0, 11))} in ${String(w(0, 3))}`]);
  });

  test('a set loaded again reads the state afresh: nothing of what it held before (the operator reuses one set per key)', () => {
    const state = new FakeState([['0:3', '0:3'], ['10:13', '10:13'], ['20:23', '20:23']]);
    const set = new MergingWindowSet(sessions, state);
    set.addWindow(w(3, 6), () => {}); // merges into 0:6, moved behind the others
    assert.equal(String(set), `MergingWindowSet{${String(w(10, 13))} -> ${String(w(10, 13))}, ${String(w(20, 23))} -> ${String(w(20, 23))}, ${String(w(0, 6))} -> ${String(w(0, 3))}}`);
    // another key's state, with fewer windows: none of the first key's are left in the set
    const other = new FakeState([['5:8', '1:2']]);
    (set as unknown as { state: FakeState }).state = other;
    set.load();
    assert.equal(String(set), `MergingWindowSet{${String(w(5, 8))} -> ${String(w(1, 2))}}`);
    assert.equal(set.getStateWindow(w(10, 13)), undefined);
    set.persist();
    assert.deepEqual(other.writes, [], 'unchanged since the load');
    assert.equal(String(set.addWindow(w(8, 9), () => {})), String(w(5, 9)));
    set.persist();
    assert.deepEqual(other.writes, [[['5:9', '1:2']]]);
  });

  test('after persist the set holds what it wrote: going back to what was read first is written too', () => {
    const state = new FakeState();
    const set = new MergingWindowSet(sessions, state);
    set.addWindow(w(0, 3), () => assert.fail('no merge'));
    set.persist();
    set.persist();
    set.retireWindow(w(0, 3));
    set.persist();
    assert.deepEqual(state.writes, [[['0:3', '0:3']], []]);
  });

  test('a merge into a window in flight that leaves the mapping as read writes nothing and keeps the order read', () => {
    const state = new FakeState([['0:4', '0:3'], ['10:13', '10:13']]);
    const set = new MergingWindowSet(sessions, state);
    assert.equal(String(set.addWindow(w(1, 4), () => assert.fail('nothing to merge: the window falls inside 0:4'))), String(w(0, 4)));
    set.persist();
    assert.deepEqual(state.writes, []);
    assert.equal(String(set), `MergingWindowSet{${String(w(0, 4))} -> ${String(w(0, 3))}, ${String(w(10, 13))} -> ${String(w(10, 13))}}`);
    // the set, used again without a load (the operator's next record of the key), writes from the stored order
    set.addWindow(w(20, 23), () => assert.fail('no merge'));
    set.persist();
    assert.deepEqual(state.writes, [[['0:4', '0:3'], ['10:13', '10:13'], ['20:23', '20:23']]]);
  });

  test('corrupt mapping data is refused, not guessed at', () => {
    assert.throws(() => new MergingWindowSet(sessions, new FakeState([['1:2', 7 as never]])), WindowDataError);
    assert.throws(() => new MergingWindowSet(sessions, new FakeState([['x', '1:2']])), WindowDataError);
  });
});
