import type { OperatorMetadata } from '../checkpoint/index.js';
import { readSubtaskState } from '../checkpoint/snapshot-loader.js';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader } from '../graph/index.js';
import { type OperatorStateMode, readAsWritten } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';

/** Position in an operator state's elements: the index of the next one. */
export interface OperatorStateSplit {
  readonly next: number;
}

/** How an operator state is read: which mode it must have been written in, and which subtasks' copies make it. */
export interface OperatorStateRead {
  readonly name: string;
  readonly mode: OperatorStateMode;
  /** What the API call is called, for messages. */
  readonly call: string;
}

/**
 * One operator state of a snapshot as a bounded, non-parallel source: a list state's or union
 * list state's elements, every subtask's in subtask order (Flink's readListState /
 * readUnionState: the union is what each subtask gets back on restore), or a broadcast state's
 * entries as `[key, value]` pairs, from one subtask's copy (every subtask holds the same).
 * Elements are read with the serializers that wrote them, rebuilt from the snapshot. Files are
 * read, their checksums checked, when the reader first polls.
 */
export class OperatorStateSource<T> implements Source<T, OperatorStateSplit> {
  readonly maxSourceParallelism = 1;
  readonly inlineInput = true;

  constructor(
    private readonly dir: string,
    private readonly op: OperatorMetadata,
    private readonly read: OperatorStateRead,
  ) {}

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(): OperatorStateSplit[] {
    return [{ next: 0 }];
  }

  createReader(): SourceReader<T, OperatorStateSplit> {
    let next = -1;
    let elements: readonly T[] | undefined;
    return {
      addSplits: (splits) => {
        for (const s of splits) next = Math.max(next, s.next);
      },
      pollNext: (output: ReaderOutput<T>, max: number): InputStatus => {
        if (next < 0) return 'END_OF_INPUT';
        elements ??= this.elements();
        const end = Math.min(elements.length, next + max);
        for (; next < end; next++) output.collect(elements[next]!);
        return next < elements.length ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
      },
      snapshotState: () => (next < 0 || (elements !== undefined && next >= elements.length) ? [] : [{ next }]),
    };
  }

  /** The state's elements over the subtasks that hold it (for broadcast state, the first). */
  private elements(): T[] {
    const { name, mode, call } = this.read;
    const out: T[] = [];
    let found = false;
    const others = new Set<string>();
    for (const h of [...this.op.subtasks].sort((a, b) => a.subtask - b.subtask)) {
      const r = readSubtaskState(this.dir, this.op, h);
      if (r.problem !== undefined) throw new SnapshotRestoreError(`Cannot read the state of ${this.dir}: ${r.problem}.`);
      const list = r.content.lists.get(name);
      for (const [other, l] of r.content.lists) others.add(`${describe(l.mode)} '${other}'`);
      for (const keyed of Object.keys(r.content.kinds)) if (!keyed.startsWith('_')) others.add(`keyed state '${keyed}' (readKeyedState)`);
      if (list === undefined) continue;
      found = true;
      if (list.mode !== mode) {
        throw new SnapshotRestoreError(
          `Operator state '${name}' of '${this.op.uid}' in ${this.dir} is ${describe(list.mode)}, not ${describe(mode)}: read it with ${callFor(list.mode)}, not ${call}.`,
          'snapshot.stateKindMismatch',
        );
      }
      let values: unknown[];
      try {
        values = readAsWritten(list);
      } catch (err) {
        throw new SnapshotRestoreError(`Cannot read operator state '${name}' of '${this.op.uid}' in ${this.dir}: ${(err as Error).message}.`);
      }
      out.push(...(values as T[]));
      if (mode === 'broadcast') break;
    }
    if (!found) {
      throw new SnapshotRestoreError(
        `Operator '${this.op.uid}' in ${this.dir} has no ${describe(mode)} '${name}'${others.size > 0 ? `; it has ${[...others].join(', ')}` : '; it has no state'}.`,
        'snapshot.unknownState',
      );
    }
    return out;
  }
}

function describe(mode: OperatorStateMode): string {
  return mode === 'split' ? 'list state' : mode === 'union' ? 'union list state' : 'broadcast state';
}

function callFor(mode: OperatorStateMode): string {
  return mode === 'split' ? 'readListState' : mode === 'union' ? 'readUnionState' : 'readBroadcastState';
}
