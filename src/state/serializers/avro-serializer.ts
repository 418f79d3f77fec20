import avro from 'avsc';
import { type SchemaCompatibility, type SerializerSnapshot, type TypeSerializer, registerSerializer } from './type-serializer.js';

/** An Avro schema as JSON (see avro.apache.org). */
export type AvroSchema = Record<string, unknown> | string;

/**
 * Avro for state whose shape evolves (avsc). A snapshot stores the writer's schema; a job with a
 * new schema reads it through Avro's schema resolution: a field added with a default, a field
 * removed, a type promoted (int → long, float → double, …) restore after migration; anything else
 * is refused naming the field.
 *
 * @example
 * new ValueStateDescriptor<Account>('account').setSerializer(AvroSerializer.of({
 *   type: 'record', name: 'Account', fields: [{ name: 'balance', type: 'long' }] }));
 */
export class AvroSerializer<T> implements TypeSerializer<T> {
  static readonly NAME = 'avro';
  private readonly type: avro.Type;

  private constructor(readonly schema: AvroSchema) {
    this.type = avro.Type.forSchema(schema as avro.Schema);
  }

  /** A serializer for values of this Avro schema. */
  static of<T>(schema: AvroSchema): AvroSerializer<T> {
    return new AvroSerializer<T>(schema);
  }

  serialize(value: T): Uint8Array {
    return this.type.toBuffer(value);
  }

  deserialize(bytes: Uint8Array): T {
    return plain(this.type.fromBuffer(Buffer.from(bytes))) as T;
  }

  snapshot(): SerializerSnapshot {
    return { name: AvroSerializer.NAME, version: 1, config: this.type.schema() };
  }

  resolveSchemaCompatibility(previous: SerializerSnapshot): SchemaCompatibility {
    if (previous.name !== AvroSerializer.NAME) {
      return { type: 'INCOMPATIBLE', reason: `it was written with the ${previous.name} serializer, not Avro` };
    }
    const writer = avro.Type.forSchema(previous.config as avro.Schema);
    if (writer.fingerprint().equals(this.type.fingerprint())) return { type: 'COMPATIBLE_AS_IS' };
    try {
      this.type.createResolver(writer);
      return { type: 'COMPATIBLE_AFTER_MIGRATION' };
    } catch (err) {
      return { type: 'INCOMPATIBLE', reason: `its Avro schema cannot be read with the new one: ${(err as Error).message}` };
    }
  }

  deserializeFrom(bytes: Uint8Array, previous: SerializerSnapshot): T {
    const writer = avro.Type.forSchema(previous.config as avro.Schema);
    return plain(this.type.fromBuffer(Buffer.from(bytes), this.type.createResolver(writer))) as T;
  }
}

/** avsc decodes records as instances of generated classes; state values are plain data. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Map)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

registerSerializer(AvroSerializer.NAME, (s) => AvroSerializer.of(s.config as AvroSchema));
