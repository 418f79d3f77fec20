import { entriesByKeyGroup } from './table-walk.js';
import { isDeepStrictEqual } from 'node:util';
import { StateMigrationError } from '../util/errors.js';
import type { KeyGroupRange } from './key-groups.js';
import type { TableEntry } from './keyed-state-entry.js';
import { type KeyReader, isMessagePackKeys } from './map-key-serializers.js';
import { type SerializerSnapshot, type TypeSerializer, isSerializerRegistered } from './serializers/type-serializer.js';
import { type StateMeta, keyWriterOf, mapUserValues, mapUserKeys } from './state-meta.js';

/*
 * Restored state held as its serializers' bytes until the job registers it: which serializer
 * wrote each key group (subtasks that had and had not migrated a state may be restored into
 * one), what a snapshot taken meanwhile records of that, and the conversion at registration.
 */

/**
 * The metadata of a table first created for a restored key group: the state's, with the key
 * group's writer and key writer as the table's own.
 */
export function restoredTableMeta(meta: StateMeta, writer: SerializerSnapshot, keyWriter: SerializerSnapshot): StateMeta {
  const { writers: _, keyWriters: _k, keySerializer: _s, ...own } = meta;
  return { ...own, serializer: writer, ...(isMessagePackKeys(keyWriter) ? {} : { keySerializer: keyWriter }) };
}

/**
 * Notes in `entry` (state `name`, restored) that `writer` wrote key group `keyGroup`'s values and
 * `keyWriter` its user keys, where they are not the table's own; `raw` says the values are bytes.
 * @throws StateMigrationError if the key group's values are bytes and others inline, or the reverse
 */
export function noteKeyGroupWriters(
  entry: TableEntry,
  name: string,
  keyGroup: number,
  writer: SerializerSnapshot,
  keyWriter: SerializerSnapshot,
  raw: boolean,
  file: string,
): void {
  // User keys of key groups written by different key serializers may share a table: each is
  // read with its own writer at registration, where the job's key serializer is checked against all.
  if (!isMessagePackKeys(keyWriter)) entry.rawKeys = true;
  if (isDeepStrictEqual(keyWriter, keyWriterOf(entry.meta, -1))) entry.keyWriters?.delete(keyGroup);
  else {
    const keyWriters = (entry.keyWriters ??= new Map());
    const known = [...new Set(keyWriters.values())].find((w) => isDeepStrictEqual(w, keyWriter));
    keyWriters.set(keyGroup, known ?? keyWriter);
  }
  if (entry.raw !== raw) {
    // Bytes and inline values cannot share a table. A job that switched the state to or from
    // the default serializer is refused where a subtask held its values; one that held none
    // accepted it and wrote the other kind.
    throw new StateMigrationError(
      `State '${name}' cannot be restored: key group ${keyGroup} (${file}) was written by the ${writer.name} serializer and others by the ` +
        `${entry.meta.serializer.name} serializer, and a state keeps its serializer (as in Flink); restore from a snapshot taken before the serializer changed, ` +
        `or register the new one under a new state name.`,
    );
  }
  if (isDeepStrictEqual(writer, entry.meta.serializer)) {
    entry.writers?.delete(keyGroup);
  } else {
    // One object per distinct writer: registering resolves each once.
    const writers = (entry.writers ??= new Map());
    const known = [...new Set(writers.values())].find((w) => isDeepStrictEqual(w, writer));
    writers.set(keyGroup, known ?? writer);
  }
}

/** What a snapshot records of `e`'s state: its metadata, with the writers of key groups still held as restored. */
export function restoredMeta(e: TableEntry): StateMeta {
  if (!e.writers?.size && !e.keyWriters?.size) return e.meta;
  return {
    ...e.meta,
    ...(e.writers?.size ? { writers: Object.fromEntries(e.writers) } : {}),
    ...(e.keyWriters?.size ? { keyWriters: Object.fromEntries(e.keyWriters) } : {}),
  };
}

/**
 * Deserializes restored values with the job's serializer, migrating each key group from the
 * writer `previousOf` gives (undefined: read as is).
 */
export function convertRawValues(
  name: string,
  entry: TableEntry,
  serializer: TypeSerializer<unknown>,
  previousOf: (keyGroup: number) => SerializerSnapshot | undefined,
  range: KeyGroupRange,
): void {
  const asIs = (b: unknown) => serializer.deserialize(b as Uint8Array);
  const reads = new Map<SerializerSnapshot, (b: unknown) => unknown>();
  const readerOf = (previous: SerializerSnapshot): ((b: unknown) => unknown) => {
    let read = reads.get(previous);
    if (read) return read;
    // Fail early, before anything is converted, if the writer's serializer is unknown here.
    if (!isSerializerRegistered(previous.name)) {
      throw new StateMigrationError(
        `State '${name}' cannot be restored: it was written by the serializer '${previous.name}', which is not registered in this job; ` +
          `call registerSerializer('${previous.name}', snapshot => …) in the job file before the job runs, so a restore can rebuild it from the snapshot.`,
      );
    }
    read = (b: unknown) => serializer.deserializeFrom(b as Uint8Array, previous);
    reads.set(previous, read);
    return read;
  };
  const perKeyGroup: Array<(b: unknown) => unknown> = [];
  for (let kg = range.start; kg <= range.end; kg++) {
    const previous = previousOf(kg);
    perKeyGroup.push(previous ? readerOf(previous) : asIs);
  }
  for (const { keyGroup, key, value } of entriesByKeyGroup(entry.table)) {
    entry.table.set(keyGroup, key, mapUserValues(entry.meta, value, perKeyGroup[keyGroup - range.start]!));
  }
}

/**
 * Reads restored user keys with the job's key serializer, each key group with its writer's
 * reader (`readerOf`; undefined: inline), and hands every converted value to `noted`: the
 * user-key fence could not see the keys as bytes at restore.
 */
export function convertRawKeys(entry: TableEntry, range: KeyGroupRange, readerOf: (keyGroup: number) => KeyReader, noted: (converted: unknown) => void): void {
  const { table, meta } = entry;
  const readers: KeyReader[] = [];
  for (let kg = range.start; kg <= range.end; kg++) readers.push(readerOf(kg));
  for (const { keyGroup, key, value } of entriesByKeyGroup(table)) {
    const read = readers[keyGroup - range.start];
    const converted = read ? mapUserKeys(meta, value, read) : value;
    noted(converted);
    if (converted !== value) table.set(keyGroup, key, converted);
  }
}
