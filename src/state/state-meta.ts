import type { StateKind } from './descriptors.js';
import type { SerializerSnapshot } from './serializers/type-serializer.js';

/**
 * What a snapshot records about each keyed state besides its values: its kind, whether its
 * values carry TTL timestamps, and the serializer that wrote them. Checked at restore.
 */
export interface StateMeta {
  readonly kind: StateKind;
  readonly ttl: boolean;
  readonly serializer: SerializerSnapshot;
}

/** The metadata of every state in a snapshot, by state name. */
export type StateKinds = Record<string, StateMeta>;

/** A value with the time it was last written (or read, with OnReadAndWrite). */
export type TtlValue<V> = [value: V, timestamp: number];

/**
 * Applies `f` to every user value inside a stored state value — the value itself, each list
 * element, each map value — keeping TTL timestamps. Used to (de)serialize for snapshots.
 */
export function mapUserValues(kind: StateKind, ttl: boolean, stored: unknown, f: (v: unknown) => unknown): unknown {
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

/** The stored value without its expired parts at `now`, or undefined if nothing is left. */
export function withoutExpired(kind: StateKind, stored: unknown, now: number, ttlMs: number): unknown {
  const alive = (x: unknown) => (x as TtlValue<unknown>)[1] + ttlMs > now;
  switch (kind) {
    case 'list': {
      const list = stored as unknown[];
      const kept = list.filter(alive);
      return kept.length === list.length ? list : kept.length > 0 ? kept : undefined;
    }
    case 'map': {
      const map = stored as Map<unknown, unknown>;
      const kept = new Map([...map].filter(([, x]) => alive(x)));
      return kept.size === map.size ? map : kept.size > 0 ? kept : undefined;
    }
    default:
      return alive(stored) ? stored : undefined;
  }
}
