import { isDeepStrictEqual } from 'node:util';
import { FlinkError, StateMigrationError, StateSerializationError } from '../util/errors.js';
import { type ListStateDescriptor, MapStateDescriptor } from './descriptors.js';
import type { OperatorStateMode } from './operator-state-store.js';
import type { StateFreeze } from './operator-state-freeze.js';
import type { OperatorStateCut } from './operator-state-snapshot.js';
import { type OperatorListEntry, type OperatorStateWriter, type WriterRuns, MSGPACK_WRITER, distinctWriters, isMessagePack, runsOf } from './operator-state-writers.js';
import { MSGPACK_SERIALIZER, type SerializerSnapshot, type TypeSerializer, isSerializerRegistered, restoreSerializer } from './serializers/type-serializer.js';

/*
 * Operator state (list, union list, broadcast) through its descriptor's serializers, as in
 * Flink's DefaultOperatorStateBackend: a snapshot writes each state's elements with them and
 * records the writer; a restore checks the job's serializers against every writer (incompatible:
 * refused as keyed state is) and reads each element with its writer's schema, migrating it.
 */

/** The serializers of a registered operator state. */
export interface OperatorStateSerializers {
  /** List and union list state: the elements'; broadcast state: the values'. */
  readonly value: TypeSerializer<unknown>;
  /** Broadcast state: the keys'. */
  readonly key?: TypeSerializer<unknown>;
  /** What snapshots record about them; undefined if both are MessagePack (elements stored inline, as before serializers). */
  readonly writer: OperatorStateWriter | undefined;
}

/** The serializers `d` sets: its element serializer, or a broadcast state's key and value serializers. */
export function serializersOf(d: ListStateDescriptor<unknown> | MapStateDescriptor<unknown, unknown>): OperatorStateSerializers {
  const value = d.getSerializer();
  const key = d instanceof MapStateDescriptor ? d.getKeySerializer() : undefined;
  const v = value.snapshot();
  const k = key?.snapshot();
  const writer = isMessagePack(v) && isMessagePack(k) ? undefined : { value: v, ...(k !== undefined && !isMessagePack(k) ? { key: k } : {}) };
  return { value, ...(key ? { key } : {}), writer };
}

/**
 * A registered state at a checkpoint's cut: its elements as they are (the first `count` of
 * `values`; nothing is copied, the state is frozen by `freeze` until they are encoded) and how
 * each is written: inline where MessagePack writes it, otherwise as its serializer's bytes, with
 * the writer recorded. The serializers run later (PendingOperatorLists), off the cut.
 */
export function cutEntry(
  name: string,
  mode: OperatorStateMode,
  values: Iterable<unknown>,
  count: number,
  s: OperatorStateSerializers,
  freeze?: StateFreeze,
): OperatorStateCut {
  const held = { mode, values, count, ...(freeze ? { freeze } : {}) };
  const { writer } = s;
  if (writer === undefined) return held;
  const writers: WriterRuns = [[count, writer]];
  const value = isMessagePack(writer.value) ? undefined : encoder(name, 'serializer', s.value);
  if (mode !== 'broadcast') return { ...held, writers, ...(value ? { encode: value } : {}) };
  const key = isMessagePack(writer.key) ? undefined : encoder(name, 'key serializer', s.key!);
  const encode = (e: unknown) => {
    const [k, v] = e as [unknown, unknown];
    return [key ? key(k) : k, value ? value(v) : v];
  };
  return { ...held, writers, encode };
}

/**
 * A registered state's elements as a snapshot holds them (see {@link cutEntry}), encoded now.
 *
 * @throws StateSerializationError naming the state if its serializer refuses an element
 */
export function snapshotEntry(name: string, mode: OperatorStateMode, values: readonly unknown[], s: OperatorStateSerializers): OperatorListEntry {
  const { writers, encode } = cutEntry(name, mode, values, values.length, s);
  return { mode, values: encode ? values.map(encode) : [...values], ...(writers ? { writers } : {}) };
}

/**
 * An operator state registered again under its name gets the first registration's state, whose
 * serializers write it; serializers that cannot read what those write are refused, as keyed
 * state refuses them (state-registration's checkRegisteredAgain), instead of the first silently
 * winning. Cheap when the same serializer objects come again.
 *
 * @throws StateMigrationError naming the state and both serializers
 */
export function checkSameSerializers(name: string, first: OperatorStateSerializers, next: OperatorStateSerializers): void {
  checkSame(name, 'serializer', first.value, next.value);
  if (first.key && next.key) checkSame(name, 'key serializer', first.key, next.key);
}

function checkSame(name: string, what: string, first: TypeSerializer<unknown>, next: TypeSerializer<unknown>): void {
  if (first === next) return;
  const written = first.snapshot();
  if (isDeepStrictEqual(written, next.snapshot()) || next.resolveSchemaCompatibility(written).type === 'COMPATIBLE_AS_IS') return;
  throw new StateMigrationError(
    `Operator state '${name}' is already registered with the ${written.name} ${what}, and registering it again with a ${next.snapshot().name} ${what} ` +
      `that cannot read its elements as they are would get the first one's state; register it once, or give the new state another name.`,
  );
}

