/**
 * The restore's window check on real snapshots: a job's window operator ('w') savepointed with
 * its windows open, on either backend, then mapped (assignState, as `flink run -s` does before
 * anything starts) onto a job whose operator 'w' has other windowing. Refused in one line where
 * the job would misread the open windows; mapped where it reads them as written, where the
 * snapshot holds no open windows (drained) and where it recorded no encoding (older snapshots).
 * Incremental checkpoints too (whether windows are open is read through a base and its delta),
 * and the window operators windowAll and coGroup make.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DataStream, KeyedStream } from '../../src/api/index.js';
import { SnapshotRestoreError, type LoadedSnapshot, loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { assignState } from '../../src/checkpoint/state-assignment.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { WINDOW_CONTENTS_STATE } from '../../src/graph/index.js';
import {
  type Collector,
  CountEvictor,
  Duration,
  EventTimeSessionWindows,
  ProcessWindowFunction,
  SlidingEventTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
} from '../../src/index.js';
import type { StateFileContent } from '../../src/state/index.js';
import { capturePipeline } from '../helpers/run-job.js';
import { punctuatedWatermarks, snapshotOf } from '../state-processor/snapshot-of.js';

interface Rec {
  readonly v: number;
  readonly ts: number;
  readonly wm?: number;
}
type Windowing = (keyed: KeyedStream<number, number>) => { uid(id: string): unknown };

/** Records 1..6 at event times 0..5, keyed by parity: open windows of every assigner below. */
const RECORDS: readonly Rec[] = [1, 2, 3, 4, 5, 6].map((v) => ({ v, ts: v - 1 }));
/** ... and then a watermark at the end of time: every event-time window fired and cleaned up, as in a drained savepoint. */
const DRAINED: readonly Rec[] = [...RECORDS, { v: 7, ts: 6, wm: Number.MAX_SAFE_INTEGER }];

const ms = Duration.ofMillis;
const sum = (a: number, b: number) => a + b;
const sumAgg = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };
class Elements extends ProcessWindowFunction<number, number, number, TimeWindow> {
  process(): void {}
}

const tumbling10: Windowing = (k) => k.window(TumblingEventTimeWindows.of(ms(10))).reduce(sum);
const W: Record<string, Windowing> = {
  tumbling10,
  tumbling20: (k) => k.window(TumblingEventTimeWindows.of(ms(20))).reduce(sum),
  tumbling10offset: (k) => k.window(TumblingEventTimeWindows.of(ms(10), ms(5))).reduce(sum),
  sliding10by5: (k) => k.window(SlidingEventTimeWindows.of(ms(10), ms(5))).reduce(sum),
  sliding20by10: (k) => k.window(SlidingEventTimeWindows.of(ms(20), ms(10))).reduce(sum),
  sessions: (k) => k.window(EventTimeSessionWindows.withGap(ms(10))).reduce(sum),
  sessions30: (k) => k.window(EventTimeSessionWindows.withGap(ms(30))).reduce(sum),
  aggregate10: (k) => k.window(TumblingEventTimeWindows.of(ms(10))).aggregate(sumAgg),
  process10: (k) => k.window(TumblingEventTimeWindows.of(ms(10))).process(new Elements()),
  evicting10: (k) => k.window(TumblingEventTimeWindows.of(ms(10))).evictor(CountEvictor.of(2)).process(new Elements()),
  count5: (k) => k.countWindow(5).reduce(sum),
  count10: (k) => k.countWindow(10).reduce(sum),
  count5by2: (k) => k.countWindow(5, 2).reduce(sum),
};

/** A savepoint of `windowing` over `records` as operator 'w' (parallelism 2) on `backend`. */
function savepointOf(windowing: Windowing, backend: 'hashmap' | 'lmdb', records: readonly Rec[] = RECORDS): Promise<string> {
  return snapshotOf(records, (_, input) => void windowed(input, windowing, 'w'), { backend });
}

function windowed(input: DataStream<Rec>, windowing: Windowing, uid: string): void {
  const keyed = input
    .assignTimestampsAndWatermarks(punctuatedWatermarks<Rec>())
    .map((r) => r.v)
    .keyBy((v) => v % 2);
  (windowing(keyed).uid(uid) as { setParallelism(p: number): unknown }).setParallelism(2);
}

/** Maps `snapshot` onto the job with `windowing` as operator `uid` (its source is gone: -n, which must not matter to the check). */
function restoreInto(snapshot: LoadedSnapshot, windowing: Windowing, uid = 'w'): void {
  const graph = compilePipeline(
    capturePipeline((env) => windowed(env.fromElements<Rec>({ v: 1, ts: 0 }), windowing, uid)),
    { parallelism: 1 },
  );
  assignState(snapshot, graph, { allowNonRestoredState: true });
}

