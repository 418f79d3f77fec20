import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  UpdateType,
  ValueStateDescriptor,
  type AggregatingState,
  type KeyedStateBackend,
  type ListState,
  type MapState,
  type ReducingState,
  type State,
  type StateDescriptor,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Duration, Time } from '../../src/util/time.js';
import { BACKENDS, type BackendType, createBackend, snapshotInto, dumpTables } from './backends.js';

const TTL = 1000;

function setup(type: BackendType, cacheEntries?: number) {
  const clock = new ManualClock(10_000);
  const backend = createBackend(type, { clock, cacheEntries });
  return { clock, backend };
}

function ttl(b = StateTtlConfig.newBuilder(Time.milliseconds(TTL))) {
  return b;
}

function get<S extends State>(backend: KeyedStateBackend, d: StateDescriptor, key: unknown = 'k'): S {
  const s = backend.getOrCreateState<S>(d);
  backend.setCurrentKey(key);
  return s;
}

/** Restores `from`'s snapshot into a fresh backend of `type` on the same clock. */
/**
 * Keys 0–119 get v = k, k appended to l and m[first] = k; then, after `between`, the even keys
 * get -k-1 appended to l and m[second] = -k-1.
 */
function writeTwice(
  backend: KeyedStateBackend,
  { v, l, m }: { v: ValueState<number>; l: ListState<number>; m: MapState<string, number> },
  [first, second]: [string, string],
  between: () => void,
): void {
  for (let k = 0; k < 120; k++) {
    backend.setCurrentKey(k);
    v.update(k);
    l.add(k);
    m.put(first, k);
  }
  between();
  for (let k = 0; k < 120; k += 2) {
    backend.setCurrentKey(k);
    l.add(-k - 1);
    m.put(second, -k - 1);
  }
}

function snapshotRestore(from: KeyedStateBackend, clock: ManualClock, type: BackendType): KeyedStateBackend {
  return snapshotInto(from, type, { clock });
}


