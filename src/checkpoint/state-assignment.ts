import type { JobGraph, StreamNode } from '../graph/index.js';
import {
  type KeyGroupBlock,
  type OperatorLists,
  type OperatorRestoreState,
  type RestoreAssignment,
  type StateFileContent,
  type StateKinds,
  type StoredTimer,
  operatorIndexForKeyGroup,
} from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import type { LoadedSnapshot } from './snapshot-loader.js';
import { checkWindowRestore } from './window-restore-check.js';

/** Options of a restore. */
export interface AssignmentOptions {
  /** Skip snapshot state of operators the job no longer has (`-n`). */
  readonly allowNonRestoredState: boolean;
}

/**
/**
 * Maps a snapshot's state onto a (possibly changed) job, by operator uid, refusing state the
 * job would misread (a window operator's open windows under another windowing: see
 * window-restore-check.ts), and redistributes it to the job's parallelism: keyed state (timers
 * included) by key group, operator list state by even split — at an unchanged parallelism, each
 * subtask's own back to it, as Flink's RoundRobinOperatorStateRepartitioner does — union list
 * state to every subtask, broadcast state as one old subtask's copy to each.
 */
export function assignState(snapshot: LoadedSnapshot, graph: JobGraph, options: AssignmentOptions): RestoreAssignment {
  const nodes = new Map<string, StreamNode>(graph.streamGraph.nodes.map((n) => [n.uid, n]));
  // An operator runs with its chain's max parallelism (the job vertex's, as in Flink), and that
  // is what its state was written with.
  const vertexMaxParallelism = new Map<string, number>(graph.vertices.flatMap((v) => v.nodes.map((n): [string, number] => [n.uid, v.maxParallelism])));
  const assigned = new Map<string, OperatorRestoreState[]>();
  for (const op of snapshot.metadata.operators) {
    const node = nodes.get(op.uid);
    if (!node) {
      if (options.allowNonRestoredState) continue;
      throw new SnapshotRestoreError(
        `Cannot map the state of operator '${op.uid}' (${op.name}) in ${snapshot.dir} to the new job: it has no operator with that uid. ` +
          `Restore with -n (--allowNonRestoredState) to drop that state.`,
        'snapshot.unmappedState',
      );
    }
    const maxParallelism = vertexMaxParallelism.get(op.uid) ?? node.maxParallelism;
    if (maxParallelism !== op.maxParallelism) {
      throw new SnapshotRestoreError(
        `Operator '${op.uid}' (${node.name}) has max parallelism ${maxParallelism}, but its state was written with ${op.maxParallelism}. ` +
          `Keyed state is partitioned into max-parallelism key groups and cannot be re-partitioned; ` +
          `set the operator's max parallelism back to ${op.maxParallelism} (setMaxParallelism, or pipeline.max-parallelism for the whole job).`,
        'snapshot.maxParallelismChanged',
      );
    }
    const bySubtask = snapshot.files.get(op.uid) ?? new Map<number, StateFileContent>();
    const files = [...bySubtask.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
    const hasKeyed = files.some((f) => f.keyGroups.length > 0 || f.legacyTimers.length > 0);
    if (hasKeyed && !node.keyed) {
      throw new SnapshotRestoreError(
        `Operator '${op.uid}' (${node.name}) had keyed state in ${snapshot.dir} but is no longer applied to a keyed stream.`,
        'snapshot.unmappedState',
      );
    }
    const kinds: StateKinds = Object.assign({}, ...files.map((f) => f.kinds));
    checkWindowRestore(snapshot.dir, node, kinds, files);
    assigned.set(op.uid, redistribute(op.uid, files, kinds, node.parallelism, maxParallelism, op.parallelism === node.parallelism ? bySubtask : undefined));
  }
  return (uid, subtask) => assigned.get(uid)?.[subtask];
}

/**
 * @param unchanged the old subtasks' files by subtask index, when the parallelism is unchanged:
 *   then each subtask gets its own split list state back (a function that keeps, say, a count
 *   of its own in a list state finds it again after a failover), as in Flink
 */
function redistribute(
  uid: string,
  files: readonly StateFileContent[],
  kinds: StateKinds,
  parallelism: number,
  maxParallelism: number,
  unchanged: ReadonlyMap<number, StateFileContent> | undefined,
): OperatorRestoreState[] {
  const lists = new Map<string, { mode: 'split' | 'union'; values: unknown[] }>();
  /** Each broadcast state's copies, in the order of the subtasks that wrote them. */
  const broadcast = new Map<string, unknown[][]>();
  for (const f of files) {
    for (const [name, { mode, values }] of f.lists) {
      if (mode === 'broadcast') {
        const copies = broadcast.get(name) ?? [];
        copies.push(values);
        broadcast.set(name, copies);
        continue;
      }
      const l = lists.get(name) ?? { mode, values: [] };
      l.values.push(...values);
      lists.set(name, l);
    }
  }
  const keyGroups: KeyGroupBlock[][] = Array.from({ length: parallelism }, () => []);
  const timers: StoredTimer[][] = Array.from({ length: parallelism }, () => []);
  // By the function that routes records: a key group goes to the subtask its keys go to.
  const subtaskOf = (kg: number): number => {
    const i = operatorIndexForKeyGroup(maxParallelism, parallelism, kg);
    if (!(i >= 0 && i < parallelism)) {
      throw new SnapshotRestoreError(`Cannot restore the state of operator '${uid}': it holds key group ${kg}, outside its ${maxParallelism} key groups; the snapshot is damaged.`);
    }
    return i;
  };
  for (const f of files) {
    for (const block of f.keyGroups) keyGroups[subtaskOf(block.keyGroup)]!.push(block);
    for (const timer of f.legacyTimers) timers[subtaskOf(timer[2])]!.push(timer);
  }
  return Array.from({ length: parallelism }, (_, i) => {
    const mine: OperatorLists = new Map();
    for (const [name, { mode, values }] of lists) {
      if (mode === 'union') {
        mine.set(name, { mode, values: [...values] });
      } else if (unchanged !== undefined) {
        mine.set(name, { mode, values: [...(unchanged.get(i)?.lists.get(name)?.values ?? [])] });
      } else {
        const from = Math.floor((values.length * i) / parallelism);
        const to = Math.floor((values.length * (i + 1)) / parallelism);
        mine.set(name, { mode, values: values.slice(from, to) });
      }
    }
    // Flink's rule: new subtask i reads old subtask i's copy, round robin when scaled up.
    for (const [name, copies] of broadcast) mine.set(name, { mode: 'broadcast', values: [...copies[i % copies.length]!] });
    return { kinds, lists: mine, keyGroups: keyGroups[i]!, legacyTimers: timers[i]! };
  });
}
