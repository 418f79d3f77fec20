import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  HeapKeyedStateBackend,
  KeyGroupRange,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  UpdateType,
  ValueStateDescriptor,
  type AggregatingState,
  type ListState,
  type MapState,
  type ReducingState,
  type State,
  type StateDescriptor,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Time } from '../../src/util/time.js';

const TTL = 1000;

function setup() {
  const clock = new ManualClock(10_000);
  const backend = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127), clock);
  return { clock, backend };
}

function ttl(b = StateTtlConfig.newBuilder(Time.milliseconds(TTL))) {
  return b;
}

function get<S extends State>(backend: HeapKeyedStateBackend, d: StateDescriptor, key: unknown = 'k'): S {
  const s = backend.getOrCreateState<S>(d);
  backend.setCurrentKey(key);
  return s;
}

/** Restores `from`'s snapshot into a fresh backend on the same clock. */
function snapshotRestore(from: HeapKeyedStateBackend, clock: ManualClock): HeapKeyedStateBackend {
  const snap = from.snapshot(1);
  snap.encodeUntil(Infinity, () => 0);
  const to = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127), clock);
  for (const [kg, bytes] of snap.keyGroups()) to.restoreKeyGroup(kg, bytes, snap.kinds);
  return to;
}

describe('state TTL', () => {
  test('OnCreateAndWrite: a value expires TTL after its last write; reads do not extend it', () => {
    const { clock, backend } = setup();
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
    const { clock, backend } = setup();
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

  test('visibility: NeverReturnExpired hides an expired value; ReturnExpiredIfNotCleanedUp returns it once', () => {
    const { clock, backend } = setup();
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
    const { clock, backend } = setup();
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
    const { clock, backend } = setup();
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

  test('TTL timestamps survive snapshot and restore', () => {
    const { clock, backend } = setup();
    const d = () => new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build());
    get<ValueState<number>>(backend, d()).update(7);
    clock.advance(700);
    const restored = snapshotRestore(backend, clock);
    const s = get<ValueState<number>>(restored, d());
    assert.equal(s.value(), 7);
    clock.advance(300);
    assert.equal(s.value(), undefined, 'expires at the original time, not TTL after the restore');
  });

  test('cleanupFullSnapshot: expired entries never reach a snapshot', () => {
    const { clock, backend } = setup();
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
    const plain = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127), clock);
    get<ValueState<number>>(plain, new ValueStateDescriptor<number>('v').enableTimeToLive(ttl().build()), 'a').update(1);
    clock.advance(TTL);
    const s2 = plain.snapshot(2);
    s2.encodeUntil(Infinity, () => 0);
    assert.equal(s2.keyGroups().length, 1, 'without cleanupFullSnapshot the expired value is still written');
  });

  test('cleanupIncrementally: bounded cleanup on access and, optionally, per record', () => {
    const { clock, backend } = setup();
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

  test('turning TTL on or off for a restored state is refused, naming the state', () => {
    const { clock, backend } = setup();
    get<ValueState<number>>(backend, new ValueStateDescriptor<number>('plain')).update(1);
    get<ValueState<number>>(backend, new ValueStateDescriptor<number>('timed').enableTimeToLive(ttl().build())).update(1);
    const restored = snapshotRestore(backend, clock);
    assert.throws(
      () => restored.getOrCreateState(new ValueStateDescriptor<number>('plain').enableTimeToLive(ttl().build())),
      /State 'plain' was written without TTL and is registered with it/,
    );
    assert.throws(() => restored.getOrCreateState(new ValueStateDescriptor<number>('timed')), /State 'timed' was written with TTL and is registered without it/);
  });

  test('a TTL must be positive', () => {
    assert.throws(() => StateTtlConfig.newBuilder(0), /positive/);
    assert.throws(() => StateTtlConfig.newBuilder(Time.seconds(1)).cleanupIncrementally(0), /positive size/);
  });
});
