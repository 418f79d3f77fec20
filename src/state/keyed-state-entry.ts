import type { StateDescriptor } from './descriptors.js';
import type { SerializerSnapshot } from './serializers/type-serializer.js';
import type { StateMeta } from './state-meta.js';
import type { TrackedStateTable } from './state-table.js';

/** One state of a keyed backend (registered, or restored only): its table and what is known of it. */
export interface TableEntry {
  meta: StateMeta;
  readonly table: TrackedStateTable<unknown>;
  /** The registered descriptor (undefined while only restored). */
  descriptor: StateDescriptor | undefined;
  /** Restored values are still serialized bytes, waiting for the job's serializer. */
  raw: boolean;
  /**
   * While raw: key groups whose bytes another serializer than `meta.serializer` wrote (restored
   * from subtasks that had and had not migrated the state).
   */
  writers?: Map<number, SerializerSnapshot>;
  /** While restored only (a map state): some key group's user keys are still their key serializer's bytes. */
  rawKeys?: boolean;
  /** Key groups whose user keys another key serializer than `meta.keySerializer` wrote (as `writers` for values). */
  keyWriters?: Map<number, SerializerSnapshot>;
}
