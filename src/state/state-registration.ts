import { isDeepStrictEqual } from 'node:util';
import { StateMigrationError } from '../util/errors.js';
import { MapStateDescriptor, type StateDescriptor } from './descriptors.js';
import { keySerializerOf } from './map-key-serializers.js';
import type { SerializerSnapshot, TypeSerializer } from './serializers/type-serializer.js';
import type { StateMeta } from './state-meta.js';

/*
 * The checks a keyed state's registration makes, as pure functions of the descriptor and what
 * was registered or restored before, and the metadata it records. The backend carries out what
 * they decide (converting restored values, creating tables).
 */

/** The metadata a snapshot records of state `d` as registered. */
export function metaOf(d: StateDescriptor, namespaced: boolean): StateMeta {
  const keys = keySerializerOf(d);
  const meta = { kind: d.kind, ttl: d.getTtlConfig() !== undefined, serializer: d.getSerializer().snapshot(), ...(keys ? { keySerializer: keys.snapshot() } : {}) };
  return namespaced ? { ...meta, namespaced: true } : meta;
}

/**
 * Checks `d`, whose name is registered already as `registered` (namespaced or not as
 * `wasNamespaced` says): it must be the same kind, (non-)namespaced as before, with serializers
 * that read what the first registration's write.
 */
export function checkRegisteredAgain(registered: StateDescriptor, d: StateDescriptor, wasNamespaced: boolean, namespaced: boolean): void {
  if (registered.kind !== d.kind) {
    throw new TypeError(`State '${d.name}' is already registered as ${registered.kind} state and cannot be used as ${d.kind} state.`);
  }
  if (wasNamespaced !== namespaced) {
    throw new TypeError(
      `State '${d.name}' is already registered as ${namespaced ? 'state of the key' : 'per-window state'} and cannot be used as ${namespaced ? 'per-window state' : 'state of the key'}; give one of them another name.`,
    );
  }
  checkSameSerializer(registered, d);
}

/**
 * A state registered again under its name gets the state object of the first registration,
 * whose serializer writes its values; a serializer that cannot read what that one writes would
 * see values it does not understand, so it is refused. Flink's backends return the first state
 * unchecked (AbstractKeyedStateBackend caches it by name); their check of a new serializer
 * against the old one (tryRegisterStateTable) is the one {@link restoredReaders} makes. Cheap
 * when the same serializer object comes again (a descriptor built per call, without setSerializer).
 */
function checkSameSerializer(registered: StateDescriptor, d: StateDescriptor): void {
  checkSame(d.name, 'serializer', 'values', registered.getSerializer(), d.getSerializer());
  if (registered instanceof MapStateDescriptor && d instanceof MapStateDescriptor) checkSame(d.name, 'key serializer', 'keys', registered.getKeySerializer(), d.getKeySerializer());
}

function checkSame(name: string, what: string, of: string, first: TypeSerializer<unknown>, next: TypeSerializer<unknown>): void {
  if (first === next) return;
  const written = first.snapshot();
  if (isDeepStrictEqual(written, next.snapshot()) || next.resolveSchemaCompatibility(written).type === 'COMPATIBLE_AS_IS') return;
  throw new StateMigrationError(
    `State '${name}' is already registered with the ${written.name} ${what}, and registering it again with a ${next.snapshot().name} ${what} ` +
      `that cannot read its ${of} as they are would get the first one's state; register it once, or give the new state another name.`,
  );
}

/** Checks `d`, registered over a state restored as `meta`: same layout (namespaced or not), kind, and TTL on or off. */
export function checkRestoredAs(meta: StateMeta, d: StateDescriptor, namespaced: boolean): void {
  const ttl = d.getTtlConfig() !== undefined;
  if ((meta.namespaced === true) !== namespaced) {
    throw new StateMigrationError(
      `State '${d.name}' was ${meta.namespaced ? 'per-window' : 'per-key'} state in the restored snapshot but is registered as ${namespaced ? 'per-window' : 'per-key'} state; give the new state another name.`,
    );
  }
  if (meta.kind !== d.kind) {
    throw new StateMigrationError(
      `State '${d.name}' was ${meta.kind} state in the restored snapshot but is registered as ${d.kind} state; keep its kind or give the new state another name.`,
    );
  }
  if (meta.ttl !== ttl) {
    throw new StateMigrationError(
      `State '${d.name}' was written ${meta.ttl ? 'with' : 'without'} TTL and is registered ${ttl ? 'with' : 'without'} it; ` +
        `turning TTL on or off for an existing state is not supported (as in Flink's heap backend). Use a new state name.`,
    );
  }
}

/**
 * How the job's `serializer` reads what each of `writers` wrote: undefined where as is, else the
 * writer to migrate from.
 * @throws StateMigrationError if it cannot read one of them
 */
export function restoredReaders(name: string, serializer: TypeSerializer<unknown>, writers: Iterable<SerializerSnapshot>): Map<SerializerSnapshot, SerializerSnapshot | undefined> {
  const readers = new Map<SerializerSnapshot, SerializerSnapshot | undefined>();
  for (const writer of writers) {
    const compat = serializer.resolveSchemaCompatibility(writer);
    if (compat.type === 'INCOMPATIBLE') {
      throw new StateMigrationError(`State '${name}' cannot be restored: its serializer is incompatible: ${compat.reason}.`);
    }
    readers.set(writer, compat.type === 'COMPATIBLE_AS_IS' ? undefined : writer);
  }
  return readers;
}
