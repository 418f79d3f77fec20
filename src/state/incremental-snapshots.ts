import type { KeyedSnapshotForm } from './keyed-state-snapshot.js';
import type { SharedStateRef } from './snapshot-format/handles.js';
import type { ChangedKeys } from './state-table.js';

/** The chain of the newest confirmed incremental checkpoint: a full base, then deltas. */
interface ConfirmedChain {
  readonly checkpointId: number;
  readonly chain: readonly SharedStateRef[];
  readonly deltaBytes: number;
}

interface UnconfirmedCut {
  readonly checkpointId: number;
  /** Keys changed between the previous cut and this one, by state and key group index. */
  changes: ReadonlyMap<string, Set<unknown>[]>;
  readonly form: KeyedSnapshotForm;
  /** The file the cut's snapshot was written to in `shared/`, once it is. */
  written?: SharedStateRef;
}

/** A delta chain longer than this is replaced by a new full base (it bounds restore work). */
export const MAX_DELTA_CHAIN = 10;
/**
 * Cuts not yet confirmed (checkpoints failing or slow) beyond which their change sets are
 * dropped and the next checkpoints are full bases, so memory stays bounded.
 */
export const MAX_UNCONFIRMED_CUTS = 8;

/**
 * Decides, at each incremental checkpoint's cut, whether a backend writes a delta or a new full
 * base, and remembers the chain of files of the newest *confirmed* checkpoint. A delta covers
 * every change since the newest confirmed checkpoint — not merely since the previous cut — so a
 * checkpoint that was aborted or is still unconfirmed never leaves a hole in a chain.
 *
 * A new base is written when the chain gets long or its deltas outgrow the base, after a
 * restore (the first checkpoint of an execution never references another job's files),
 * whenever nothing is confirmed yet, and while a full snapshot is not known to have ended.
 */
export class IncrementalSnapshots {
  private confirmed: ConfirmedChain | undefined;
  private unconfirmed: UnconfirmedCut[] = [];
  /** Change sets were dropped: only a confirmed full base makes deltas possible again. */
  private needsBase = false;

  /**
   * Takes the tables' changes at the cut of `checkpointId` and picks its form.
   *
   * @param latestCompleted the newest checkpoint completed when this one was triggered. Its
   *   completion may not have been notified here yet (on worker threads the barrier comes
   *   through a data channel, read at once; the notification waits for the worker's next
   *   slice; in one thread the coordinator notifies only after retention has run), and
   *   retention may already have deleted the files of every chain older than its own: so it
   *   counts as confirmed now, and a delta builds only on its chain or a newer one.
   */
  cut(
    checkpointId: number,
    tables: ReadonlyMap<string, ChangedKeys>,
    latestCompleted?: number,
  ): { form: KeyedSnapshotForm; changed: ReadonlyMap<string, readonly Set<unknown>[]> | undefined } {
    if (latestCompleted !== undefined) this.complete(latestCompleted);
    const changes = new Map<string, Set<unknown>[]>();
    for (const [name, c] of tables) changes.set(name, c.take());
    if (this.unconfirmed.length >= MAX_UNCONFIRMED_CUTS) {
      this.needsBase = true;
      for (const u of this.unconfirmed) u.changes = new Map();
    }
    const c = this.confirmed;
    const baseBytes = c?.chain[0]?.size ?? 0;
    // A chain older than the newest completed checkpoint may be gone (when that one was cut
    // elsewhere, e.g. before a restore, nothing here can be built on).
    const current = c !== undefined && c.checkpointId >= (latestCompleted ?? -Infinity);
    // A full snapshot cut earlier and not confirmed here yet may have completed already (when
    // the barrier does not say which checkpoint completed last): then retention may have
    // deleted the confirmed chain's files, nothing being in flight to hold them.
    const afterFull = this.unconfirmed.some((u) => u.form.kind === 'self-contained');
    const delta = !this.needsBase && !afterFull && current && c.chain.length <= MAX_DELTA_CHAIN && c.deltaBytes <= baseBytes;
    const form: KeyedSnapshotForm = delta ? { kind: 'shared-delta', base: c.chain } : { kind: 'shared-full' };
    this.unconfirmed.push({ checkpointId, changes, form });
    return { form, changed: delta ? this.changedSinceConfirmed() : undefined };
  }

  /**
   * A full, self-contained snapshot (savepoint, `checkpoint --full`) was cut. Once it completes,
   * retention may delete every file of earlier checkpoints, so the next checkpoint must be a new
   * base rather than a delta over a chain that may be gone.
   */
  fullCut(checkpointId: number): void {
    this.unconfirmed.push({ checkpointId, changes: new Map(), form: { kind: 'self-contained' } });
  }

  /** The snapshot of the cut of `checkpointId` was written as `file` in `shared/`. */
  written(checkpointId: number, file: SharedStateRef): void {
    const cut = this.unconfirmed.find((u) => u.checkpointId === checkpointId);
    if (cut) cut.written = file;
  }

  /** Checkpoint `checkpointId` is complete: its chain is the base of the next delta. */
  complete(checkpointId: number): void {
    const cut = this.unconfirmed.find((u) => u.checkpointId === checkpointId);
    if (!cut) return;
    const written = cut.written;
    if (cut.form.kind === 'self-contained' || !written) {
      this.confirmed = undefined;
    } else {
      const chain = cut.form.kind === 'shared-delta' ? [...cut.form.base, written] : [written];
      this.confirmed = { checkpointId, chain, deltaBytes: chain.slice(1).reduce((n, r) => n + r.size, 0) };
      if (cut.form.kind === 'shared-full') this.needsBase = false;
    }
    this.unconfirmed = this.unconfirmed.filter((u) => u.checkpointId > checkpointId);
  }

  private changedSinceConfirmed(): ReadonlyMap<string, readonly Set<unknown>[]> {
    if (this.unconfirmed.length === 1) return this.unconfirmed[0]!.changes;
    const union = new Map<string, Set<unknown>[]>();
    for (const { changes } of this.unconfirmed) {
      for (const [name, sets] of changes) {
        const into = union.get(name);
        if (!into) {
          union.set(name, sets.map((s) => new Set(s)));
          continue;
        }
        sets.forEach((s, i) => {
          for (const k of s) into[i]!.add(k);
        });
      }
    }
    return union;
  }
}
