/*
 * Flink's TtlStateTestBase, case by case, for each of its state contexts (value, list with
 * per-element expiry, map per entry and as a whole — null values included —, reducing,
 * aggregating) on every backend, with a snapshot and restore between the steps as Flink takes
 * them. Also: TTL states merge namespaces as Flink's TTL merging states do: unexpired values of
 * the sources are merged into the target, expired ones dropped — so a TTL'd state works as
 * per-window state of merging (session) windows (it threw "states with TTL do not merge"; found
 * by review).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  type StateTtlConfigBuilder,
  StateVisibility,
  UpdateType,
  ValueStateDescriptor,
  type AggregatingState,
  type KeyedStateBackend,
  type ListState,
  type MapState,
  type NamespacedState,
  type PendingKeyedSnapshot,
  type ReducingState,
  type State,
  type StateDescriptor,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { StateMigrationError } from '../../src/util/errors.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, type BackendType, createBackend, finish, restoreChain } from './backends.js';

const ttl = () => StateTtlConfig.newBuilder(Time.milliseconds(100)).build();

for (const type of BACKENDS) {
  describe(`TTL states merge namespaces as in Flink's testMergeNamespaces [${type}]`, () => {
    test('ListState with TTL: the unexpired elements of the merged namespaces end up in the target', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const ns = b.getOrCreateNamespacedState<ListState<number>>(new ListStateDescriptor<number>('l').enableTimeToLive(ttl()));
      b.setCurrentKey('k');
      ns.setCurrentNamespace('a');
      ns.state.add(1); // expires at 100
      clock.advance(50);
      ns.setCurrentNamespace('b');
      ns.state.add(2);
      ns.setCurrentNamespace('target');
      ns.state.add(3);
      clock.advance(70); // t = 120: 1 expired, 2 and 3 alive
      ns.mergeNamespaces('target', ['a', 'b']);
      ns.setCurrentNamespace('target');
      assert.deepEqual([...ns.state.get()].sort(), [2, 3]);
    });

    test('ReducingState with TTL: sources reduce into the target', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const ns = b.getOrCreateNamespacedState<ReducingState<number>>(new ReducingStateDescriptor<number>('r', (x, y) => x + y).enableTimeToLive(ttl()));
      b.setCurrentKey('k');
      for (const [n, v] of [['a', 1], ['b', 2], ['target', 4]] as const) {
        ns.setCurrentNamespace(n);
        ns.state.add(v);
      }
      ns.mergeNamespaces('target', ['a', 'b']);
      ns.setCurrentNamespace('target');
      assert.equal(ns.state.get(), 7);
    });
  });
}


/** One of Flink's TtlStateTestContexts: how to write and read the state, and the values it expects. */
interface Context<U, G> {
  readonly descriptor: () => StateDescriptor;
  update(s: State, v: U): void;
  /** Reads the state; `stored` is what the backend holds (for checks against it). */
  get(s: State, stored: () => unknown): G;
  readonly empty: G;
  /** Written to an empty state, to one whose value is unexpired, to one whose value expired. */
  readonly updates: readonly [U, U, U];
  /** What a read then returns. */
  readonly gets: readonly [G, G, G];
  /** For the merging kinds: the updates merged (a namespace each) and the expected result. */
  readonly merging?: { readonly update: (i: number) => U; readonly result: (unexpired: readonly U[], final: readonly U[]) => G };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mapEntries = (s: State) => [...(s as MapState<number, string | null>).entries()].sort(([a], [b]) => a - b);
const sorted = (m: Record<number, string | null>) => Object.entries(m).map(([k, v]) => [Number(k), v] as [number, string | null]).sort(([a], [b]) => a - b);

/** A context with its value types erased, for the table of contexts. */
const context = <U, G>(c: Context<U, G>): Context<never, unknown> => c as unknown as Context<never, unknown>;

const CONTEXTS: Record<string, Context<never, unknown>> = {
  value: context<string, unknown>({
    descriptor: () => new ValueStateDescriptor<string>('value'),
    update: (s, v) => (s as ValueState<string>).update(v),
    get: (s) => (s as ValueState<string>).value(),
    empty: undefined,
    updates: ['test value1', 'test value2', 'test value3'],
    gets: ['test value1', 'test value2', 'test value3'],
  }),
  list: context<number[], unknown>({
    descriptor: () => new ListStateDescriptor<number>('list'),
    update: (s, v) => (s as ListState<number>).addAll(v),
    get: (s) => [...(s as ListState<number>).get()],
    empty: [],
    updates: [[5, 7, 10], [8, 9, 11], [1, 4]],
    gets: [[5, 7, 10], [8, 9, 11], [1, 4]],
    merging: { update: (i) => [i, i + 1, i + 2].slice(0, i % 4), result: (_u, final) => final.flat() },
  }),
  'map, all entries': context<Record<number, string | null>, unknown>({
    descriptor: () => new MapStateDescriptor<number, string | null>('map'),
    update: (s, v) => (s as MapState<number, string | null>).putAll(Object.entries(v).map(([k, x]) => [Number(k), x])),
    get: mapEntries,
    empty: [],
    updates: [{ 3: '3', 5: '5', 23: null, 10: '10' }, { 12: '12', 24: null, 7: '7' }, { 15: '15', 25: null, 4: '4' }],
    gets: [sorted({ 3: '3', 5: '5', 23: null, 10: '10' }), sorted({ 12: '12', 24: null, 7: '7' }), sorted({ 15: '15', 25: null, 4: '4' })],
  }),
  ...Object.fromEntries(
    (
      [
        ['map, per entry', ['test value1', 'test value2', 'test value3']],
        ['map, per null entry', [null, null, null]],
      ] as const
    ).map(([name, values]) => [
      name,
      context<string | null, unknown>({
        descriptor: () => new MapStateDescriptor<number, string | null>('map'),
        update: (s: State, v: string | null) => (s as MapState<number, string | null>).put(1, v),
        get: (s: State, stored: () => unknown) => {
          const m = s as MapState<number, string | null>;
          const v = m.get(1);
          const held = (stored() as Map<number, unknown> | undefined)?.has(1) ?? false;
          assert.equal(m.contains(1), held, 'contains says whether the entry is stored, as after the get');
          return v;
        },
        empty: undefined,
        updates: values,
        gets: values,
      }),
    ]),
  ),
  reducing: context<number, unknown>({
    descriptor: () => new ReducingStateDescriptor<number>('reducing', (a, b) => a + b),
    update: (s, v) => (s as ReducingState<number>).add(v),
    get: (s) => (s as ReducingState<number>).get(),
    empty: undefined,
    updates: [5, 7, 6],
    gets: [5, 12, 6],
    merging: { update: (i) => 100 + i * 7, result: (u, final) => sum(u) + sum(final) },
  }),
  aggregating: context<number, unknown>({
    descriptor: () =>
      new AggregatingStateDescriptor<number, number, string>('aggregating', {
        createAccumulator: () => 3,
        add: (v, acc) => acc + v,
        getResult: (acc) => String(acc),
        merge: (a, b) => a + b,
      }),
    update: (s, v) => (s as AggregatingState<number, string>).add(v),
    get: (s) => (s as AggregatingState<number, string>).get(),
    empty: undefined,
    updates: [5, 7, 6],
    gets: ['8', '15', '9'],
    // Three namespaces get updates that are not expired at the merge: a fresh accumulator (3) each.
    merging: { update: (i) => 100 + i * 7, result: (u, final) => String(sum(u) + sum(final) + 3 * 3) },
  }),
};

/** A clock the test sets, back in time too (Flink's MockTtlTimeProvider: a restore may go back). */
class TestTime {
  time = 0;
  now(): number {
    return this.time;
  }
}

const TTL = 100;
/** A write cache that holds every key: each lmdb flush costs a write transaction (the restores and cuts still go through disk). */
const BACKEND_OPTIONS = (clock: TestTime) => ({ clock, cacheEntries: 100_000 });
const conf = (ttl = TTL): StateTtlConfigBuilder => StateTtlConfig.newBuilder(ttl);

/** Flink's StateBackendTestContext for one context: the state, re-registered after each restore, on key 'defaultKey'. */
class Harness {
  readonly clock = new TestTime();
  backend: KeyedStateBackend;
  state!: State;
  namespaced: NamespacedState<State> | undefined;

