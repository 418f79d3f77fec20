import { isDeepStrictEqual } from 'node:util';
import { MessagePackSerializer, type SerializerSnapshot, isSerializerSnapshot } from './serializers/type-serializer.js';
import type { OperatorStateMode } from './operator-state-store.js';

/*
 * Which serializers wrote an operator state's elements, as snapshots record them. A state's
 * elements may come from old subtasks with different writers: a state restored and not
 * registered again before the next checkpoint (a function that registers it on its first
 * element) is written out as it was restored, by its old writer, while other subtasks migrated
 * theirs; a restore then merges them (union state, and list state on rescale). So a snapshot
 * records the writer of each run of elements, and a restore reads each run with its own.
 */

/** The serializers that wrote a run of an operator state's elements. */
export interface OperatorStateWriter {
  /** List and union list state: the elements' serializer; broadcast state: the values'. */
  readonly value: SerializerSnapshot;
  /** Broadcast state only: the keys' serializer (absent: MessagePack). */
  readonly key?: SerializerSnapshot;
}

/**
 * The writers of an operator state's elements, in order: runs of `[count, writer]` whose counts
 * add up to the number of elements. A run of 0 names a writer the state had without elements
 * here (an empty list, or an empty share of a list written by several), so a restore checks the
 * job's serializer against it too. Elements of a run whose writer is not MessagePack are that
 * serializer's bytes (for broadcast state, `[key, value]` pairs of which either may be bytes).
 */
export type WriterRuns = ReadonlyArray<readonly [count: number, writer: OperatorStateWriter]>;

/** One operator state of one subtask as a snapshot holds it. */
export interface OperatorListEntry {
  readonly mode: OperatorStateMode;
  /** The elements (broadcast state: its `[key, value]` entries), inline or as bytes (see {@link WriterRuns}). */
  readonly values: unknown[];
  /** Absent: every element written by MessagePack, inline (the only form before operator state had serializers). */
  readonly writers?: WriterRuns;
}

const MSGPACK_SNAPSHOT: SerializerSnapshot = { name: MessagePackSerializer.NAME, version: 1 };

/** The writer of an operator state stored without writers: MessagePack for everything. */
export const MSGPACK_WRITER: OperatorStateWriter = { value: MSGPACK_SNAPSHOT };

/** True if `s` describes the default serializer, which stores values inline. */
export function isMessagePack(s: SerializerSnapshot | undefined): boolean {
  return s === undefined || s.name === MessagePackSerializer.NAME;
}

/** True if MessagePack wrote both the keys and the values (nothing is bytes). */
export function isInlineWriter(w: OperatorStateWriter): boolean {
  return isMessagePack(w.value) && isMessagePack(w.key);
}

/** The runs of `entry`'s elements, its own or one MessagePack run. */
export function runsOf(entry: OperatorListEntry): WriterRuns {
  return entry.writers ?? [[entry.values.length, MSGPACK_WRITER]];
}

/** The distinct writers of `runs` (compared by value), in the order first seen. */
export function distinctWriters(runs: WriterRuns): OperatorStateWriter[] {
  const out: OperatorStateWriter[] = [];
  for (const [, w] of runs) if (!out.some((x) => x === w || isDeepStrictEqual(x, w))) out.push(w);
  return out;
}

/** The runs of elements `[from, from + count)` of `runs` (runs of 0 left out). */
export function sliceRuns(runs: WriterRuns, from: number, count: number): Array<[number, OperatorStateWriter]> {
  const out: Array<[number, OperatorStateWriter]> = [];
  let start = 0;
  const end = from + count;
  for (const [n, w] of runs) {
    const lo = Math.max(start, from);
    const hi = Math.min(start + n, end);
    if (hi > lo) out.push([hi - lo, w]);
    start += n;
    if (start >= end) break;
  }
  return out;
}

/**
 * The writers of a share of a state whose old subtasks' writers were `all`: the share's runs,
 * neighbours of one writer joined, then a run of 0 for each writer of `all` it has no element
 * of (so every subtask checks every writer the state had, and refuses alike); undefined if
 * MessagePack wrote everything (stored as before operator state had serializers).
 */
export function shareWriters(runs: WriterRuns, all: readonly OperatorStateWriter[]): WriterRuns | undefined {
  if (all.every(isInlineWriter)) return undefined;
  const same = (w: OperatorStateWriter) => all.find((x) => x === w || isDeepStrictEqual(x, w)) ?? w;
  const out: Array<[number, OperatorStateWriter]> = [];
  for (const [n, w] of runs) {
    const writer = same(w);
    const last = out[out.length - 1];
    if (last && last[1] === writer) last[0] += n;
    else if (n > 0) out.push([n, writer]);
  }
  for (const w of all) if (!out.some(([, x]) => x === w)) out.push([0, w]);
  return out;
}

/**
 * Why `runs` (a snapshot's, not yet trusted) cannot be the writers of `values` in `mode`, or
 * undefined: malformed runs, counts that do not add up, a key writer on a list, or an element
 * that is not the bytes its writer's serializer reads.
 */
export function writerRunsProblem(runs: unknown, mode: OperatorStateMode, values: readonly unknown[]): string | undefined {
  if (!Array.isArray(runs)) return 'its writers are not a list';
  let i = 0;
  for (const run of runs as unknown[]) {
    if (!Array.isArray(run) || run.length !== 2 || !Number.isInteger(run[0]) || (run[0] as number) < 0) return 'a run of its writers is malformed';
    const [count, w] = run as [number, unknown];
    if (typeof w !== 'object' || w === null || !isSerializerSnapshot((w as OperatorStateWriter).value)) return 'a writer has no serializer';
    const { key, value } = w as OperatorStateWriter;
    if (key !== undefined && (mode !== 'broadcast' || !isSerializerSnapshot(key))) return 'a writer has a malformed key serializer';
    if (i + count > values.length) return 'its writers name more elements than it has';
    for (const end = i + count; i < end; i++) {
      const problem = elementProblem(values[i], mode, isMessagePack(key), isMessagePack(value));
      if (problem !== undefined) return `element ${i} ${problem}`;
    }
  }
  return i === values.length ? undefined : 'its writers name fewer elements than it has';
}

function elementProblem(e: unknown, mode: OperatorStateMode, inlineKey: boolean, inlineValue: boolean): string | undefined {
  if (mode !== 'broadcast') return inlineValue || e instanceof Uint8Array ? undefined : 'is not the bytes of its serializer';
  if (!Array.isArray(e) || e.length !== 2) return 'is not a [key, value] entry';
  if (!inlineKey && !(e[0] instanceof Uint8Array)) return 'has a key that is not the bytes of its key serializer';
  if (!inlineValue && !(e[1] instanceof Uint8Array)) return 'has a value that is not the bytes of its serializer';
  return undefined;
}
