import { FlinkError, StateSerializationError } from '../util/errors.js';
import type { TableEntry } from './keyed-state-entry.js';
import type { SnapshotState } from './keyed-state-snapshot.js';
import { keyEncoder, keySerializerOf } from './map-key-serializers.js';
import { restoredMeta } from './raw-restored-state.js';
import { MessagePackSerializer } from './serializers/type-serializer.js';
import { type StateKinds, mapUserKeys, mapUserValues, withoutExpired } from './state-meta.js';
import type { StoreCut } from './state-table.js';

/** What a snapshot reads of a keyed backend's states at its cut, and the metadata it records of them. */
export interface CutStates {
  readonly states: Map<string, SnapshotState>;
  readonly kinds: StateKinds;
}

/**
 * What a snapshot taken at `now` reads of each of `entries` through the store's `cut`: entries,
 * metadata, how values are encoded and, for a delta, the keys `changed` since the checkpoint it
 * builds on (undefined: a self-contained snapshot).
 */
export function cutStates(entries: ReadonlyMap<string, TableEntry>, cut: StoreCut, now: number, changed: ReadonlyMap<string, readonly Set<unknown>[]> | undefined): CutStates {
  const states = new Map<string, SnapshotState>();
  const kinds: StateKinds = {};
  for (const [name, e] of entries) {
    // Raw bytes go out as restored: each key group under the writer that wrote it.
    kinds[name] = restoredMeta(e);
    const table = e.table;
    states.set(name, {
      entries: (unit) => cut.entries(table, unit),
      get: (unit, key) => cut.get(table, unit, key),
      keyGroupOf: (unit, key) => table.keyGroupOf(unit, key),
      encodeValue: e.raw || e.rawKeys ? undefined : snapshotEncoder(e, now),
      changed: changed ? (changed.get(name) ?? []) : undefined,
    });
  }
  return { states, kinds };
}

/** How a registered state's values go into a snapshot: expired ones dropped, then serialized. */
function snapshotEncoder(e: TableEntry, now: number): ((stored: unknown) => unknown) | undefined {
  const ttl = e.descriptor?.getTtlConfig();
  const serializer = e.descriptor?.getSerializer();
  const dropExpired = ttl?.cleanupFullSnapshot ? (v: unknown) => withoutExpired(e.meta, v, now, ttl.ttlMs) : undefined;
  const name = e.descriptor?.name;
  // A value the serializer refuses fails the checkpoint in one line naming the state (the
  // serializer's own error names only the field).
  const one = (x: unknown): unknown => {
    try {
      return serializer!.serialize(x);
    } catch (err) {
      if (err instanceof FlinkError) throw err;
      throw new StateSerializationError(`State '${name}' cannot be written into the checkpoint by its ${serializer!.snapshot().name} serializer: ${(err as Error).message}`, { cause: err });
    }
  };
  const values = serializer && serializer.snapshot().name !== MessagePackSerializer.NAME;
  const keySerializer = keySerializerOf(e.descriptor);
  const keys = keySerializer && keyEncoder(name!, keySerializer);
  const serialize =
    values && keys ? (v: unknown) => mapUserKeys(e.meta, mapUserValues(e.meta, v, one), keys) : values ? (v: unknown) => mapUserValues(e.meta, v, one) : keys ? (v: unknown) => mapUserKeys(e.meta, v, keys) : undefined;
  if (!dropExpired && !serialize) return undefined;
  return (v) => {
    const kept = dropExpired ? dropExpired(v) : v;
    return kept === undefined || !serialize ? kept : serialize(kept);
  };
}
