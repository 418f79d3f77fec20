import type { Clock } from '../util/clock.js';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import type { KeyGroupRange } from './key-groups.js';
import {
  KeyedAggregatingState,
  KeyedListState,
  KeyedMapState,
  KeyedReducingState,
  KeyedValueState,
  type KeyScope,
  PlainCell,
  defaultValueOf,
  listNullRefusal,
} from './keyed-states.js';
import type { UserKeyFence } from './restored-key-kinds.js';
import type { State } from './state.js';
import type { StateTable, StateTableStore } from './state-table.js';
import { IncrementalCleanup } from './ttl-cleanup.js';
import { TtlCell, TtlListState, TtlMapState, TtlValueState } from './ttl-states.js';

/** What a keyed backend's state objects are built with. */
export interface KeyedStateParts {
  /** The backend: state objects read its current key on every access. */
  readonly scope: KeyScope;
  readonly keyGroupRange: KeyGroupRange;
  readonly clock: Clock;
  /** Takes the background TTL cleanup of each state (on disk; the heap ignores it). */
  readonly store: StateTableStore;
  /** TTL cleanups that step once per record; a state that asks for one adds it here. */
  readonly perRecordCleanups: IncrementalCleanup[];
  /** The check of map state `name`'s user keys against those restored, if any (restored-key-kinds.ts). */
  userKeyFence(name: string): UserKeyFence | undefined;
}

/** Entries the on-disk backend checks for expiry each time its cache fills, per TTL state. */
const BACKGROUND_CLEANUP_ENTRIES = 1000;

/**
 * The state object of `d` over `table` (for namespaced state, the view of one namespace), with
 * its TTL cleanup wired; TTL cleanup walks `stored`, the table as stored.
 */
export function createKeyedState(parts: KeyedStateParts, d: StateDescriptor, table: StateTable<unknown>, stored: StateTable<unknown>, namespaced: boolean): State {
  const { scope, clock, keyGroupRange } = parts;
  const ttl = d.getTtlConfig();
  if (!ttl) {
    if (d instanceof ValueStateDescriptor) return new KeyedValueState(scope, table, defaultValueOf(d.name, d.defaultValue));
    if (d instanceof ListStateDescriptor) return new KeyedListState(scope, table as StateTable<unknown[]>, listNullRefusal(d.name));
    if (d instanceof MapStateDescriptor) return new KeyedMapState(scope, table as StateTable<Map<unknown, unknown>>, parts.userKeyFence(d.name));
    if (d instanceof ReducingStateDescriptor) return new KeyedReducingState(new PlainCell(scope, table), d.reduceFunction);
    if (d instanceof AggregatingStateDescriptor) return new KeyedAggregatingState(new PlainCell(scope, table), d.aggregateFunction);
    throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
  }
  const layout = { kind: d.kind, ttl: true, namespaced };
  const inc = ttl.incrementalCleanup;
  const cleanup = inc && new IncrementalCleanup(stored, keyGroupRange, layout, ttl.ttlMs, clock, inc.size);
  if (cleanup && inc.perRecord) parts.perRecordCleanups.push(cleanup);
  // On disk, expired entries are also dropped in the background, a bounded chunk each time
  // the write cache fills (the role RocksDB's compaction filter plays in Flink).
  let background: IncrementalCleanup | undefined;
  parts.store.addBackgroundWork(() => (background ??= new IncrementalCleanup(stored, keyGroupRange, layout, ttl.ttlMs, clock, BACKGROUND_CLEANUP_ENTRIES)).step());
  const t = table as StateTable<never>;
  if (d instanceof ValueStateDescriptor) return new TtlValueState(scope, t, ttl, clock, cleanup, defaultValueOf(d.name, d.defaultValue));
  if (d instanceof ListStateDescriptor) return new TtlListState(scope, t, ttl, clock, cleanup, listNullRefusal(d.name));
  if (d instanceof MapStateDescriptor) return new TtlMapState(scope, t, ttl, clock, cleanup, parts.userKeyFence(d.name));
  if (d instanceof ReducingStateDescriptor) return new KeyedReducingState(new TtlCell(scope, t, ttl, clock, cleanup), d.reduceFunction);
  if (d instanceof AggregatingStateDescriptor) return new KeyedAggregatingState(new TtlCell(scope, t, ttl, clock, cleanup), d.aggregateFunction);
  throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
}