for (const type of BACKENDS) {
  describe(`state TTL [${type}]`, () => {
    test('OnCreateAndWrite: a value expires TTL after its last write; reads do not extend it', () => {
      const { clock, backend } = setup(type);
      const s = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('v', -1).enableTimeToLive(ttl().build()));
      s.update(1);
      clock.advance(600);
      assert.equal(s.value(), 1);
      clock.advance(399);
      assert.equal(s.value(), 1);
      clock.advance(1);
      assert.equal(s.value(), -1, 'expired at exactly TTL after the write: the default comes back');
      s.update(2);
      clock.advance(999);
      assert.equal(s.value(), 2);
    });

    test('OnReadAndWrite: every read extends the lifetime', () => {
      const { clock, backend } = setup(type);
      const d = new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().setUpdateType(UpdateType.OnReadAndWrite).build());
      const s = get<ValueState<number>>(backend, d);
      s.update(1);
      for (let i = 0; i < 5; i++) {
        clock.advance(900);
        assert.equal(s.value(), 1);
      }
      clock.advance(1000);
      assert.equal(s.value(), undefined);
    });

    test('OnReadAndWrite refreshes list elements and map entries on read', () => {
      const { clock, backend } = setup(type);
      const cfg = () => ttl().setUpdateType(UpdateType.OnReadAndWrite).build();
      const list = get<ListState<string>>(backend, new ListStateDescriptor<string>('l').enableTimeToLive(cfg()));
      const map = get<MapState<string, number>>(backend, new MapStateDescriptor<string, number>('m').enableTimeToLive(cfg()));
      list.add('a');
      map.put('a', 1);
      map.put('b', 2);
      for (let i = 0; i < 3; i++) {
        clock.advance(900);
        assert.deepEqual(list.get(), ['a']);
        assert.equal(map.get('a'), 1, 'reading one entry refreshes that entry only');
      }
      assert.equal(map.contains('b'), false);
      assert.deepEqual([...map.entries()], [['a', 1]]);
      clock.advance(TTL);
      assert.deepEqual(list.get(), []);
      assert.equal(map.isEmpty(), true);
    });

    test('visibility: NeverReturnExpired hides an expired value; ReturnExpiredIfNotCleanedUp returns it once', () => {
      const { clock, backend } = setup(type);
      const never = get<ValueState<string>>(backend, new ValueStateDescriptor<string>('never').enableTimeToLive(ttl().build()));
      const once = get<ValueState<string>>(
        backend,
        new ValueStateDescriptor<string>('once').enableTimeToLive(ttl().setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp).build()),
      );
      never.update('a');
      once.update('b');
      clock.advance(TTL);
      assert.equal(never.value(), undefined);
      assert.equal(once.value(), 'b', 'not cleaned up yet: returned');
      assert.equal(once.value(), undefined, 'the read cleaned it up');
    });

    test('list elements and map entries expire one by one', () => {
      const { clock, backend } = setup(type);
      const list = get<ListState<string>>(backend, new ListStateDescriptor<string>('l').enableTimeToLive(ttl().build()));
      const map = get<MapState<string, number>>(backend, new MapStateDescriptor<string, number>('m').enableTimeToLive(ttl().build()));
      list.add('old');
      map.put('old', 1);
      clock.advance(600);
      list.add('new');
      map.put('new', 2);
      assert.deepEqual(list.get(), ['old', 'new']);
      clock.advance(400);
      assert.deepEqual(list.get(), ['new']);
      assert.equal(map.get('old'), undefined);
      assert.equal(map.contains('new'), true);
      assert.deepEqual([...map.entries()], [['new', 2]]);
      clock.advance(600);
      assert.deepEqual(list.get(), []);
      assert.equal(map.isEmpty(), true);
    });

    test('reducing and aggregating states start over once their value expired', () => {
      const { clock, backend } = setup(type);
      const sum = get<ReducingState<number>>(backend, new ReducingStateDescriptor<number>('sum', (a, b) => a + b).enableTimeToLive(ttl().build()));
      const cnt = get<AggregatingState<number, number>>(
        backend,
        new AggregatingStateDescriptor<number, number, number>('count', { createAccumulator: () => 0, add: (_v, a) => a + 1, getResult: (a) => a }).enableTimeToLive(
          ttl().build(),
        ),
      );
      sum.add(5);
      cnt.add(5);
      clock.advance(500);
      sum.add(5);
      cnt.add(5);
      assert.equal(sum.get(), 10);
      assert.equal(cnt.get(), 2);
      clock.advance(TTL);
      sum.add(1);
      cnt.add(1);
      assert.equal(sum.get(), 1);
      assert.equal(cnt.get(), 1);
    });

    test('expiry holds for many keys (lmdb: values written out to disk keep their timestamps)', () => {
      const { clock, backend } = setup(type);
      const s = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build()));
      const l = get<ListState<number>>(backend, new ListStateDescriptor<number>('l').enableTimeToLive(ttl().build()));
      for (let k = 0; k < 200; k++) {
        backend.setCurrentKey(k);
        s.update(k);
        l.add(k);
        if (k === 99) clock.advance(500);
      }
      clock.advance(499);
      for (let k = 0; k < 200; k++) {
        backend.setCurrentKey(k);
        assert.equal(s.value(), k);
        l.add(-k - 1);
      }
      clock.advance(1);
      for (let k = 0; k < 200; k++) {
        backend.setCurrentKey(k);
        assert.equal(s.value(), k < 100 ? undefined : k, `key ${k}`);
        assert.deepEqual(l.get(), k < 100 ? [-k - 1] : [k, -k - 1], `key ${k}`);
      }
    });

    test('TTL timestamps survive snapshot and restore', () => {
      const { clock, backend } = setup(type);
      const d = () => new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build());
      get<ValueState<number>>(backend, d()).update(7);
      clock.advance(700);
      const restored = snapshotRestore(backend, clock, type);
      const s = get<ValueState<number>>(restored, d());
      assert.equal(s.value(), 7);
      clock.advance(300);
      assert.equal(s.value(), undefined, 'expires at the original time, not TTL after the restore');
    });

    test('cleanupFullSnapshot: expired entries never reach a snapshot', () => {
      const { clock, backend } = setup(type);
      const d = () => new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().cleanupFullSnapshot().build());
      const s = get<ValueState<number>>(backend, d(), 'a');
      s.update(1);
      clock.advance(500);
      backend.setCurrentKey('b');
      s.update(2);
      clock.advance(600); // 'a' is expired (but still stored), 'b' is not
      const snap = backend.snapshot(1);
      snap.encodeUntil(Infinity, () => 0);
      const entries = snap.keyGroups().length;
      assert.equal(entries, 1, 'only the key group of b is in the snapshot');
      const plain = createBackend(type, { clock });
      get<ValueState<number>>(plain, new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build()), 'a').update(1);
      clock.advance(TTL);
      const s2 = plain.snapshot(2);
      s2.encodeUntil(Infinity, () => 0);
      assert.equal(s2.keyGroups().length, 1, 'without cleanupFullSnapshot the expired value is still written');
    });

    test('cleanupFullSnapshot drops expired list elements and map entries, keeps the live ones', () => {
      const { clock, backend } = setup(type);
      const cfg = () => ttl().cleanupFullSnapshot().build();
      const list = get<ListState<string>>(backend, new ListStateDescriptor<string>('l').enableTimeToLive(cfg()));
      const map = get<MapState<string, number>>(backend, new MapStateDescriptor<string, number>('m').enableTimeToLive(cfg()));
      list.add('old');
      map.put('old', 1);
      clock.advance(600);
      list.add('new');
      map.put('new', 2);
      clock.advance(400);
      const restored = snapshotRestore(backend, clock, type);
      const stored = dumpTables(restored);
      assert.deepEqual(stored['l'], [[stored['l']![0]![0], 'k', [['new', 10_600]]]]);
      assert.deepEqual(stored['m'], [[stored['m']![0]![0], 'k', new Map([['new', [2, 10_600]]])]]);
    });

    test('cleanupIncrementally: bounded cleanup on access and, optionally, per record', () => {
      // A cache that holds every key: the lmdb store also drops expired entries in the background
      // whenever its cache is flushed, which would blur this measurement of the per-record bound.
      const { clock, backend } = setup(type, 10_000);
      const d = new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().cleanupIncrementally(10, true).build());
      const s = get<ValueState<number>>(backend, d);
      for (let k = 0; k < 1000; k++) {
        backend.setCurrentKey(k);
        s.update(k);
      }
      const table = backend.stateTables().get('v')!.table;
      clock.advance(TTL);
      const before = table.size;
      backend.setCurrentKey(-1); // a record: one incremental step of at most 10 entries
      const afterOne = table.size;
      assert.ok(before - afterOne <= 10 && before - afterOne >= 0, `one step removed ${before - afterOne}`);
      for (let i = 0; i < 300; i++) backend.setCurrentKey(-1);
      assert.equal(table.size, 0, 'repeated steps clean everything expired, without reading the keys');
    });

    test('cleanupIncrementally: state access alone (no per-record cleanup) cleans expired entries, lists and maps too', () => {
      const { clock, backend } = setup(type);
      const cfg = () => ttl().cleanupIncrementally(5).build();
      const v = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('v').enableTimeToLive(cfg()));
      const l = get<ListState<number>>(backend, new ListStateDescriptor<number>('l').enableTimeToLive(cfg()));
      const m = get<MapState<string, number>>(backend, new MapStateDescriptor<string, number>('m').enableTimeToLive(cfg()));
      writeTwice(backend, { v, l, m }, ['old', 'new'], () => clock.advance(500));
      clock.advance(500); // everything written first is expired; the second writes are not
      backend.setCurrentKey('reader');
      for (let i = 0; i < 200; i++) {
        v.value();
        l.get();
        m.get('x');
      }
      const size = (name: string) => backend.stateTables().get(name)!.table.size;
      assert.equal(size('v'), 0);
      assert.equal(size('l'), 60);
      assert.equal(size('m'), 60);
      const stored = dumpTables(backend);
      for (const [, key, value] of stored['l']!) assert.deepEqual(value, [[-(key as number) - 1, 10_500]]);
      for (const [, key, value] of stored['m']!) assert.deepEqual(value, new Map([['new', [-(key as number) - 1, 10_500]]]));
    });

    test('turning TTL on or off for a restored state is refused, naming the state', () => {
      const { clock, backend } = setup(type);
      get<ValueState<number>>(backend, new ValueStateDescriptor<number>('plain')).update(1);
      get<ValueState<number>>(backend, new ValueStateDescriptor<number>('timed').enableTimeToLive(ttl().build())).update(1);
      const restored = snapshotRestore(backend, clock, type);
      assert.throws(
        () => restored.getOrCreateState(new ValueStateDescriptor<number>('plain').enableTimeToLive(ttl().build())),
        /State 'plain' was written without TTL and is registered with it/,
      );
      assert.throws(() => restored.getOrCreateState(new ValueStateDescriptor<number>('timed')), /State 'timed' was written with TTL and is registered without it/);
    });

    for (const to of BACKENDS.filter((t): t is BackendType => t !== type)) {
      test(`cross-backend: TTL state of ${type} restores into ${to} with identical values and timestamps`, () => {
        const { clock, backend } = setup(type);
        const vd = () => new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build());
        const ld = () => new ListStateDescriptor<number>('l').enableTimeToLive(ttl().build());
        const md = () => new MapStateDescriptor<string, number>('m').enableTimeToLive(ttl().build());
        const v = get<ValueState<number>>(backend, vd());
        const l = get<ListState<number>>(backend, ld());
        const m = get<MapState<string, number>>(backend, md());
        writeTwice(backend, { v, l, m }, ['first', 'second'], () => clock.advance(600));
        const restored = snapshotRestore(backend, clock, to);
        assert.equal(restored.type, to);
        assert.deepEqual(dumpTables(restored), dumpTables(backend));
        assert.deepEqual(dumpTables(restored)['l']!.find(([, k]) => k === 4)![2], [[4, 10_000], [-5, 10_600]]);
        // Expiry follows the original timestamps on the new backend.
        const rv = get<ValueState<number>>(restored, vd());
        const rl = get<ListState<number>>(restored, ld());
        const rm = get<MapState<string, number>>(restored, md());
        clock.advance(399);
        restored.setCurrentKey(4);
        assert.equal(rv.value(), 4);
        clock.advance(1);
        for (const k of [3, 4]) {
          restored.setCurrentKey(k);
          assert.equal(rv.value(), undefined);
          assert.deepEqual(rl.get(), k === 4 ? [-5] : []);
          assert.deepEqual([...rm.entries()], k === 4 ? [['second', -5]] : []);
        }
      });
    }
  });
}

