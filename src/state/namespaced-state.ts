import { SnapshotRestoreError } from '../util/errors.js';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, type StateDescriptor } from './descriptors.js';
import type { KeyScope } from './keyed-states.js';
import type { KeyGroupBlock } from './snapshot-format/key-group-block.js';
import type { Namespace, NamespacedTable } from './namespaced-table.js';
import type { State } from './state.js';
import type { TtlValue } from './state-meta.js';
import { isExpired } from './ttl-states.js';

/** Combines the stored values of two namespaces into one (a list's concatenation, a reduce, an accumulator merge). */
export type NamespaceMerger = (target: unknown, source: unknown) => unknown;

/**
 * A keyed state kept per namespace (Flink's InternalKvState with a namespace): `state` is the
 * usual state object (ValueState, ListState, ReducingState, ...), scoped to the current key and
 * to the namespace last set with {@link setCurrentNamespace}. Window contents, trigger state and
 * a window function's `windowState()` are namespaced states, one namespace per window.
 *
 * @example
 * const contents = backend.getOrCreateNamespacedState<ReducingState<number>>(descriptor);
 * contents.setCurrentNamespace(window.start);
 * contents.state.add(1);
 */
export class NamespacedState<S extends State> {
  /**
   * @param merger how two stored values merge, for {@link mergeNamespaces}; undefined for the
   *   kinds (and TTL states) that cannot merge, with `cannotMerge` saying why
   */
  constructor(
    readonly name: string,
    readonly state: S,
    private readonly table: NamespacedTable<unknown>,
    private readonly scope: KeyScope,
    private readonly merger: NamespaceMerger | undefined,
    private readonly cannotMerge: string,
  ) {}

  setCurrentNamespace(namespace: Namespace): void {
    this.table.namespace = namespace;
  }

  getCurrentNamespace(): Namespace {
    return this.table.namespace;
  }

  /** The namespaces any key has a stored value in (a scan over every key). */
  namespacesInUse(): Set<Namespace> {
    const used = new Set<Namespace>();
    const outer = this.table.outer;
    for (let u = 0; u < outer.units; u++) for (const [, map] of outer.unitEntries(u)) for (const ns of map.keys()) used.add(ns);
    return used;
  }

  /**
   * Merges the values of `sources` into `target` for the current key, and removes the sources
   * (Flink's InternalMergingState.mergeNamespaces): the sources are combined in order first,
   * then folded into the target's value (after it: a list keeps the target's elements first).
   * The current namespace is unchanged.
   *
   * @throws TypeError for a state that cannot merge (value and map states, an
   *   aggregating state whose function has no `merge`)
   */
  mergeNamespaces(target: Namespace, sources: Iterable<Namespace>): void {
    const merge = this.merger;
    if (merge === undefined) throw new TypeError(this.cannotMerge);
    const s = this.scope;
    if (s.keyGroupHint === -1) throw new Error('No key is set: keyed state can only be accessed while processing a keyed record or timer.');
    const map = this.table.namespaces(s.keyGroupHint, s.currentMapKey);
    if (map === undefined) return;
    let merged: unknown = undefined;
    let changed = false;
    for (const source of sources) {
      const value = map.get(source);
      if (value === undefined) continue;
      map.delete(source);
      changed = true;
      merged = merged === undefined ? value : merge(merged, value);
    }
    if (!changed) return;
    if (merged !== undefined) {
      const current = map.get(target);
      const result = current === undefined ? merged : merge(current, merged);
      // With TTL, two values that both expired merge into none.
      if (result === undefined) map.delete(target);
      else map.set(target, result);
    }
    this.table.store(s.keyGroupHint, s.currentMapKey, map);
  }
}

/**
 * How the stored values of two namespaces of `d` merge, or why they cannot: lists concatenate
 * (target first), reducing states reduce, aggregating states merge accumulators. With TTL (as
 * Flink's TTL merging states), list elements keep their own timestamps (expired ones are dropped
 * on read, as ever); a reduce or a merge leaves an expired value out — unless expired values are
 * returned while not cleaned up — and stamps its result now; two expired values merge into none.
 *
 * @param now the state's clock, for TTL
 */
export function namespaceMerger(d: StateDescriptor, now: () => number): [NamespaceMerger | undefined, string] {
  const cannot = (why: string): [undefined, string] => [undefined, `State '${d.name}' cannot merge across windows: ${why}.`];
  const ttl = d.getTtlConfig();
  if (d instanceof ListStateDescriptor) {
    return [
      (a, b) => {
        const target = a as unknown[];
        for (const x of b as unknown[]) target.push(x);
        return target;
      },
      '',
    ];
  }
  let combine: ((a: unknown, b: unknown) => unknown) | undefined;
  if (d instanceof ReducingStateDescriptor) {
    combine = d.reduceFunction as (a: unknown, b: unknown) => unknown;
  } else if (d instanceof AggregatingStateDescriptor) {
    const fn = d.aggregateFunction as { merge?: (a: unknown, b: unknown) => unknown };
    if (typeof fn.merge !== 'function') {
      return cannot('its AggregateFunction has no merge(a, b); windows that merge (sessions) need one to combine accumulators');
    }
    combine = (a, b) => fn.merge!(a, b);
  } else {
    return cannot(`only list, reducing and aggregating states merge, not ${d.kind} state`);
  }
  if (ttl === undefined) return [combine, ''];
  const f = combine;
  const returnExpired = ttl.visibility === 'ReturnExpiredIfNotCleanedUp';
  return [
    (a, b) => {
      const t = now();
      const usable = (x: TtlValue<unknown>) => returnExpired || !isExpired(x, ttl.ttlMs, t);
      const [x, y] = [a as TtlValue<unknown>, b as TtlValue<unknown>];
      const ux = usable(x);
      const uy = usable(y);
      if (ux && uy) return [f(x[0], y[0]), t];
      if (ux) return [x[0], t];
      return uy ? [y[0], t] : undefined;
    },
    '',
  ];
}

/** A restored value of a namespaced state must be a map from namespaces (numbers or strings) to values. */
export function checkNamespaceMap(v: unknown, name: string, block: KeyGroupBlock): void {
  const ok = v instanceof Map && [...v.keys()].every((k) => typeof k === 'number' || typeof k === 'string');
  if (!ok) {
    throw new SnapshotRestoreError(
      `Cannot restore the state of operator '${block.source.operator}': key group ${block.keyGroup} in ${block.source.file} holds a value of per-window state '${name}' that is not a map of windows; the snapshot is damaged.`,
    );
  }
}
