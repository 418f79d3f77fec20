import { describeArgument } from '../util/describe-argument.js';
import { FlinkError, SnapshotRestoreError, StateMigrationError, StateSerializationError } from '../util/errors.js';
import { MapStateDescriptor, type StateDescriptor } from './descriptors.js';
import { MessagePackSerializer, type SerializerSnapshot, type TypeSerializer, isSerializerRegistered } from './serializers/type-serializer.js';

/*
 * A keyed MapState's user keys through its descriptor's key serializer, as Flink's
 * MapSerializer writes them with the MapStateDescriptor's key serializer. Tables hold user keys
 * as the job uses them (a lookup stays a Map lookup); only snapshots hold the serializer's bytes,
 * with the writer recorded in the state's metadata (StateMeta.keySerializer). MessagePack keys
 * stay inline, as before key serializers, so older snapshots restore unchanged.
 */

/** True if `s` describes the default serializer, which leaves keys inline. */
export function isMessagePackKeys(s: SerializerSnapshot | undefined): boolean {
  return s === undefined || s.name === MessagePackSerializer.NAME;
}

/** The key serializer of `d` if it is a map state's and not MessagePack (whose keys stay inline); otherwise undefined. */
export function keySerializerOf(d: StateDescriptor | undefined): TypeSerializer<unknown> | undefined {
  if (!(d instanceof MapStateDescriptor)) return undefined;
  const s = d.getKeySerializer();
  return isMessagePackKeys(s.snapshot()) ? undefined : s;
}

/**
 * Writes user keys of state `name` with `serializer`; a key it refuses fails the checkpoint in
 * one line naming the state (the serializer's own error names only the value). So does a key it
 * reads back as another key (Avro `float` rounds 0.1): unlike a value
 * read back a little off, such a key's entries would never be found after a restore, and two
 * keys read back alike would become one. One read per key, at checkpoints only.
 */
export function keyEncoder(name: string, serializer: TypeSerializer<unknown>): (key: unknown) => Uint8Array {
  const fail = (why: string, cause?: unknown): never => {
    throw new StateSerializationError(`State '${name}' cannot be written into the checkpoint by its ${serializer.snapshot().name} key serializer: ${why}`, cause === undefined ? undefined : { cause });
  };
  return (key) => {
    let bytes: Uint8Array;
    let back: unknown;
    try {
      bytes = serializer.serialize(key);
      back = serializer.deserialize(bytes);
    } catch (err) {
      if (err instanceof FlinkError) throw err;
      return fail((err as Error).message, err);
    }
    // As a Map compares keys (SameValueZero: NaN finds NaN).
    if (back !== key && !(back !== back && key !== key)) {
      fail(`user key ${describeArgument(key)} reads back as ${describeArgument(back)}, another key, so its entries would not be found after a restore; give the key serializer a schema that keeps the keys as they are.`);
    }
    return bytes;
  };
}

/** Reads one stored user key; undefined: stored inline, as it is. */
export type KeyReader = ((stored: unknown) => unknown) | undefined;

/**
 * How the job's key serializer reads the user keys of each writer a restored map state had.
 * Every writer is checked before anything is read: an incompatible one is refused in one line
 * naming the state, as its values' serializer is; a compatible one reads its bytes, migrating
 * them (Avro schema resolution) where needed.
 *
 * @throws StateMigrationError if a writer is incompatible or not registered here
 */
export function keyReaders(name: string, serializer: TypeSerializer<unknown>, writers: Iterable<SerializerSnapshot>): Map<SerializerSnapshot, KeyReader> {
  const out = new Map<SerializerSnapshot, KeyReader>();
  for (const written of writers) {
    if (out.has(written)) continue;
    const compat = serializer.resolveSchemaCompatibility(written);
    if (compat.type === 'INCOMPATIBLE') throw new StateMigrationError(`State '${name}' cannot be restored: its key serializer is incompatible: ${compat.reason}.`);
    if (isMessagePackKeys(written)) {
      out.set(written, undefined);
      continue;
    }
    if (compat.type !== 'COMPATIBLE_AS_IS' && !isSerializerRegistered(written.name)) {
      throw new StateMigrationError(
        `State '${name}' cannot be restored: its user keys were written by the serializer '${written.name}', which is not registered in this job; ` +
          `call registerSerializer('${written.name}', snapshot => …) in the job file before the job runs, so a restore can rebuild it from the snapshot.`,
      );
    }
    const read = compat.type === 'COMPATIBLE_AS_IS' ? (b: Uint8Array) => serializer.deserialize(b) : (b: Uint8Array) => serializer.deserializeFrom(b, written);
    out.set(written, (stored) => restoredUserKey(name, read(keyBytes(name, stored))));
  }
  return out;
}

/** A snapshot is data: only bytes go to a key serializer. */
function keyBytes(name: string, stored: unknown): Uint8Array {
  if (stored instanceof Uint8Array) return stored;
  throw new SnapshotRestoreError(`Cannot restore state '${name}': a user key its key serializer wrote is not bytes; the snapshot is damaged.`);
}

/**
 * A user key as the key serializer read it back: an object (Avro reads `bytes` as a Buffer)
 * would be compared by identity in the map and never found again, so it is refused, as such a
 * key is at `put`.
 */
function restoredUserKey(name: string, key: unknown): unknown {
  if (typeof key !== 'object' || key === null) return key;
  throw new StateMigrationError(
    `State '${name}' cannot be restored: its key serializer reads a user key as an object, and a MapState user key must be a string, number, bigint or boolean; ` +
      "keep the keys' type in the key serializer's schema.",
  );
}