// lmdb-only: the on-disk store's background TTL cleanup, run as its write cache is flushed (the
// role of RocksDB's compaction filter); the heap store has no background work.
describe('state TTL [lmdb internals]', () => {
  test('a TTL state larger than the write cache: background cleanup at a flush does not re-enter the flush', () => {
    // Regression: the cleanup reads through the cache, and each miss used to start another
    // flush (and cleanup) inside the first one, until the stack overflowed.
    const { backend } = setup('lmdb');
    const v = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build()));
    for (let k = 0; k < 100; k++) {
      backend.setCurrentKey(k);
      v.update(k);
    }
    for (let k = 0; k < 100; k++) {
      backend.setCurrentKey(k);
      assert.equal(v.value(), k);
    }
  });

  test('expired entries are dropped in the background as the cache is flushed, without being read or cleanup configured', () => {
    const { clock, backend } = setup('lmdb');
    const v = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build()));
    const other = get<ValueState<number>>(backend, new ValueStateDescriptor<number>('other'));
    for (let k = 0; k < 100; k++) {
      backend.setCurrentKey(k);
      v.update(k);
    }
    clock.advance(TTL);
    backend.setCurrentKey('fresh');
    v.update(1);
    // Other work fills the cache: each flush checks a bounded chunk of every TTL state.
    for (let k = 0; k < 300; k++) {
      backend.setCurrentKey(`o${k}`);
      other.update(k);
    }
    const dump = dumpTables(backend);
    assert.deepEqual(dump['v']!.map(([, k, x]) => [k, x]), [['fresh', [1, 11_000]]]);
    assert.equal(dump['other']!.length, 300);
  });
});

/** Backend-independent: TTL configuration. */
describe('state TTL configuration', () => {
  test('a TTL must be positive', () => {
    assert.throws(() => StateTtlConfig.newBuilder(0), /positive/);
    assert.throws(() => StateTtlConfig.newBuilder(Time.seconds(1)).cleanupIncrementally(0), /positive size/);
    assert.throws(() => StateTtlConfig.newBuilder(Duration.ofMillis(0)), /positive/);
  });

  test("a TTL is a Duration (Flink 2.x), a Time (1.x) or milliseconds, as SPEC's durations are", () => {
    assert.equal(StateTtlConfig.newBuilder(Duration.ofHours(24)).build().ttlMs, 86_400_000);
    assert.equal(StateTtlConfig.newBuilder(Time.hours(24)).build().ttlMs, 86_400_000);
    assert.equal(StateTtlConfig.newBuilder(86_400_000).build().ttlMs, 86_400_000);
    assert.throws(() => StateTtlConfig.newBuilder('1 h' as unknown as number), /A state TTL must be a Duration or a Time/);
  });
});
