/**
 * A restore's check of window operators, made while state is mapped onto the job (before
 * anything runs or is recorded): a snapshot's open windows are refused, in one line, by a job
 * whose window operator of the same uid would misread them — windows of another size or
 * assigner (a tumbling window is stored as its start alone: under another size the same start
 * is another window), kept another way (reduced, aggregated, elements, an evictor's timestamped
 * elements), or sessions against windows that do not merge.
 */
import {
  MERGING_WINDOW_SET_STATE,
  type StreamNode,
  type WindowEncoding,
  type WindowMismatch,
  KEEPING_DESCRIBED,
  jobWindowEncoding,
  recordedWindowEncoding,
  windowRestoreMismatch,
  windowsInWords,
} from '../graph/index.js';
import { type StateFileContent, type StateKinds, TIMERS_STATE, countKeys } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';

/**
 * Refuses the restore if `node` is a window operator that would misread the windows its
 * snapshot state holds (`kinds` and `files`, the snapshot's for uid `node.uid`).
 *
 * @throws SnapshotRestoreError (`snapshot.windowMismatch`) naming the uid, both windowings and the ways out
 */
export function checkWindowRestore(dir: string, node: StreamNode, kinds: StateKinds, files: readonly StateFileContent[]): void {
  if (node.operator?.kind !== 'window') return;
  const job = jobWindowEncoding(node.operator.window);
  const recorded = recordedWindowEncoding(kinds);
  const mismatch = windowRestoreMismatch(recorded, job, () => holdsWindows(kinds, files));
  if (mismatch === undefined || recorded === undefined) return;
  throw new SnapshotRestoreError(`Cannot restore operator '${node.uid}' from ${dir}: ${what(mismatch, recorded, job)} ${waysOut(node.uid)}`, 'snapshot.windowMismatch');
}

/**
 * Whether the snapshot holds anything stored under a window's namespace: contents, trigger or
 * per-window state (namespaced), sessions in flight, or timers. A drained savepoint holds no
 * event-time windows (the drain fired them); processing-time ones not yet due stay, with their timers.
 */
function holdsWindows(kinds: StateKinds, files: readonly StateFileContent[]): boolean {
  if (files.some((f) => f.legacyTimers.length > 0)) return true;
  // Key groups are disjoint across subtasks, so their blocks count together.
  for (const [name, keys] of countKeys(files.flatMap((f) => f.keyGroups))) {
    if (keys > 0 && (name === TIMERS_STATE || name === MERGING_WINDOW_SET_STATE || kinds[name]?.namespaced === true)) return true;
  }
  return false;
}

function what(mismatch: WindowMismatch, recorded: WindowEncoding, job: WindowEncoding): string {
  switch (mismatch) {
    case 'windows':
      return `it holds open ${windowsInWords(recorded)}, and the job's operator now has ${windowsInWords(job)}, which would read them as other windows.`;
    case 'keeping':
      return `it holds open windows of an operator that ${KEEPING_DESCRIBED[recorded.keeping]}, and the job's operator now ${KEEPING_DESCRIBED[job.keeping]}, which cannot read them.`;
    case 'merging':
      return recorded.merging
        ? `it holds open sessions (${windowsInWords(recorded)}), and the job's operator now has ${windowsInWords(job)}, which do not merge and would lose them.`
        : `it holds open ${windowsInWords(recorded)}, and the job's operator now has ${windowsInWords(job)}, which merge and would lose them.`;
  }
}

function waysOut(uid: string): string {
  return (
    `Restore with the windowing the snapshot was taken with, or start without -s; -n does not drop these windows while the job has an operator '${uid}': ` +
    `to drop only them, give the window operator a new uid and run with -n. A savepoint of \`flink stop --drain\` fires every event-time window first, so one of event-time windows restores into any windowing.`
  );
}