function refusal(snapshot: LoadedSnapshot, windowing: Windowing): SnapshotRestoreError {
  try {
    restoreInto(snapshot, windowing);
  } catch (err) {
    assert.ok(err instanceof SnapshotRestoreError, String(err));
    assert.equal(err.code, 'snapshot.windowMismatch');
    assert.ok(!err.message.includes('\n'), err.message);
    return err;
  }
  assert.fail('the restore should be refused');
}

/** The ways out every refusal names. */
const WAYS_OUT =
  /Restore with the windowing the snapshot was taken with, or start without -s; -n does not drop these windows while the job has an operator 'w': to drop only them, give the window operator a new uid and run with -n\. A savepoint of `flink stop --drain` fires every event-time window first, so one of event-time windows restores into any windowing\.$/;

for (const backend of ['hashmap', 'lmdb'] as const) {
  describe(`a window operator's savepoint with open windows (${backend})`, () => {
    test('10 ms tumbling windows into 20 ms: refused in one line naming the uid, both windowings and the ways out (-n alone does not help)', async () => {
      const sp = loadSnapshot(await savepointOf(tumbling10, backend));
      const e = refusal(sp, W.tumbling20!);
      assert.ok(
        e.message.startsWith(
          `Cannot restore operator 'w' from ${sp.dir}: it holds open 10 ms tumbling event-time windows, and the job's operator now has 20 ms tumbling event-time windows, which would read them as other windows. `,
        ),
        e.message,
      );
      assert.match(e.message, WAYS_OUT);
    });

    test('into the same windows, an offset or a sliding assigner of the same size: mapped (the same namespaces, old windows keep their bounds)', async () => {
      const sp = loadSnapshot(await savepointOf(tumbling10, backend));
      for (const same of [tumbling10, W.tumbling10offset!, W.sliding10by5!]) restoreInto(sp, same);
    });

    test('a new uid for the window operator, with -n: mapped without its windows (the way out the refusal names)', async () => {
      const sp = loadSnapshot(await savepointOf(tumbling10, backend));
      restoreInto(sp, W.tumbling20!, 'w-20ms');
    });
  });
}

