import type { SchemaCompatibility, SerializerSnapshot, TypeSerializer } from '../../src/state/index.js';

/**
 * A custom serializer for the serializer tests: numbers as decimal strings (version 1) or as
 * "v2:<n>" (version 2), under `name`; an older version is read after migration.
 */
export class DecimalSerializer implements TypeSerializer<unknown> {
  constructor(
    private readonly version: number,
    private readonly name: string,
  ) {}
  serialize(v: unknown): Uint8Array {
    return Buffer.from(this.version === 1 ? String(v) : `v2:${String(v)}`);
  }
  deserialize(bytes: Uint8Array): unknown {
    const text = Buffer.from(bytes).toString();
    return Number(this.version === 1 ? text : text.slice(3));
  }
  snapshot(): SerializerSnapshot {
    return { name: this.name, version: this.version };
  }
  resolveSchemaCompatibility(previous: SerializerSnapshot): SchemaCompatibility {
    if (previous.name !== this.name) return { type: 'INCOMPATIBLE', reason: 'another serializer' };
    return previous.version === this.version ? { type: 'COMPATIBLE_AS_IS' } : { type: 'COMPATIBLE_AFTER_MIGRATION' };
  }
  deserializeFrom(bytes: Uint8Array, previous: SerializerSnapshot): unknown {
    return new DecimalSerializer(previous.version, this.name).deserialize(bytes);
  }
}
