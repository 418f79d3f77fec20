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

  /**
   * @throws TypeError naming the field if the value does not fit the schema: avsc alone would
   * drop a field the schema does not declare, and write a JS Map as an empty map, so the value
   * would change on its way through a snapshot.
   */
  serialize(value: T): Uint8Array {
    const problem = valueProblem(this.type, value);
    if (problem !== undefined) throw new TypeError(`the value does not fit its Avro schema: ${problem}`);
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
    let writer: Avro.Type;
    try {
      // A snapshot is data: a schema that does not parse is a damaged snapshot, refused in one line.
      writer = this.writerType(previous);
    } catch (err) {
      return { type: 'INCOMPATIBLE', reason: `the snapshot's Avro schema is not valid (${(err as Error).message}); the snapshot is damaged or was not written by this serializer` };
    }
    if (writer.fingerprint().equals(this.type.fingerprint())) return { type: 'COMPATIBLE_AS_IS' };
    const problem = resolutionProblem(this.type, writer);
    if (problem === undefined) return { type: 'COMPATIBLE_AFTER_MIGRATION' };
    return { type: 'INCOMPATIBLE', reason: `its Avro schema cannot read the values written with the old one: ${problem}` };
  }

  deserializeFrom(bytes: Uint8Array, previous: SerializerSnapshot): T {
    return plain(this.type.fromBuffer(Buffer.from(bytes), this.resolverFor(previous))) as T;
  }

  /** The last writer schema parsed, by its snapshot: a restore reads every value of a state with one. */
  private lastWriter: { readonly previous: SerializerSnapshot; readonly type: Avro.Type; resolver?: Avro.Resolver } | undefined;

  private writerType(previous: SerializerSnapshot): Avro.Type {
    if (this.lastWriter?.previous !== previous) this.lastWriter = { previous, type: avro().Type.forSchema(previous.config as Avro.Schema) };
    return this.lastWriter.type;
  }

  /** Parsing the writer's schema and building a resolver cost far more than reading a value: done once per restored state. */
  private resolverFor(previous: SerializerSnapshot): Avro.Resolver {
    const writer = this.writerType(previous);
    return (this.lastWriter!.resolver ??= this.type.createResolver(writer, resolution()));
  }
}

/**
 * How a reader resolves a writer: named types (records, enums, fixed) match by their unqualified
 * names or the reader's aliases, as in Avro's SchemaCompatibility (since 1.9, which Flink uses),
 * so a changed namespace reads. A new object each time: avsc keeps its resolvers in it.
 */
const resolution = (): { ignoreNamespaces: boolean } => ({ ignoreNamespaces: true });

/** What Avro's schema resolution converts: each writer type and the reader types it is read as. */
const PROMOTIONS = 'int → long, float, double; long → float, double; float → double; string ↔ bytes';

/** A type as a message names it: `int`, `record Address`, `fixed Hash (16 bytes)`, `union [null, int]`, … */
function typeLabel(t: Avro.Type): string {
  const { UnwrappedUnionType, WrappedUnionType } = avro().types;
  if (t instanceof UnwrappedUnionType || t instanceof WrappedUnionType) return `union [${t.types.map(typeLabel).join(', ')}]`;
  if (t instanceof avro().types.FixedType) return `fixed ${t.name ?? ''} (${t.size} bytes)`;
  if (t.typeName === 'record' || t.typeName === 'enum') return `${t.typeName} ${t.name ?? ''}`.trim();
  return t.typeName;
}

/** A value as a message shows it, briefly (bigints included, which JSON cannot show). */
function shown(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? 'an array' : `a ${v.constructor?.name ?? 'null-prototype object'}`;
}

/** A path as avsc's errorHook gives it (field names, array indices, map keys), as `a.b[2].c`. */
function pathLabel(path: readonly string[]): string {
  return path.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * Why `value` cannot be written with `type` as it is, or undefined: a value avsc would reject
 * (named by its field), a field the schema does not declare (avsc would drop it), or an object
 * other than plain data (a Map, Set, Date or class instance: avsc would write a Map as an empty
 * map and a class instance as its own fields).
 */
function valueProblem(type: Avro.Type, value: unknown): string | undefined {
  const foreign = foreignObject(value, []);
  if (foreign !== undefined) return foreign;
  let problem: string | undefined;
  type.isValid(value, {
    noUndeclaredFields: true,
    errorHook: (path, v, t) => {
      if (problem !== undefined) return;
      const where = path.length === 0 ? 'the value' : `field '${pathLabel(path)}'`;
      if (t instanceof avro().types.RecordType && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const extra = Object.keys(v).filter((k) => !t.fields.some((f) => f.name === k));
        if (extra.length > 0) {
          problem = `${where} has ${extra.map((k) => `'${k}'`).join(', ')}, which ${typeLabel(t)} does not declare (Avro would drop it): add it to the schema (with a default) or leave it out`;
          return;
        }
      }
      problem = `${where} is ${shown(v)}, which is not a valid ${typeLabel(t)}`;
    },
  });
  return problem;
}

/** The first object in `v` that is not plain data (arrays, plain objects, Buffers), by its path. */
function foreignObject(v: unknown, path: string[]): string | undefined {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return undefined;
  const where = path.length === 0 ? 'the value' : `field '${pathLabel(path)}'`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const inner = foreignObject(v[i], [...path, String(i)]);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const hint = v instanceof Map ? ' (for an Avro map, use a plain object: Object.fromEntries(map))' : '';
    return `${where} is ${shown(v)}, which Avro cannot hold as is: give it plain objects, arrays, strings, numbers, booleans, null and Buffers${hint}`;
  }
  for (const [k, x] of Object.entries(v)) {
    const inner = foreignObject(x, [...path, k]);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** The symbols of a writer enum a reader enum lacks (read as the reader's default if it has one). */
function lostSymbols(reader: Avro.types.EnumType, writer: Avro.types.EnumType): string[] {
  return writer.symbols.filter((s) => !reader.symbols.includes(s));
}

/**
 * Why values written with `writer` cannot be read with `reader`, naming the field (a dotted
 * path from the top record: `address.zip`, `[]` for array items, `{}` for map values); undefined
 * if they can. avsc's own error names only the two types, never where they are.
 */
function resolutionProblem(reader: Avro.Type, writer: Avro.Type, path = ''): string | undefined {
  try {
    reader.createResolver(writer, resolution());
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
    if (reader instanceof avro().types.EnumType && writer instanceof avro().types.EnumType) {
      // Avro's SchemaCompatibility calls this MISSING_ENUM_SYMBOLS: name them, not the two enums.
      const lost = lostSymbols(reader, writer);
      if (lost.length > 0) {
        return (
          `${where} (${typeLabel(reader)}) no longer has the symbol${lost.length > 1 ? 's' : ''} ${lost.join(', ')}, which values written before may hold: ` +
          'keep them, or give the enum a default (Avro reads a symbol it lacks as the default)'
        );
      }
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
