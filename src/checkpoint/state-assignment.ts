import type { JobGraph, StreamNode } from '../graph/index.js';
import {
  type KeyGroupBlock,
  type OperatorRestoreState,
  type RestoreAssignment,
  type StateFileContent,
  type StateKinds,
  type StoredTimer,
  recordedKeyKindsOfFiles,
  operatorIndexForKeyGroup,
} from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import type { LoadedSnapshot } from './snapshot-loader.js';
import { repartitionOperatorLists } from './operator-state-repartitioner.js';
import { checkWindowRestore } from './window-restore-check.js';

/** Options of a restore. */
export interface AssignmentOptions {
  /** Skip snapshot state of operators the job no longer has (`-n`). */
  readonly allowNonRestoredState: boolean;
}

/**
 * Maps a snapshot's state onto a (possibly changed) job, by operator uid, refusing state the
 * job would misread (a window operator's open windows under another windowing: see
 * window-restore-check.ts), and redistributes it to the job's parallelism: keyed state (timers
 * included) by key group, operator list, union list and broadcast state as Flink's
 * RoundRobinOperatorStateRepartitioner does (operator-state-repartitioner.ts). Every operator
 * the snapshot lists, with state or without (see PendingCheckpoint#metadata), gets an entry for
 * every subtask, so its `isRestored()` is true; an operator it does not list gets none (false).
 */
export function assignState(snapshot: LoadedSnapshot, graph: JobGraph, options: AssignmentOptions): RestoreAssignment {
  const nodes = new Map<string, StreamNode>(graph.streamGraph.nodes.map((n) => [n.uid, n]));
  // An operator runs with its chain's max parallelism (the job vertex's, as in Flink), and that
  // is what its state was written with.
  const vertexMaxParallelism = new Map<string, number>(graph.vertices.flatMap((v) => v.nodes.map((n): [string, number] => [n.uid, v.maxParallelism])));
  const assigned = new Map<string, OperatorRestoreState[]>();
  for (const op of snapshot.metadata.operators) {
    const node = nodes.get(op.uid);
    // Recorded without state (it shared a task with state, see PendingCheckpoint#metadata): it
    // blocks nothing, as Flink skips "empty savepoint state" of a removed operator, and holds no
    // key group a max parallelism could misplace.
    const stateless = op.subtasks.length === 0;
    if (!node) {
      if (options.allowNonRestoredState || stateless) continue;
      throw new SnapshotRestoreError(
        `Cannot map the state of operator '${op.uid}' (${op.name}) in ${snapshot.dir} to the new job: it has no operator with that uid. ` +
          `Restore with -n (--allowNonRestoredState) to drop that state.`,
        'snapshot.unmappedState',
      );
    }
    const maxParallelism = vertexMaxParallelism.get(op.uid) ?? node.maxParallelism;
    const bySubtask = snapshot.files.get(op.uid) ?? new Map<number, StateFileContent>();
    const files = [...bySubtask.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
    const hasKeyed = files.some((f) => f.keyGroups.length > 0 || f.legacyTimers.length > 0);
    if (maxParallelism !== op.maxParallelism && !stateless) {
      // Flink refuses it for any operator with state (StateAssignmentOperation); only keyed state
      // has key groups to misplace, so only its refusal says so.
      const why = node.keyed ? 'Keyed state is partitioned into max-parallelism key groups and cannot be re-partitioned' : 'As in Flink, the max parallelism of an operator with state cannot change across a restore';
      throw new SnapshotRestoreError(
        `Operator '${op.uid}' (${node.name}) has max parallelism ${maxParallelism}, but its state was written with ${op.maxParallelism}. ` +
          `${why}; set the operator's max parallelism back to ${op.maxParallelism} (setMaxParallelism, or pipeline.max-parallelism for the whole job).`,
        'snapshot.maxParallelismChanged',
      );
    }
    if (hasKeyed && !node.keyed) {
      throw new SnapshotRestoreError(
        `Operator '${op.uid}' (${node.name}) had keyed state in ${snapshot.dir} but is no longer applied to a keyed stream.`,
        'snapshot.unmappedState',
      );
    }
    const kinds: StateKinds = Object.assign({}, ...files.map((f) => f.kinds));
    checkWindowRestore(snapshot.dir, node, kinds, files);
    // By old subtask index: which subtask wrote what decides who gets it back at the same parallelism.
    const old = Array.from({ length: Math.max(op.parallelism, ...[...bySubtask.keys()].map((i) => i + 1)) }, (_, i) => bySubtask.get(i));
    assigned.set(op.uid, redistribute(op.uid, old, kinds, node.parallelism, maxParallelism));
  }
  return (uid, subtask) => assigned.get(uid)?.[subtask];
}

/**
 * @param old the old subtasks' files by old subtask index (undefined: that subtask wrote none)
 */
function redistribute(
  uid: string,
  old: ReadonlyArray<StateFileContent | undefined>,
  kinds: StateKinds,
  parallelism: number,
  maxParallelism: number,
): OperatorRestoreState[] {
  const lists = repartitionOperatorLists(old.map((f) => f?.lists), parallelism);
  // Every subtask checks its records (and map states their user keys) against the kinds of the
  // whole operator's (a subtask's share may hold only some kinds of a job whose keys mix them).
  const recorded = recordedKeyKindsOfFiles(old.filter((f) => f !== undefined));
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
  for (const f of old) {
    if (!f) continue;
    // Each block keeps its own file's metadata: the merged `kinds` has one writer per state, and
    // subtasks may have recorded different ones (a state migrated on some subtasks only).
    for (const block of f.keyGroups) keyGroups[subtaskOf(block.keyGroup)]!.push({ ...block, kinds: f.kinds });
    for (const timer of f.legacyTimers) timers[subtaskOf(timer[2])]!.push(timer);
  }
  return Array.from({ length: parallelism }, (_, i) => ({ kinds, lists: lists[i]!, keyGroups: keyGroups[i]!, legacyTimers: timers[i]!, ...recorded }));
}
