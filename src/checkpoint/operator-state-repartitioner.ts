import { type OperatorListEntry, type OperatorLists, type OperatorStateWriter, type WriterRuns, distinctWriters, runsOf, shareWriters, sliceRuns } from '../state/index.js';

/**
 * Redistributes one operator's operator state — list, union list and broadcast state — from the
 * subtasks that wrote it to the subtasks of the job that restores it, with the result of Flink's
 * RoundRobinOperatorStateRepartitioner:
 *
 * - at an unchanged parallelism each subtask gets its own list state back (a failover, or a
 *   restore at the snapshot's parallelism);
 * - otherwise each list state's elements, all old subtasks' in subtask order, are dealt out in
 *   contiguous runs: with `n` elements over `p` subtasks, `n mod p` of them get `⌊n/p⌋ + 1` and
 *   the rest `⌊n/p⌋`. The first list state's extra elements go to subtasks 0, 1, …; each further
 *   one's start at the subtask after the last that got one, round robin, so over all of an
 *   operator's list states no subtask holds more than one element more than another. Flink takes
 *   the list states in its HashMap's order of their names; so does this (see {@link javaHashMapOrder});
 * - union list state: every subtask gets all elements;
 * - broadcast state: new subtask `i` gets the copy of the `i mod k`-th of the `k` old subtasks
 *   that wrote it (at an unchanged parallelism: its own).
 *
 * Every new subtask gets every name the snapshot holds, an empty list where its share is empty, so
 * a state is restored in the mode it was written in on every subtask. Elements keep their writers
 * (operator-state-writers.ts): a share records the runs of the elements it got, and every writer
 * the state had on any old subtask, so each subtask reads each element with its own writer's
 * schema and checks the job's serializer against all of them.
 *
 * @param old each old subtask's lists, by old subtask index (undefined: it wrote none)
 * @param parallelism the new parallelism
 */
export function repartitionOperatorLists(old: ReadonlyArray<OperatorLists | undefined>, parallelism: number): OperatorLists[] {
  const merged = mergeByName(old);
  const result: OperatorLists[] = Array.from({ length: parallelism }, () => new Map());
  const split = old.length === parallelism ? ownSplitLists(old, merged) : dealSplitLists(merged, parallelism);
  for (const [name, { mode, values, runs, writers, copies }] of merged) {
    for (let i = 0; i < parallelism; i++) {
      if (mode === 'split') result[i]!.set(name, split.get(name)![i]!);
      else if (mode === 'union') result[i]!.set(name, entry(mode, [...values], runs, writers));
      else {
        const copy = copies[i % copies.length]!;
        result[i]!.set(name, { mode, values: [...copy.values], ...(copy.writers ? { writers: copy.writers } : {}) });
      }
    }
  }
  return result;
}

interface Merged {
  readonly mode: 'split' | 'union' | 'broadcast';
  /** Split and union state: every old subtask's elements, in subtask order. */
  readonly values: unknown[];
  /** The writers of `values`, in the same order. */
  readonly runs: Array<WriterRuns[number]>;
  /** Every writer the state had on any old subtask. */
  readonly writers: OperatorStateWriter[];
  /** Broadcast state: each old subtask's copy, in subtask order (those that wrote one). */
  readonly copies: OperatorListEntry[];
}

/** An entry of `values` written as `runs` tell, recording every writer of the state (`all`). */
function entry(mode: Merged['mode'], values: unknown[], runs: WriterRuns, all: readonly OperatorStateWriter[]): OperatorListEntry {
  const writers = shareWriters(runs, all);
  return writers ? { mode, values, writers } : { mode, values };
}

/** Each state name (in the order first seen) with its mode and all old subtasks' elements. */
function mergeByName(old: ReadonlyArray<OperatorLists | undefined>): Map<string, Merged> {
  const merged = new Map<string, Merged>();
  for (const lists of old) {
    for (const [name, e] of lists ?? []) {
      let m = merged.get(name);
      if (!m) merged.set(name, (m = { mode: e.mode, values: [], runs: [], writers: [], copies: [] }));
      if (m.mode === 'broadcast') m.copies.push(e);
      else {
        m.values.push(...e.values);
        m.runs.push(...runsOf(e));
      }
    }
  }
  for (const m of merged.values()) m.writers.push(...distinctWriters(m.runs));
  return merged;
}

/** At an unchanged parallelism: each subtask's own split lists. */
function ownSplitLists(old: ReadonlyArray<OperatorLists | undefined>, merged: ReadonlyMap<string, Merged>): Map<string, OperatorListEntry[]> {
  const out = new Map<string, OperatorListEntry[]>();
  for (const [name, { mode, writers }] of merged) {
    if (mode !== 'split') continue;
    out.set(
      name,
      old.map((lists) => {
        const own = lists?.get(name);
        return entry(mode, [...(own?.values ?? [])], own ? runsOf(own) : [], writers);
      }),
    );
  }
  return out;
}

/** At a changed parallelism: each split list's elements dealt out as Flink's round-robin repartitioner does. */
function dealSplitLists(merged: ReadonlyMap<string, Merged>, parallelism: number): Map<string, OperatorListEntry[]> {
  const out = new Map<string, OperatorListEntry[]>();
  const names = javaHashMapOrder([...merged].filter(([, m]) => m.mode === 'split').map(([name]) => name));
  let start = 0;
  for (const name of names) {
    const { mode, values, runs, writers } = merged.get(name)!;
    const base = Math.floor(values.length / parallelism);
    const extra = values.length % parallelism;
    const shares: OperatorListEntry[] = [];
    let from = 0;
    for (let i = 0; i < parallelism; i++) {
      const count = base + (i < extra ? 1 : 0);
      shares[(start + i) % parallelism] = entry(mode, values.slice(from, from + count), sliceRuns(runs, from, count), writers);
      from += count;
    }
    out.set(name, shares);
    // The next state's extra elements begin at the first subtask that got none of this one's.
    start = (start + extra) % parallelism;
  }
  return out;
}

/**
 * The order in which a `java.util.HashMap<String, …>` created with its default capacity iterates
 * `names` put into it in the given order: by bucket (the spread `String.hashCode` masked by the
 * table size, which doubles past 3/4 full), names sharing a bucket in the order they were put.
 * Flink's repartitioner walks the list states in that order; matching it makes which subtask gets
 * the extra element of each state Flink's too.
 */
export function javaHashMapOrder(names: readonly string[]): string[] {
  let capacity = 16;
  while (names.length > capacity * 0.75) capacity *= 2;
  const bucket = (name: string): number => {
    const h = javaStringHash(name);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return names
    .map((name, put) => ({ name, put, bucket: bucket(name) }))
    .sort((a, b) => a.bucket - b.bucket || a.put - b.put)
    .map((e) => e.name);
}

/** Java's `String.hashCode`: `h = 31·h + c` over the UTF-16 code units, in 32-bit arithmetic. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