  constructor(
    private readonly type: BackendType,
    private readonly ctx: Context<never, unknown>,
    private readonly ttl: StateTtlConfig,
    private readonly inNamespaces = false,
  ) {
    this.backend = createBackend(type, BACKEND_OPTIONS(this.clock));
    this.register();
  }

  private descriptor(): StateDescriptor {
    return this.ctx.descriptor().enableTimeToLive(this.ttl);
  }

  private register(): void {
    this.backend.setCurrentKey('defaultKey');
    if (this.inNamespaces) {
      this.namespaced = this.backend.getOrCreateNamespacedState(this.descriptor());
      this.namespaced.setCurrentNamespace('defaultNamespace');
      this.state = this.namespaced.state;
    } else this.state = this.backend.getOrCreateState(this.descriptor());
  }

  update(v: unknown): void {
    this.ctx.update(this.state, v as never);
  }

  get(): unknown {
    return this.ctx.get(this.state, () => this.stored());
  }

  key(k: string): void {
    this.backend.setCurrentKey(k);
  }

  snapshot(): { snap: PendingKeyedSnapshot; blocks: Array<[number, Uint8Array]> } {
    const snap = this.backend.snapshot(1, { full: true });
    return { snap, blocks: finish(snap) };
  }

  /** Restores `from` (by default a snapshot taken now) into a new backend. */
  restore(from = this.snapshot()): void {
    this.backend = restoreChain(createBackend(this.type, BACKEND_OPTIONS(this.clock)), [from]);
    this.register();
  }

