import { createRequire } from 'node:module';
import type * as Avro from 'avsc';
import { type SchemaCompatibility, type SerializerSnapshot, type TypeSerializer, registerSerializer } from './type-serializer.js';

let avroModule: typeof Avro | undefined;
/** avsc loads on first use: most jobs never use Avro, and loading it slows every start (each worker thread's too). */
const avro = (): typeof Avro => (avroModule ??= createRequire(import.meta.url)('avsc') as typeof Avro);

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
  private readonly type: Avro.Type;

  private constructor(readonly schema: AvroSchema) {
    this.type = avro().Type.forSchema(schema as Avro.Schema);
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
    if (previous.name !== AvroSerializer.NAME) return { type: 'INCOMPATIBLE', reason: serializerSwitched(previous.name, 'Avro') };
    const writer = avro().Type.forSchema(previous.config as Avro.Schema);
    if (writer.fingerprint().equals(this.type.fingerprint())) return { type: 'COMPATIBLE_AS_IS' };
    const problem = resolutionProblem(this.type, writer);
    if (problem === undefined) return { type: 'COMPATIBLE_AFTER_MIGRATION' };
    return { type: 'INCOMPATIBLE', reason: `its Avro schema cannot read the values written with the old one: ${problem}` };
  }

  deserializeFrom(bytes: Uint8Array, previous: SerializerSnapshot): T {
    const writer = avro().Type.forSchema(previous.config as Avro.Schema);
    return plain(this.type.fromBuffer(Buffer.from(bytes), this.type.createResolver(writer))) as T;
  }
}

/** What Avro's schema resolution converts: each writer type and the reader types it is read as. */
const PROMOTIONS = 'int → long, float, double; long → float, double; float → double; string ↔ bytes';

/** A type as a message names it: `int`, `record Address`, `array`, … */
function typeLabel(t: Avro.Type): string {
  if (t.typeName === 'record' || t.typeName === 'enum' || t.typeName === 'fixed') return `${t.typeName} ${t.name ?? ''}`.trim();
  return t.typeName.replace(/^union:.*/, 'union');
}

/**
 * Why values written with `writer` cannot be read with `reader`, naming the field (a dotted
 * path from the top record: `address.zip`, `[]` for array items, `{}` for map values); undefined
 * if they can. avsc's own error names only the two types, never where they are.
 */
function resolutionProblem(reader: Avro.Type, writer: Avro.Type, path = ''): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    const where = path === '' ? 'the value' : `field '${path}'`;
    const prefix = path === '' ? '' : `${path}.`;
    if (reader instanceof avro().types.RecordType && writer instanceof avro().types.RecordType) {
      for (const field of reader.fields) {
        const old = writer.fields.find((w) => w.name === field.name || field.aliases.includes(w.name));
        if (old === undefined) {
          if (field.defaultValue() === undefined) {
            return `field '${prefix}${field.name}' is new and has no default, so values written before it cannot be read: give it a default`;
          }
          continue;
        }
        const inner = resolutionProblem(field.type, old.type, `${prefix}${field.name}`);
        if (inner !== undefined) return inner;
      }
      return `${where} (${typeLabel(writer)}) cannot be read as ${typeLabel(reader)}: ${(err as Error).message}`;
    }
    if (reader instanceof avro().types.ArrayType && writer instanceof avro().types.ArrayType) {
      return resolutionProblem(reader.itemsType, writer.itemsType, `${path}[]`);
    }
    if (reader instanceof avro().types.MapType && writer instanceof avro().types.MapType) {
      return resolutionProblem(reader.valuesType, writer.valuesType, `${path}{}`);
    }
    return (
      `${where} was ${typeLabel(writer)} and is now ${typeLabel(reader)}, which Avro cannot convert (it converts ${PROMOTIONS}); ` +
      `keep its type, or add a field under a new name (with a default) and drop this one`
    );
  }
}

/**
 * A state's serializer changed kind (e.g. from the default to Avro). As in Flink, a state keeps
 * the serializer it was written with; the values can move to a new state, key by key.
 */
function serializerSwitched(written: string, registered: string): string {
  const was = written === 'msgpack' ? 'the default serializer (MessagePack)' : `the ${written} serializer`;
  return (
    `it was written with ${was} and is now registered with ${registered}, and a state keeps its serializer (as in Flink); ` +
    'register the new one under a new state name (to carry the values over, read the old state alongside it and move each ' +
    "key's value into the new one: see the README, Serializers and schema evolution)"
  );
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