/** Serializes with `serializer`; a value it refuses fails the checkpoint in one line naming the state (its own error names only the field). */
function encoder(name: string, what: string, serializer: TypeSerializer<unknown>): (x: unknown) => Uint8Array {
  return (x) => {
    try {
      return serializer.serialize(x);
    } catch (err) {
      if (err instanceof FlinkError) throw err;
      const by = `${serializer.snapshot().name} ${what}`;
      throw new StateSerializationError(`State '${name}' cannot be written into the checkpoint by its ${by}: ${(err as Error).message}`, { cause: err });
    }
  };
}

/** Reads one stored element; undefined: it is stored as it is. */
type Reader = ((stored: unknown) => unknown) | undefined;

/**
 * The elements of restored `entry` as the job's serializers `s` read them. Every writer is
 * checked before anything is read: an incompatible one is refused in one line naming the state,
 * as keyed state is; bytes of a compatible one are read with its schema (migrated).
 *
 * @throws StateMigrationError if a writer is incompatible with the job's serializers, unknown
 *   here, or (broadcast) its keys are read back as objects
 */
export function readRestored(name: string, entry: OperatorListEntry, s: OperatorStateSerializers): unknown[] {
  const runs = runsOf(entry);
  const writers = distinctWriters(runs);
  const readers = writers.map((w) => readerFor(name, entry.mode, w, s));
  if (readers.every((r) => r === undefined)) return [...entry.values];
  const out: unknown[] = new Array(entry.values.length);
  let i = 0;
  for (const [count, w] of runs) {
    const read = readers[sameIndex(writers, w)];
    for (const end = i + count; i < end; i++) out[i] = read ? read(entry.values[i]) : entry.values[i];
  }
  return out;
}

/** The index in `writers` (distinct, from distinctWriters) of the writer equal to `w`. */
function sameIndex(writers: readonly OperatorStateWriter[], w: OperatorStateWriter): number {
  const same = writers.indexOf(w);
  return same >= 0 ? same : writers.findIndex((x) => isDeepStrictEqual(x, w));
}

function readerFor(name: string, mode: OperatorStateMode, w: OperatorStateWriter, s: OperatorStateSerializers): Reader {
  const value = partReader(name, 'serializer', w.value, s.value);
  if (mode !== 'broadcast') return value;
  const key = partReader(name, 'key serializer', w.key ?? MSGPACK_WRITER.value, s.key ?? MSGPACK_SERIALIZER);
  if (!key && !value) return undefined;
  return (e) => {
    const [k, v] = e as [unknown, unknown];
    return [key ? restoredKey(name, key(k)) : k, value ? value(v) : v];
  };
}

/** How `serializer` reads what `written` wrote: as is, migrated, or (MessagePack, inline) not at all. */
function partReader(name: string, what: string, written: SerializerSnapshot, serializer: TypeSerializer<unknown>): Reader {
  const compat = serializer.resolveSchemaCompatibility(written);
  if (compat.type === 'INCOMPATIBLE') throw new StateMigrationError(`State '${name}' cannot be restored: its ${what} is incompatible: ${compat.reason}.`);
  if (isMessagePack(written)) return undefined;
  if (compat.type === 'COMPATIBLE_AS_IS') return (b) => serializer.deserialize(b as Uint8Array);
  if (!isSerializerRegistered(written.name)) {
    throw new StateMigrationError(
      `State '${name}' cannot be restored: it was written by the serializer '${written.name}', which is not registered in this job; ` +
        `call registerSerializer('${written.name}', snapshot => …) in the job file before the job runs, so a restore can rebuild it from the snapshot.`,
    );
  }
  return (b) => serializer.deserializeFrom(b as Uint8Array, written);
}

/**
 * A broadcast key as its key serializer read it back: an object (Avro reads `bytes` as a Buffer)
 * would be compared by identity in the state's map and never found again, so it is refused.
 */
function restoredKey(name: string, key: unknown): unknown {
  if (typeof key !== 'object' || key === null) return key;
  throw new StateMigrationError(
    `State '${name}' cannot be restored: its key serializer reads a key as an object, and a BroadcastState user key must be a string, number, bigint or boolean; ` +
      "keep the keys' type in the key serializer's schema.",
  );
}

/**
 * The elements of `entry` read with the serializers that wrote them, rebuilt from the snapshot's
 * record of them (no code from the snapshot runs): the State Processor API reads operator state
 * as it was written.
 *
 * @throws Error naming a writer that is not registered here
 */
export function readAsWritten(entry: OperatorListEntry): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  for (const [count, w] of runsOf(entry)) {
    const value = isMessagePack(w.value) ? undefined : restoreSerializer(w.value);
    const key = entry.mode === 'broadcast' && !isMessagePack(w.key) ? restoreSerializer(w.key!) : undefined;
    for (const end = i + count; i < end; i++) {
      const e = entry.values[i];
      if (entry.mode !== 'broadcast') out.push(value ? value.deserialize(e as Uint8Array) : e);
      else {
        const [k, v] = e as [unknown, unknown];
        out.push([key ? key.deserialize(k as Uint8Array) : k, value ? value.deserialize(v as Uint8Array) : v]);
      }
    }
  }
  return out;
}