  /** Flink's step sequences: before each step a snapshot is restored, then at its time a value is written, or read and compared. */
  steps(steps: ReadonlyArray<readonly [time: number, op: 'update' | 'get', value: unknown]>): void {
    for (const [time, op, value] of steps) {
      this.restore();
      this.clock.time = time;
      if (op === 'update') this.update(value);
      else assert.deepEqual(this.get(), value, `read at ${time}`);
    }
  }

  /** Restores `from` without registering the state. */
  restoreOnly(from = this.snapshot()): void {
    this.backend = restoreChain(createBackend(this.type, BACKEND_OPTIONS(this.clock)), [from]);
  }

  /** What is stored for the current key (and namespace), TTL timestamps included, whatever a read would say. */
  stored(): unknown {
    const b = this.backend;
    const stored = b.stateTables().get(this.ctx.descriptor().name)!.table.get(b.currentKeyGroup, b.currentMapKey);
    return this.namespaced ? (stored as Map<unknown, unknown> | undefined)?.get(this.namespaced.getCurrentNamespace()) : stored;
  }

  /** Flink's isOriginalEmptyValue. */
  originalEmpty(): boolean {
    return this.stored() === undefined;
  }
}

const NEVER = StateVisibility.NeverReturnExpired;
const RETURN = StateVisibility.ReturnExpiredIfNotCleanedUp;
const config = (update: UpdateType, visibility: StateVisibility) => conf().setUpdateType(update).setStateVisibility(visibility).build();

for (const type of BACKENDS) {
  for (const [name, ctx] of Object.entries(CONTEXTS)) {
    describe(`Flink's TtlStateTestBase [${type}, ${name}]`, () => {
      const [updateEmpty, updateUnexpired, updateExpired] = ctx.updates;
      const [getUpdateEmpty, getUnexpired, getUpdateExpired] = ctx.gets;

      test('testNonExistentValue, testExactExpirationOnWrite: expiry TTL after the last write, a restore between every step; the expired value is removed when read', () => {
        const h = new Harness(type, ctx, config(UpdateType.OnCreateAndWrite, NEVER));
        assert.deepEqual(h.get(), ctx.empty);
        h.steps([
          [0, 'update', updateEmpty],
          [20, 'get', getUpdateEmpty],
          [50, 'update', updateUnexpired],
          [120, 'get', getUnexpired],
          [170, 'update', updateExpired],
          [220, 'get', getUpdateExpired],
          [300, 'get', ctx.empty],
        ]);
        assert.equal(h.originalEmpty(), true, 'cleared on access');
      });

      test('testRelaxedExpirationOnWrite: ReturnExpiredIfNotCleanedUp returns the expired value once, removing it', () => {
        const h = new Harness(type, ctx, config(UpdateType.OnCreateAndWrite, RETURN));
        h.update(updateEmpty);
        h.restore();
        h.clock.time = 120;
        assert.deepEqual(h.get(), getUpdateEmpty);
        assert.equal(h.originalEmpty(), true);
        assert.deepEqual(h.get(), ctx.empty);
      });

      test('testExactExpirationOnRead and testRelaxedExpirationOnRead: OnReadAndWrite extends the lifetime on each read', () => {
        for (const visibility of [NEVER, RETURN]) {
          const h = new Harness(type, ctx, config(UpdateType.OnReadAndWrite, visibility));
          h.update(updateEmpty);
          h.restore();
          h.clock.time = 50;
          assert.deepEqual(h.get(), getUpdateEmpty);
          h.restore();
          if (visibility === NEVER) {
            h.clock.time = 120;
            assert.deepEqual(h.get(), getUpdateEmpty, 'unexpired after the read at 50');
            h.restore();
            h.clock.time = 250;
            assert.deepEqual(h.get(), ctx.empty);
            assert.equal(h.originalEmpty(), true);
          } else {
            h.clock.time = 170;
            assert.deepEqual(h.get(), getUpdateEmpty, 'expired, returned once');
            assert.deepEqual(h.get(), ctx.empty);
          }
        }
      });

      test('testExpirationTimestampOverflow: a TTL of the largest time never expires', () => {
        const h = new Harness(type, ctx, conf(Number.MAX_SAFE_INTEGER).build());
        h.clock.time = 10;
        h.update(updateEmpty);
        h.restore();
        h.clock.time = 50;
        assert.deepEqual(h.get(), getUpdateEmpty);
      });

      if (name === 'value') {
        test('testValueSetNull: update(null) clears, with ReturnExpiredIfNotCleanedUp too', () => {
          const h = new Harness(type, ctx, config(UpdateType.OnCreateAndWrite, RETURN));
          h.update(updateUnexpired);
          assert.deepEqual(h.get(), getUnexpired);
          h.update(null);
          assert.deepEqual(h.get(), ctx.empty);
        });
      }

      const multiple = [
        ['testMultipleKeys', false, false],
        ['testMultipleKeysWithSnapshotCleanup', false, true],
        ['testMultipleNamespaces', true, false],
        ['testMultipleNamespacesWithSnapshotCleanup', true, true],
      ] as const;
      for (const [flinkName, namespaces, cleanup] of multiple) {
        test(`${flinkName}: each ${namespaces ? 'namespace' : 'key'} expires on its own${cleanup ? '; cleanupFullSnapshot keeps expired values out of snapshots (time set back after each restore)' : ''}`, () => {
          const h = new Harness(type, ctx, cleanup ? conf().cleanupFullSnapshot().build() : conf().build(), namespaces);
          const id = (x: string) => (namespaces ? h.namespaced!.setCurrentNamespace(x) : h.key(x));
          h.restore();
          h.clock.time = 0;
          id('id2');
          h.update(updateEmpty);
          h.restore();
          h.clock.time = 50;
          id('id1');
          h.update(updateEmpty);
          id('id2');
          h.update(updateUnexpired);
          h.clock.time = 120;
          h.restore();
          id('id1');
          assert.deepEqual(h.get(), getUpdateEmpty);
          id('id2');
          assert.deepEqual(h.get(), getUnexpired);
          h.restore();
          h.clock.time = 170;
          id('id2');
          h.update(updateExpired);
          h.clock.time = 230;
          h.restore();
          if (cleanup) h.clock.time = 170;
          id('id1');
          assert.deepEqual(h.get(), ctx.empty);
          id('id2');
          assert.deepEqual(h.get(), getUpdateExpired);
          h.clock.time = 300;
          h.restore();
          if (cleanup) h.clock.time = 230; // id2, written at 170, would be live now had the snapshot at 300 kept it
          id('id1');
          assert.deepEqual(h.get(), ctx.empty);
          id('id2');
          assert.deepEqual(h.get(), ctx.empty);
        });
      }

      test('testSnapshotChangeRestore: changes after a snapshot are gone after restoring it', () => {
        const h = new Harness(type, ctx, conf().build());
        h.key('k1');
        h.update(updateEmpty);
        h.clock.time = 50;
        h.update(updateUnexpired);
        h.clock.time = 100;
        h.key('k2');
        h.update(updateEmpty);
        const snapshot = h.snapshot();
        h.clock.time = 170;
        h.key('k1');
        h.update(updateExpired);
        h.key('k2');
        h.update(updateUnexpired);
        h.restore(snapshot);
        h.clock.time = 180;
        h.key('k1');
        assert.deepEqual(h.get(), ctx.empty);
        h.key('k2');
        assert.deepEqual(h.get(), getUpdateEmpty);
      });

      test('testRestoreTtlAndRegisterNonTtlStateCompatFailure: registering a restored TTL state without TTL is refused', () => {
        const h = new Harness(type, ctx, conf().build());
        h.update(updateEmpty);
        h.restoreOnly();
        assert.throws(() => h.backend.getOrCreateState(ctx.descriptor()), (e: Error) => e instanceof StateMigrationError && /written with TTL and is registered without it/.test(e.message));
      });

      test('testIncrementalCleanup: cleanupIncrementally(5, true) removes expired values unread, also after restoring a snapshot taken while keys changed', () => {
        const h = new Harness(type, ctx, conf().cleanupIncrementally(5, true).build());
        // Flink's sizes: 970 keys (enough for its heap map to rehash incrementally), 160 updated.
        const all = 970;
        const some = 160;
        const keys = (from: number, to: number, f: () => void) => {
          for (let i = from; i < to; i++) {
            h.key(String(i));
            f();
          }
        };
        const expired = (from: number, to: number) => keys(from, to, () => assert.equal(h.originalEmpty(), true, `key ${h.backend.getCurrentKey()} cleaned up`));
        const live = (from: number, to: number, want: unknown) => keys(from, to, () => assert.deepEqual(h.get(), want));
        const otherWork = () => keys(all, 2 * all, () => (Number(h.backend.getCurrentKey()) % 2 === 0 ? h.get() : h.update(updateEmpty)));
        keys(0, all, () => h.update(updateEmpty));
        h.clock.time = 50;
        keys(0, some, () => h.update(updateUnexpired));
        const snap = h.backend.snapshot(1, { full: true });
        keys(some, 2 * some, () => h.update(updateUnexpired)); // while the snapshot is encoded
        h.clock.time = 120;
        otherWork();
        expired(2 * some, all);
        const blocks = finish(snap);
        h.clock.time = 50;
        h.restore({ snap, blocks });
        live(some, all, getUpdateEmpty);
        h.clock.time = 120;
        keys(some >> 1, some + (some >> 2), () => h.state.clear());
        live(0, some >> 1, getUnexpired);
        otherWork();
        expired(some, 2 * some);
        h.clock.time = 170;
        expired(some >> 1, all);
        expired(0, some >> 1);
      });

      if (ctx.merging) {
        const m = ctx.merging;
        test('testMergeNamespaces: only values unexpired at the merge end up in the target', () => {
          const h = new Harness(type, ctx, conf().build(), true);
          let n = 0;
          const apply = (updates: ReadonlyArray<readonly [string, unknown]>) => {
            for (const [ns, v] of updates) {
              h.namespaced!.setCurrentNamespace(ns);
              h.update(v);
            }
          };
          const gen = (namespaces: string[]) => namespaces.map((ns) => [ns, m.update(n++)] as const);
          h.clock.time = 0;
          apply(gen(['expiredNamespace', 'expiredNamespace', 'expiredAndUpdatedNamespace', 'expiredAndUpdatedNamespace']));
          h.restore();
          h.clock.time = 120;
          const unexpired = gen(['expiredAndUpdatedNamespace', 'expiredAndUpdatedNamespace', 'unexpiredNamespace', 'unexpiredNamespace']);
          apply(unexpired);
          h.restore();
          h.clock.time = 150;
          const final = gen(['expiredAndUpdatedNamespace', 'expiredAndUpdatedNamespace', 'unexpiredNamespace', 'unexpiredNamespace', 'finalNamespace', 'finalNamespace']);
          apply(final);
          h.restore();
          h.clock.time = 230;
          h.namespaced!.mergeNamespaces('targetNamespace', ['unsetNamespace1', 'unsetNamespace2', 'expiredNamespace', 'expiredAndUpdatedNamespace', 'unexpiredNamespace', 'finalNamespace']);
          h.namespaced!.setCurrentNamespace('targetNamespace');
          assert.deepEqual(h.get(), m.result(unexpired.map(([, v]) => v as never), final.map(([, v]) => v as never)));
        });
      }
    });
  }
}
