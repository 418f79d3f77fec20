import { basename } from 'node:path';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import { sharedFilePath } from './paths.js';
import type { SnapshotMetadata } from './snapshot-metadata.js';

/** Shared files no retained checkpoint uses, waiting until the checkpoints in flight when they became unused have ended. */
export interface WaitingFiles {
  readonly files: readonly string[];
  /** Ids of the checkpoints that may still build on the files. */
  readonly waitFor: readonly number[];
}

/** What retention knows when something happens: the store's state and the event. */
export interface RetentionFacts {
  /** The retained checkpoints, oldest first. */
  readonly retained: readonly CompletedCheckpoint[];
  /** Retained snapshots the job was restored from and claimed: their shared files belong to another job. */
  readonly claimed: ReadonlySet<CompletedCheckpoint>;
  readonly numRetained: number;
  /** Ids of the checkpoints in flight. */
  readonly pending: readonly number[];
  readonly waiting: readonly WaitingFiles[];
  /** Checkpoints dropped earlier whose directories could not be deleted: tried again. */
  readonly undeleted: readonly CompletedCheckpoint[];
  /**
   * `add`: a checkpoint completed; `claim`: the job took over the snapshot it was restored from;
   * `discardAll`: the job ended with a policy that deletes its checkpoints; `settle`: checkpoints
   * in flight ended (shared files waiting for them may go).
   */
  readonly event: { readonly kind: 'add' | 'claim'; readonly checkpoint: CompletedCheckpoint } | { readonly kind: 'discardAll' | 'settle' };
}

/** What retention does about it (Arroyo's cleanup plan): carried out by CompletedCheckpointStore. */
export interface RetentionPlan {
  /** The retained checkpoints afterwards, oldest first. */
  readonly retained: readonly CompletedCheckpoint[];
  /** Checkpoints to delete (their directories), oldest first. */
  readonly drop: readonly CompletedCheckpoint[];
  /** Shared files to delete once the dropped directories are gone: nothing retained or in flight can use them. */
  readonly deleteShared: readonly string[];
  /** Shared files that must wait for checkpoints in flight (they may build on them). */
  readonly defer: readonly WaitingFiles[];
}

/**
 * Decides retention (Flink's CompletedCheckpointStore with its shared-state registry): the
 * `numRetained` newest checkpoints are kept; an older one is dropped only when a newer one has
 * completed; a checkpoint that completes after a newer one is dropped at once; savepoints are
 * the user's and never retained (unless claimed). A shared file is deleted when the last
 * retained checkpoint referring to it is dropped — and, if checkpoints are in flight then
 * (they may build on it), only once they have ended and if nothing retained uses it by then.
 */
export function planRetention(facts: RetentionFacts): RetentionPlan {
  const { event } = facts;
  let retained = [...facts.retained];
  const dropped: CompletedCheckpoint[] = [];
  if (event.kind === 'discardAll') {
    dropped.push(...retained);
    retained = [];
  } else if (event.kind === 'add' || event.kind === 'claim') {
    const c = event.checkpoint;
    const latest = retained.at(-1);
    if (event.kind === 'add' && isSavepoint(c.kind)) {
      // Savepoints belong to the user.
    } else if (event.kind === 'add' && latest && c.checkpointId < latest.checkpointId) {
      dropped.push(c); // finished after a newer one (concurrent checkpoints): already subsumed
    } else {
      retained.push(c);
      while (retained.length > facts.numRetained) dropped.push(retained.shift()!);
    }
  }
  const pending = event.kind === 'discardAll' ? [] : facts.pending;
  const inUse = new Set(retained.flatMap(sharedPaths));
  const freed = dropped.filter((c) => !facts.claimed.has(c)).flatMap(sharedPaths).filter((f) => !inUse.has(f));
  const defer: WaitingFiles[] = [];
  const deleteShared: string[] = [];
  if (pending.length > 0 && freed.length > 0) defer.push({ files: freed, waitFor: pending });
  else deleteShared.push(...freed);
  const stillPending = new Set(pending);
  for (const w of facts.waiting) {
    const waitFor = w.waitFor.filter((id) => stillPending.has(id));
    if (waitFor.length > 0) defer.push({ files: w.files, waitFor });
    else deleteShared.push(...w.files.filter((f) => !inUse.has(f)));
  }
  return { retained, drop: [...facts.undeleted, ...dropped], deleteShared: [...new Set(deleteShared)], defer };
}

/** The `shared/` files a checkpoint refers to, as paths. */
export function sharedPaths(checkpoint: CompletedCheckpoint): string[] {
  return checkpoint.metadata.operators.flatMap((op) => op.subtasks.flatMap((h) => (h.sharedState ?? []).map((r) => sharedFilePath(checkpoint.path, r.file))));
}

/**
 * The shared files a completing checkpoint builds on that retention no longer holds (Flink's
 * SharedStateRegistry refuses a reference to state it has discarded): a chain's files but its
 * last, which the checkpoint itself wrote, must each belong to a retained checkpoint or wait
 * for checkpoints in flight. Anything else may be deleted already, and publishing the
 * checkpoint would leave a snapshot that cannot be restored. By file name (unique per write).
 */
export function unheldSharedFiles(metadata: SnapshotMetadata, retained: readonly CompletedCheckpoint[], waiting: readonly WaitingFiles[]): string[] {
  const held = new Set<string>();
  for (const c of retained) for (const op of c.metadata.operators) for (const h of op.subtasks) for (const r of h.sharedState ?? []) held.add(r.file);
  for (const w of waiting) for (const f of w.files) held.add(basename(f));
  const unheld: string[] = [];
  for (const op of metadata.operators) {
    for (const h of op.subtasks) {
      const builtOn = (h.sharedState ?? []).slice(0, -1);
      for (const r of builtOn) if (!held.has(r.file)) unheld.push(r.file);
    }
  }
  return unheld;
}
