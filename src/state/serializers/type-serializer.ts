import { pack, unpack } from '../../util/binary-codec.js';

/**
 * What a snapshot records about the serializer that wrote a state: a registered name and its
 * configuration (e.g. an Avro schema). Pure data: restoring never runs code from a snapshot.
 */
export interface SerializerSnapshot {
  readonly name: string;
  readonly version: number;
  readonly config?: unknown;
}

/** True if `s` has the shape of a {@link SerializerSnapshot} (read from a snapshot, not yet trusted). */
export function isSerializerSnapshot(s: unknown): s is SerializerSnapshot {
  return typeof s === 'object' && s !== null && typeof (s as SerializerSnapshot).name === 'string' && typeof (s as SerializerSnapshot).version === 'number';
}

/** Whether a serializer can read what an earlier one wrote (Flink's TypeSerializerSchemaCompatibility). */
export type SchemaCompatibility =
  | { readonly type: 'COMPATIBLE_AS_IS' }
  | { readonly type: 'COMPATIBLE_AFTER_MIGRATION' }
  | { readonly type: 'INCOMPATIBLE'; readonly reason: string };

/**
 * Turns a state's values into bytes for snapshots and back, and decides at restore whether it
 * can read what the snapshot's serializer wrote.
 */
export interface TypeSerializer<T> {
  serialize(value: T): Uint8Array;
  deserialize(bytes: Uint8Array): T;
  /** Data describing this serializer, stored in every checkpoint and savepoint. */
  snapshot(): SerializerSnapshot;
  resolveSchemaCompatibility(previous: SerializerSnapshot): SchemaCompatibility;
  /** Reads bytes written by the serializer `previous` describes (after COMPATIBLE_AFTER_MIGRATION). */
  deserializeFrom(bytes: Uint8Array, previous: SerializerSnapshot): T;
}

/**
 * The default serializer: MessagePack (msgpackr) for JSON-like values plus bigint, Date, Map,
 * Set and typed arrays. Decoding never runs code. States with this serializer are stored inline
 * in snapshots (no bytes per value).
 */
export class MessagePackSerializer implements TypeSerializer<unknown> {
  static readonly NAME = 'msgpack';
  serialize(value: unknown): Uint8Array {
    return pack(value);
  }
  deserialize(bytes: Uint8Array): unknown {
    return unpack(bytes);
  }
  snapshot(): SerializerSnapshot {
    return { name: MessagePackSerializer.NAME, version: 1 };
  }
  resolveSchemaCompatibility(previous: SerializerSnapshot): SchemaCompatibility {
    return previous.name === MessagePackSerializer.NAME
      ? { type: 'COMPATIBLE_AS_IS' }
      : {
          type: 'INCOMPATIBLE',
          reason:
            `it was written with the ${previous.name} serializer and is now registered with the default one (MessagePack), ` +
            `and a state keeps its serializer (as in Flink); set the ${previous.name} serializer on its descriptor again, or use a new state name`,
        };
  }
  deserializeFrom(bytes: Uint8Array): unknown {
    return unpack(bytes);
  }
}

export const MSGPACK_SERIALIZER = new MessagePackSerializer();

/** Rebuilds the serializer that wrote a snapshot from its recorded configuration. */
export type SerializerFactory = (snapshot: SerializerSnapshot) => TypeSerializer<unknown>;

const factories = new Map<string, SerializerFactory>([[MessagePackSerializer.NAME, () => MSGPACK_SERIALIZER]]);

/** Registers how to rebuild serializers named `name` from their snapshot (for custom serializers). */
export function registerSerializer(name: string, factory: SerializerFactory): void {
  factories.set(name, factory);
}

/** True if serializers named `name` can be rebuilt from their snapshots here. */
export function isSerializerRegistered(name: string): boolean {
  return factories.has(name);
}

/** The serializer that wrote `snapshot`; throws if its name is unknown here. */
export function restoreSerializer(snapshot: SerializerSnapshot): TypeSerializer<unknown> {
  const factory = factories.get(snapshot.name);
  if (!factory) throw new Error(`no serializer named '${snapshot.name}' is registered`);
  return factory(snapshot);
}