describe('every windowing change that misreads open windows is refused', () => {
  const refused: Array<[string, Windowing, Windowing, RegExp]> = [
    ['tumbling into sliding windows of another size', tumbling10, W.sliding20by10!, /open 10 ms tumbling event-time windows, and the job's operator now has 20 ms event-time windows sliding by 10 ms, which would read them as other windows/],
    ['tumbling windows into sessions', tumbling10, W.sessions!, /open 10 ms tumbling event-time windows, and the job's operator now has event-time sessions with a 10 ms gap, which/],
    ['sessions into tumbling windows', W.sessions!, tumbling10, /open event-time sessions with a 10 ms gap, and the job's operator now has 10 ms tumbling event-time windows, which/],
    ['tumbling into count (global) windows', tumbling10, W.count10!, /now has global windows \(GlobalWindows or countWindow\)/],
    ['count windows into tumbling windows', W.count5!, tumbling10, /open global windows \(GlobalWindows or countWindow\), and the job's operator now has 10 ms tumbling/],
    ['an evictor added', W.process10!, W.evicting10!, /open windows of an operator that keeps its windows' elements \(\.process or \.apply\), and the job's operator now keeps its windows' elements for an evictor \(\.evictor\), which cannot read them/],
    ['an evictor dropped', W.evicting10!, W.process10!, /an operator that keeps its windows' elements for an evictor \(\.evictor\), and the job's operator now keeps its windows' elements \(\.process or \.apply\)/],
    ['countWindow(5) into countWindow(5, 2) (an evictor)', W.count5!, W.count5by2!, /reduces its windows \(\.reduce\), and the job's operator now keeps its windows' elements for an evictor/],
    ['reduce into aggregate', tumbling10, W.aggregate10!, /reduces its windows \(\.reduce\), and the job's operator now aggregates its windows \(\.aggregate\)/],
  ];
  for (const [name, from, to, message] of refused) {
    test(name, async () => {
      const e = refusal(loadSnapshot(await savepointOf(from, 'hashmap')), to);
      assert.match(e.message, message);
      assert.match(e.message, WAYS_OUT);
    });
  }

  test("a session gap changed, countWindow(5) into countWindow(10): mapped (sessions keep their bounds; a count window's trigger counts on)", async () => {
    restoreInto(loadSnapshot(await savepointOf(W.sessions!, 'hashmap')), W.sessions30!);
    restoreInto(loadSnapshot(await savepointOf(W.count5!, 'hashmap')), W.count10!);
  });
});

for (const backend of ['hashmap', 'lmdb'] as const) {
  describe(`incremental checkpoints: a base and a delta (${backend})`, () => {
    /** The last of checkpoints taken once `at` records were emitted, incremental: its state is a full base then a delta, per subtask. */
    const checkpointOf = async (records: readonly Rec[], at: readonly number[]) => {
      const cp = loadSnapshot(await snapshotOf(records, (_, input) => void windowed(input, tumbling10, 'w'), { backend, incremental: true, checkpointsAt: at }));
      for (const f of cp.files.get('w')!.values()) assert.deepEqual(f.keyGroups.map((b) => b.delta), [false, true], 'one base and one delta');
      return cp;
    };

    test('windows open in the base and the delta: refused into 20 ms windows, mapped into 10 ms ones', async () => {
      const cp = await checkpointOf(RECORDS, [3, 6]);
      restoreInto(cp, tumbling10);
      assert.match(refusal(cp, W.tumbling20!).message, /it holds open 10 ms tumbling event-time windows, and the job's operator now has 20 ms tumbling event-time windows/);
    });

    test('every window of the base fired and was cleaned up in the delta: mapped into any windowing', async () => {
      // The delta deletes what the base holds: the windows' contents and timers.
      const cp = await checkpointOf(DRAINED, [6, 7]);
      for (const other of [W.tumbling20!, W.sessions!]) restoreInto(cp, other);
    });
  });
}

describe('the window operators of windowAll and coGroup', () => {
  /** A graph of `build` over one record, to map snapshots onto. */
  const graphOf = (build: (input: DataStream<Rec>) => void) => compilePipeline(capturePipeline((env) => build(env.fromElements<Rec>({ v: 1, ts: 0 }))), { parallelism: 2 });
  const events = (input: DataStream<Rec>) => input.assignTimestampsAndWatermarks(punctuatedWatermarks<Rec>());

  test('windowAll: refused into another size, mapped into the same', async () => {
    const windowAll = (size: number) => (input: DataStream<Rec>) =>
      void events(input).map((r) => r.v).windowAll(TumblingEventTimeWindows.of(ms(size))).reduce(sum).uid('w');
    const sp = loadSnapshot(await snapshotOf(RECORDS, (_, input) => windowAll(10)(input)));
    assignState(sp, graphOf(windowAll(10)), { allowNonRestoredState: true });
    assert.throws(() => assignState(sp, graphOf(windowAll(20)), { allowNonRestoredState: true }), (e: SnapshotRestoreError) => e.code === 'snapshot.windowMismatch');
  });

  test('coGroup of two inputs (its window operator keeps both sides\' elements): refused into another size, mapped into the same', async () => {
    const coGroup = (size: number) => (input: DataStream<Rec>) => {
      const s = events(input);
      void s
        .coGroup(s.map((r) => ({ v: r.v * 10, ts: r.ts })))
        .where((r) => r.v % 2)
        .equalTo((r) => (r.v / 10) % 2)
        .window(TumblingEventTimeWindows.of(ms(size)))
        .apply((a: Iterable<Rec>, b: Iterable<Rec>, out: Collector<string>) => out.collect(`${[...a].length},${[...b].length}`))
        .uid('w');
    };
    const sp = loadSnapshot(await snapshotOf(RECORDS, (_, input) => coGroup(10)(input)));
    assignState(sp, graphOf(coGroup(10)), { allowNonRestoredState: true });
    assert.throws(
      () => assignState(sp, graphOf(coGroup(20)), { allowNonRestoredState: true }),
      (e: SnapshotRestoreError) => e.code === 'snapshot.windowMismatch' && /it holds open 10 ms tumbling event-time windows/.test(e.message),
    );
  });
});

describe('restored as before', () => {
  test('a savepoint whose every window fired and was cleaned up (a drained one) maps onto any windowing', async () => {
    const sp = loadSnapshot(await savepointOf(tumbling10, 'lmdb', DRAINED));
    for (const other of [W.tumbling20!, W.sessions!, W.evicting10!]) restoreInto(sp, other);
    // (Its operator did keep windows: the check passed for want of open ones, not of a window operator.)
    assert.ok([...sp.files.get('w')!.values()].some((f) => f.kinds[WINDOW_CONTENTS_STATE] !== undefined));
  });

  test('a snapshot that recorded no window encoding (written before it was) maps as it always did', async () => {
    const sp = loadSnapshot(await savepointOf(tumbling10, 'hashmap'));
    refusal(sp, W.tumbling20!);
    restoreInto(withoutRecordedEncoding(sp), W.tumbling20!);
  });
});

/** `snapshot` as a flink-ts from before the window encoding was recorded wrote it: the contents' serializer without its config. */
function withoutRecordedEncoding(snapshot: LoadedSnapshot): LoadedSnapshot {
  const strip = (f: StateFileContent): StateFileContent => {
    const meta = f.kinds[WINDOW_CONTENTS_STATE];
    if (meta === undefined) return f;
    const { config: _config, ...serializer } = meta.serializer;
    return { ...f, kinds: { ...f.kinds, [WINDOW_CONTENTS_STATE]: { ...meta, serializer } } };
  };
  return { ...snapshot, files: new Map([...snapshot.files].map(([uid, byTask]) => [uid, new Map([...byTask].map(([i, f]) => [i, strip(f)]))])) };
}
