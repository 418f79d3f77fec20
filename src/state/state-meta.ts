import type { StateKind } from './descriptors.js';
import { MessagePackSerializer, type SerializerSnapshot } from './serializers/type-serializer.js';

/**
 * What a snapshot records about each keyed state besides its values: its kind, whether its
 * values carry TTL timestamps, whether they are kept per namespace (window state), and the
 * serializer that wrote them. Checked at restore.
 */
export interface StateMeta {
  readonly kind: StateKind;
  readonly ttl: boolean;
  /**
   * Set for namespaced state (window contents, trigger state, `windowState()`): the value of a
   * key is a Map from namespace to the value of that namespace. Absent in snapshots before
   * windows, which hold no namespaced state.
   */
  readonly namespaced?: boolean;
  readonly serializer: SerializerSnapshot;
  /**
   * Key groups (by number) whose values another serializer wrote: a state restored, not
   * registered since, from subtasks of which some had migrated it and some had not. Absent when
   * `serializer` wrote every key group.
   */
  readonly writers?: Readonly<Record<number, SerializerSnapshot>>;
  /**
   * Map state only: the serializer that wrote its user keys, as bytes. Absent when MessagePack
   * wrote them (inline, as stored): snapshots from before keyed MapState had key serializers.
   */
  readonly keySerializer?: SerializerSnapshot;
  /** Key groups whose user keys another key serializer wrote (as `writers` for the values). */
  readonly keyWriters?: Readonly<Record<number, SerializerSnapshot>>;
}

/** The parts of {@link StateMeta} that say how a stored value is laid out. */
export type StoredLayout = Pick<StateMeta, 'kind' | 'ttl' | 'namespaced'>;

/** The serializer that wrote key group `keyGroup` of a state with metadata `meta`. */
export function writerOf(meta: StateMeta, keyGroup: number): SerializerSnapshot {
  return meta.writers?.[keyGroup] ?? meta.serializer;
}

const MSGPACK_KEYS: SerializerSnapshot = { name: MessagePackSerializer.NAME, version: 1 };

/** The key serializer that wrote key group `keyGroup`'s user keys of a map state with metadata `meta` (MessagePack: inline). */
export function keyWriterOf(meta: StateMeta, keyGroup: number): SerializerSnapshot {
  return meta.keyWriters?.[keyGroup] ?? meta.keySerializer ?? MSGPACK_KEYS;
}

/**
 * Applies `f` to every user key of a map state's stored value (in every namespace), keeping
 * the values as they are: the keys' side of {@link mapUserValues}.
 */
export function mapUserKeys(layout: StoredLayout, stored: unknown, f: (k: unknown) => unknown): unknown {
  const one = (m: Map<unknown, unknown>) => {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of m) out.set(f(k), v);
    return out;
  };
  if (!layout.namespaced) return one(stored as Map<unknown, unknown>);
  const out = new Map<unknown, unknown>();
  for (const [ns, v] of stored as Map<unknown, Map<unknown, unknown>>) out.set(ns, one(v));
  return out;
}

/** The metadata of every state in a snapshot, by state name. */
export type StateKinds = Record<string, StateMeta>;

/** A value with the time it was last written (or read, with OnReadAndWrite). */
export type TtlValue<V> = [value: V, timestamp: number];

/**
 * Applies `f` to every user value inside a stored state value — the value itself, each list
 * element, each map value, in every namespace — keeping TTL timestamps. Used to (de)serialize
 * for snapshots.
 */
export function mapUserValues(layout: StoredLayout, stored: unknown, f: (v: unknown) => unknown): unknown {
  if (!layout.namespaced) return mapOne(layout.kind, layout.ttl, stored, f);
  const out = new Map<unknown, unknown>();
  for (const [ns, v] of stored as Map<unknown, unknown>) out.set(ns, mapOne(layout.kind, layout.ttl, v, f));
  return out;
}

function mapOne(kind: StateKind, ttl: boolean, stored: unknown, f: (v: unknown) => unknown): unknown {
  const one = (x: unknown) => (ttl ? [f((x as TtlValue<unknown>)[0]), (x as TtlValue<unknown>)[1]] : f(x));
  switch (kind) {
    case 'list':
      return (stored as unknown[]).map(one);
    case 'map':
      return new Map([...(stored as Map<unknown, unknown>)].map(([k, x]) => [k, one(x)]));
    default:
      return one(stored);
  }
}

/** The stored value without its expired parts at `now` (in every namespace), or undefined if nothing is left. */
export function withoutExpired(layout: StoredLayout, stored: unknown, now: number, ttlMs: number): unknown {
  if (!layout.namespaced) return oneWithoutExpired(layout.kind, stored, now, ttlMs);
  const namespaces = stored as Map<unknown, unknown>;
  let changed = false;
  const kept = new Map<unknown, unknown>();
  for (const [ns, v] of namespaces) {
    const k = oneWithoutExpired(layout.kind, v, now, ttlMs);
    if (k !== v) changed = true;
    if (k !== undefined) kept.set(ns, k);
  }
  if (!changed) return namespaces;
  return kept.size > 0 ? kept : undefined;
}

// No closures here: this runs for every entry a TTL cleanup step visits, and the build names each
// closure it makes (esbuild's keepNames: a defineProperty per closure made).
function oneWithoutExpired(kind: StateKind, stored: unknown, now: number, ttlMs: number): unknown {
  switch (kind) {
    case 'list': {
      const list = stored as TtlValue<unknown>[];
      const kept: TtlValue<unknown>[] = [];
      for (const x of list) if (x[1] + ttlMs > now) kept.push(x);
      return kept.length === list.length ? list : kept.length > 0 ? kept : undefined;
    }
    case 'map': {
      const map = stored as Map<unknown, TtlValue<unknown>>;
      const kept = new Map<unknown, TtlValue<unknown>>();
      for (const [k, x] of map) if (x[1] + ttlMs > now) kept.set(k, x);
      return kept.size === map.size ? map : kept.size > 0 ? kept : undefined;
    }
    default:
      return (stored as TtlValue<unknown>)[1] + ttlMs > now ? stored : undefined;
  }
}
