import { SnapshotRestoreError } from '../util/errors.js';
import { AggregatingStateDescriptor, ListStateDescriptor, ReducingStateDescriptor, type StateDescriptor } from './descriptors.js';
import type { KeyScope } from './keyed-states.js';
import type { KeyGroupBlock } from './snapshot-format/key-group-block.js';
import type { Namespace, NamespacedTable } from './namespaced-table.js';
import type { State } from './state.js';

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
    const range = outer.keyGroupRange;
    for (let kg = range.start; kg <= range.end; kg++) {
      for (const [, map] of outer.entries(kg)) for (const ns of map.keys()) used.add(ns);
    }
    return used;
  }

  /**
   * Merges the values of `sources` into `target` for the current key, and removes the sources
   * (Flink's InternalMergingState.mergeNamespaces): the sources are combined in order first,
   * then folded into the target's value (after it: a list keeps the target's elements first).
   * The current namespace is unchanged.
   *
   * @throws TypeError for a state that cannot merge (value and map states, TTL states, an
   *   aggregating state whose function has no `merge`)
   */
  mergeNamespaces(target: Namespace, sources: Iterable<Namespace>): void {
    const merge = this.merger;
    if (merge === undefined) throw new TypeError(this.cannotMerge);
    const s = this.scope;
    if (s.currentKeyGroup < 0) throw new Error('No key is set: keyed state can only be accessed while processing a keyed record or timer.');
    const map = this.table.namespaces(s.currentKeyGroup, s.currentMapKey);
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
      map.set(target, current === undefined ? merged : merge(current, merged));
    }
    this.table.store(s.currentKeyGroup, s.currentMapKey, map);
  }
}

/**
 * How the stored values of two namespaces of `d` merge, or why they cannot: lists concatenate
 * (target first), reducing states reduce, aggregating states merge accumulators.
 */
export function namespaceMerger(d: StateDescriptor): [NamespaceMerger | undefined, string] {
  const cannot = (why: string): [undefined, string] => [undefined, `State '${d.name}' cannot merge across windows: ${why}.`];
  if (d.getTtlConfig() !== undefined) return cannot('states with TTL do not merge');
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
  if (d instanceof ReducingStateDescriptor) {
    const reduce = d.reduceFunction as (a: unknown, b: unknown) => unknown;
    return [(a, b) => reduce(a, b), ''];
  }
  if (d instanceof AggregatingStateDescriptor) {
    const fn = d.aggregateFunction as { merge?: (a: unknown, b: unknown) => unknown };
    if (typeof fn.merge !== 'function') {
      return cannot('its AggregateFunction has no merge(a, b); windows that merge (sessions) need one to combine accumulators');
    }
    return [(a, b) => fn.merge!(a, b), ''];
  }
  return cannot(`only list, reducing and aggregating states merge, not ${d.kind} state`);
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
