import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import { type RetentionFacts, type RetentionPlan, type WaitingFiles, planRetention, unheldSharedFiles } from './retention-plan.js';
import type { SnapshotMetadata } from './snapshot-metadata.js';

/** How retention deletes: through checkpoint storage's write steps (FsCheckpointStorage). */
export interface RetentionStorage {
  discardCompleted(checkpoint: CompletedCheckpoint): Promise<void>;
  deleteSharedFile(path: string): Promise<void>;
}

/** Told what retention did. */
export interface RetentionListener {
  /** A completed checkpoint's directory was deleted (subsumed by newer ones, or at job end). */
  discarded(checkpoint: CompletedCheckpoint): void;
  /** Something could not be deleted; it is tried again at the next change. */
  deleteFailed(message: string): void;
}

const NO_LISTENER: RetentionListener = { discarded: () => {}, deleteFailed: () => {} };

/**
 * The retained completed checkpoints of a running job (Flink's CompletedCheckpointStore). What
 * to keep and delete is decided by {@link planRetention} (a pure function of what the store
 * knows); the store carries the plan out through the storage and remembers what is left: files
 * waiting for checkpoints in flight, and deletions that failed, which are tried again with the
 * next plan. Savepoints are never retained nor deleted: they belong to the user. But the newest
 * savepoint is remembered while no checkpoint is newer: its completion let the sinks commit, so
 * a failure must restore it, not the checkpoint before it (which would write what it committed
 * again), as Flink did until 1.14.
 */
export class CompletedCheckpointStore {
  private retained: readonly CompletedCheckpoint[] = [];
  /** The newest savepoint added (whether a checkpoint is newer is the retained list's to say). */
  private savepoint: CompletedCheckpoint | undefined;
  /** Claimed snapshots belong to another job's directory: their shared files are left alone. */
  private readonly claimed = new Set<CompletedCheckpoint>();
  private waiting: readonly WaitingFiles[] = [];
  private undeleted: readonly CompletedCheckpoint[] = [];
  /** Plans are carried out one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly numRetained: number,
    private readonly storage: RetentionStorage,
    private readonly listener: RetentionListener = NO_LISTENER,
  ) {}

  /**
   * Adds a newly completed checkpoint and deletes those beyond the retained number.
   * @param pending ids of the checkpoints still in flight
   */
  add(checkpoint: CompletedCheckpoint, pending: readonly number[] = []): Promise<void> {
    if (isSavepoint(checkpoint.kind) && checkpoint.checkpointId > (this.savepoint?.checkpointId ?? -1)) this.savepoint = checkpoint;
    return this.apply({ kind: 'add', checkpoint }, pending);
  }

  /**
   * Checkpoints in flight ended (completed or aborted); `pending` are those still in flight.
   * Shared files that waited on the ended ones are deleted if no retained checkpoint uses them.
   */
  settle(pending: readonly number[]): Promise<void> {
    return this.apply({ kind: 'settle' }, pending);
  }

  /**
   * Takes ownership of a snapshot the job was restored from (`--claim-mode claim`): it is then
   * deleted like any retained checkpoint once newer ones subsume it, savepoint or not.
   */
  claim(checkpoint: CompletedCheckpoint): Promise<void> {
    this.claimed.add(checkpoint);
    return this.apply({ kind: 'claim', checkpoint }, []);
  }

  /** Deletes every retained checkpoint (cancel with DELETE_ON_CANCELLATION, or no externalization). */
  discardAll(): Promise<void> {
    return this.apply({ kind: 'discardAll' }, []);
  }

  /**
   * The shared files a checkpoint about to be published builds on that are no longer held
   * (see {@link unheldSharedFiles}), once the plans asked for before have been carried out.
   */
  unheldSharedFiles(metadata: SnapshotMetadata): Promise<string[]> {
    const next = this.queue.then(() => unheldSharedFiles(metadata, this.retained, this.waiting));
    this.queue = next.then(() => undefined);
    return next;
  }

  latest(): CompletedCheckpoint | undefined {
    return this.retained.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return this.retained;
  }

  /**
   * What a failure may restore, any order: the retained checkpoints and, if none is newer, the
   * newest savepoint (whose completion let the sinks commit).
   */
  recoveryCandidates(): readonly CompletedCheckpoint[] {
    const sp = this.savepoint;
    if (sp === undefined || this.retained.some((c) => c.checkpointId > sp.checkpointId)) return this.retained;
    return [...this.retained, sp];
  }

  private apply(event: RetentionFacts['event'], pending: readonly number[]): Promise<void> {
    const next = this.queue.then(() => {
      const plan = planRetention({
        retained: this.retained,
        claimed: this.claimed,
        numRetained: this.numRetained,
        pending,
        waiting: this.waiting,
        undeleted: this.undeleted,
        event,
      });
      this.retained = plan.retained;
      this.waiting = plan.defer;
      return this.carryOut(plan);
    });
    this.queue = next;
    return next;
  }

  /**
   * Deletes the dropped checkpoints, then the shared files the plan freed. If a directory cannot
   * be deleted, its checkpoint is dropped again by the next plan, and the freed files wait for
   * that (a leftover `_metadata` may still name them).
   */
  private async carryOut(plan: RetentionPlan): Promise<void> {
    const undeleted: CompletedCheckpoint[] = [];
    for (const c of plan.drop) {
      try {
        await this.storage.discardCompleted(c);
        this.claimed.delete(c);
        this.listener.discarded(c);
      } catch (err) {
        undeleted.push(c);
        this.listener.deleteFailed(`cannot delete checkpoint ${c.checkpointId} (${c.path}): ${(err as Error).message}; trying again later`);
      }
    }
    this.undeleted = undeleted;
    const later: string[] = [];
    if (undeleted.length > 0) later.push(...plan.deleteShared);
    else {
      for (const f of plan.deleteShared) {
        try {
          await this.storage.deleteSharedFile(f);
        } catch (err) {
          later.push(f);
          this.listener.deleteFailed(`cannot delete shared state file ${f}: ${(err as Error).message}; trying again later`);
        }
      }
    }
    if (later.length > 0) this.waiting = [...this.waiting, { files: later, waitFor: [] }];
  }
}
