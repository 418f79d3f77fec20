import type { JobGraph } from '../../graph/index.js';
import type { RestoreAssignment } from '../../state/index.js';
import type { Clock } from '../../util/clock.js';
import { SnapshotRestoreError } from '../../util/errors.js';
import { SourceCoordinator, type SourceEvent } from './source-coordinator.js';

/**
 * The operator-state name under which a source's enumerator state is stored: a union list with
 * one element, written by the source's subtask 0 only (a union list reaches every subtask at any
 * parallelism, so a rescaled restore finds it whole). Flink keeps it in the checkpoint's
 * `_metadata`; here it rides in an ordinary state file, checksummed and decoded like all state.
 */
export const SOURCE_ENUMERATOR_STATE = '_enumerator';

/** A source's enumerator state as subtask 0 stores it in one checkpoint, by the source's uid. */
export type EnumeratorStates = ReadonlyMap<string, unknown>;

/**
 * The source coordinators of one run of a job (one per source with an enumerator), on the main
 * thread. Created with the run; closed when it ends (a failover's next run restores new ones
 * from the snapshot it restores, as Flink resets its coordinators on a global failover).
 */
export class SourceCoordinators {
  private readonly byUid = new Map<string, SourceCoordinator>();

  constructor(
    jobGraph: JobGraph,
    restore: RestoreAssignment | undefined,
    clock: Clock,
    deliver: (uid: string, subtask: number, event: SourceEvent) => void,
    fail: (err: unknown) => void,
  ) {
    for (const v of jobGraph.vertices) {
      const source = v.head.source;
      if (source?.createEnumerator === undefined) continue;
      const uid = v.head.uid;
      // The enumerator's state is subtask 0's (see SOURCE_ENUMERATOR_STATE); a restored source
      // without the entry was snapshotted before it had an enumerator (legacy). An entry is one
      // element, whatever the enumerator returned: any other count is damage, never "legacy".
      const restored = restore?.(uid, 0);
      const entry = restored?.lists.get(SOURCE_ENUMERATOR_STATE);
      if (entry !== undefined && entry.values.length !== 1) {
        throw new SnapshotRestoreError(
          `The snapshot's enumerator state of "${v.head.name}" (uid '${uid}') holds ${entry.values.length} elements, not the one its enumerator wrote: the snapshot is damaged.`,
          'snapshot.enumeratorState',
        );
      }
      this.byUid.set(
        uid,
        new SourceCoordinator({
          uid,
          name: v.head.name,
          source,
          parallelism: v.parallelism,
          clock,
          ...(restored ? { restored: entry ? { state: entry.values[0], legacy: false } : { state: undefined, legacy: true } } : {}),
          deliver: (subtask, event) => deliver(uid, subtask, event),
          fail,
        }),
      );
    }
  }

  get size(): number {
    return this.byUid.size;
  }

  start(): void {
    for (const c of this.byUid.values()) c.start();
  }

  handleSplitRequest(uid: string, subtask: number): void {
    this.byUid.get(uid)?.handleSplitRequest(subtask);
  }

  /** Every enumerator's state for checkpoint `checkpointId`; taken at its trigger, before any reader's. */
  snapshot(checkpointId: number): Map<string, unknown> {
    const states = new Map<string, unknown>();
    for (const [uid, c] of this.byUid) states.set(uid, c.snapshot(checkpointId));
    return states;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const c of this.byUid.values()) c.notifyCheckpointComplete(checkpointId);
  }

  notifyCheckpointAborted(checkpointId: number): void {
    for (const c of this.byUid.values()) c.notifyCheckpointAborted(checkpointId);
  }

  close(): void {
    for (const c of this.byUid.values()) c.close();
  }
}
