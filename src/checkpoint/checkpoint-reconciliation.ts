import type { CheckpointKind } from '../metadata/index.js';
import type { PublishedSnapshot } from './published-snapshots.js';

/**
 * The latest completed checkpoint of a job whose process has ended, as one answer for every
 * reader: `flink list`, `flink checkpoints` and `flink run -s <jobId>`. flink.db records a
 * checkpoint after its `_metadata` is published, so a process killed in between leaves a
 * checkpoint on disk that flink.db does not know — the one `-s <jobId>` restores, since the
 * sinks may have committed up to it. Once nothing can publish or delete the job's checkpoints
 * any more, flink.db is brought level with the disk: what was published is recorded, what was
 * deleted is marked discarded, what cannot be restored is marked so, and the job's latest
 * checkpoint follows.
 *
 * Pure decisions over observed facts: the rows, the directories, and what reading a snapshot
 * found (a {@link SnapshotVerdict}); the callers do the reading and the writing.
 */

/** One of a job's snapshots that `flink run -s <jobId>` may restore from. */
export interface JobSnapshot extends PublishedSnapshot {
  /** A savepoint; a `chk-<n>` found on disk holds a checkpoint. */
  readonly savepoint: boolean;
  /** In flink.db as completed (and not discarded); false for a `chk-<n>` found on disk without such a row. */
  readonly recorded: boolean;
  /** Why it cannot be restored, as last found when it was read; null if nothing is known against it. */
  readonly restoreProblem: string | null;
  /** When it completed, as recorded; null for one found on disk. */
  readonly completedAt: number | null;
}

/** A snapshot as flink.db records it; the rest defaults to a checkpoint without a known problem. */
export interface RecordedSnapshot extends PublishedSnapshot {
  readonly savepoint?: boolean;
  readonly restoreProblem?: string | null;
  readonly completedAt?: number | null;
}

/**
 * The job's snapshots, newest (highest id, by number) first: those flink.db recorded as
 * completed, and the `chk-<n>` directories with a `_metadata` that it did not.
 */
export function jobSnapshots(recorded: readonly RecordedSnapshot[], onDisk: readonly PublishedSnapshot[]): JobSnapshot[] {
  const known = new Set(recorded.map((s) => s.path));
  const snapshots: JobSnapshot[] = [
    ...recorded.map((s) => ({
      checkpointId: s.checkpointId,
      path: s.path,
      savepoint: s.savepoint ?? false,
      recorded: true,
      restoreProblem: s.restoreProblem ?? null,
      completedAt: s.completedAt ?? null,
    })),
    ...onDisk
      .filter((s) => !known.has(s.path))
      .map((s) => ({ checkpointId: s.checkpointId, path: s.path, savepoint: false, recorded: false, restoreProblem: null, completedAt: null })),
  ];
  // Stable: at one id, the recorded one is tried first.
  return snapshots.sort((a, b) => b.checkpointId - a.checkpointId);
}

/** What reading one snapshot found. */
export type SnapshotVerdict =
  | { readonly status: 'usable' }
  /** Its `_metadata` is not there: deleted (by retention, `savepoint -d`, or a user). */
  | { readonly status: 'gone'; readonly problem: string }
  /** Found on disk, but not a snapshot of this job: its `_metadata` is invalid or names another job or checkpoint. */
  | { readonly status: 'foreign'; readonly problem: string }
  /** A snapshot of this job that cannot be restored: a state file is missing, truncated or fails its checksum. */
  | { readonly status: 'damaged'; readonly problem: string };

/** How far a look at a job's snapshots goes, newest first. */
export type WalkGoal =
  /** To the snapshot `flink run -s <jobId>` restores: the newest usable one, savepoints included. */
  | 'snapshot'
  /** To the job's latest completed checkpoint: the newest usable one that is not a savepoint. */
  | 'checkpoint';

/** The snapshot the walk is after, once a verdict names it; undefined while newer ones are unread. */
export function walkResult(snapshots: readonly JobSnapshot[], verdicts: ReadonlyMap<string, SnapshotVerdict>, goal: WalkGoal): JobSnapshot | null | undefined {
  for (const s of snapshots) {
    if (goal === 'checkpoint' && s.savepoint) continue;
    const v = verdicts.get(s.path);
    if (v === undefined) return undefined;
    if (v.status === 'usable') return s;
  }
  return null;
}

/** A checkpoint found on disk that flink.db lacks, as its `_metadata` describes it. */
export interface FoundCheckpoint {
  readonly checkpointId: number;
  readonly path: string;
  readonly kind: CheckpointKind;
  readonly triggerTime: number;
  /** When its `_metadata` was published (the file's modification time). */
  readonly completedAt: number;
  readonly stateSize: number;
  readonly checkpointedSize: number;
}

/** Everything observed of a job whose process has ended. */
export interface ReconciliationFacts {
  /** Newest first (see {@link jobSnapshots}). */
  readonly snapshots: readonly JobSnapshot[];
  /** The unrecorded ones whose `_metadata` is this job's, by path. */
  readonly found: ReadonlyMap<string, FoundCheckpoint>;
  /** What reading found, by path, for the snapshots read (newest first, up to the walk's goal). */
  readonly verdicts: ReadonlyMap<string, SnapshotVerdict>;
  /** Rows still IN_PROGRESS: the process ended before they completed, unless found published. */
  readonly inProgress: readonly { readonly checkpointId: number; readonly kind: CheckpointKind }[];
  /** The job's latest checkpoint as flink.db has it. */
  readonly lastCheckpoint: { readonly checkpointId: number; readonly path: string } | null;
}

/** What reading a job's snapshots observed: the snapshots, the found ones' `_metadata`, the verdicts. */
export type ObservedSnapshots = Pick<ReconciliationFacts, 'snapshots' | 'found' | 'verdicts'>;

/** The latest checkpoint of a job: its id, path and completion time. */
export interface LatestCheckpoint {
  readonly checkpointId: number;
  readonly path: string;
  readonly time: number | null;
}

/** What flink.db must be told so that it says what the disk says; empty when it already does. */
export interface ReconciliationPlan {
  /** Checkpoints found published, to record as completed, with what keeps them from being restored (or null). */
  readonly record: readonly { readonly checkpoint: FoundCheckpoint; readonly restoreProblem: string | null }[];
  /** Recorded snapshots whose files are gone: completed, now discarded. */
  readonly discard: readonly JobSnapshot[];
  /** Recorded snapshots whose restore problem changed: found damaged, or found usable again. */
  readonly restoreProblems: readonly { readonly snapshot: JobSnapshot; readonly problem: string | null }[];
  /** Checkpoints still IN_PROGRESS that never completed: failed, as the job ended before them. */
  readonly failInProgress: readonly { readonly checkpointId: number; readonly kind: CheckpointKind }[];
  /** The job's latest checkpoint, when it changes (null: none can be restored); absent when unchanged or not known. */
  readonly lastCheckpoint?: LatestCheckpoint | null;
}

/**
 * What to write so that flink.db agrees with the disk. Only the snapshots read have verdicts:
 * those newer than the walk's goal, and the goal. A found checkpoint that was not read (older
 * than the goal) is recorded as its `_metadata` describes it, as the coordinator records one.
 * The latest checkpoint changes only when the walk reached it (or read every snapshot).
 */
export function planReconciliation(facts: ReconciliationFacts): ReconciliationPlan {
  const record: { checkpoint: FoundCheckpoint; restoreProblem: string | null }[] = [];
  const discard: JobSnapshot[] = [];
  const restoreProblems: { snapshot: JobSnapshot; problem: string | null }[] = [];
  for (const s of facts.snapshots) {
    const v = facts.verdicts.get(s.path);
    if (!s.recorded) {
      const found = facts.found.get(s.path);
      if (found === undefined || v?.status === 'gone' || v?.status === 'foreign') continue;
      record.push({ checkpoint: found, restoreProblem: v?.status === 'damaged' ? v.problem : null });
    } else if (v?.status === 'gone') {
      discard.push(s);
    } else if (v !== undefined) {
      const problem = v.status === 'usable' ? null : v.problem;
      if (problem !== s.restoreProblem) restoreProblems.push({ snapshot: s, problem });
    }
  }
  const completed = new Set(record.map((r) => r.checkpoint.checkpointId));
  const failInProgress = facts.inProgress.filter((c) => !completed.has(c.checkpointId));
  const latest = walkResult(facts.snapshots, facts.verdicts, 'checkpoint');
  const plan: ReconciliationPlan = { record, discard, restoreProblems, failInProgress };
  if (latest === undefined) return plan;
  const was = facts.lastCheckpoint;
  if (latest === null) return was === null ? plan : { ...plan, lastCheckpoint: null };
  if (was !== null && was.checkpointId === latest.checkpointId && was.path === latest.path) return plan;
  return { ...plan, lastCheckpoint: { checkpointId: latest.checkpointId, path: latest.path, time: latest.completedAt ?? facts.found.get(latest.path)?.completedAt ?? null } };
}

/** True if the plan changes nothing. */
export function isEmptyPlan(plan: ReconciliationPlan): boolean {
  return plan.record.length + plan.discard.length + plan.restoreProblems.length + plan.failInProgress.length === 0 && plan.lastCheckpoint === undefined;
}

/**
 * Reads a job's snapshots newest first with `judge` until the goal is known: the one way both
 * `flink run -s <jobId>` (goal `snapshot`, judging by loading) and a listing (goal `checkpoint`)
 * find the latest. Returns the verdicts, by path.
 */
export function walkSnapshots(snapshots: readonly JobSnapshot[], goal: WalkGoal, judge: (s: JobSnapshot) => SnapshotVerdict): Map<string, SnapshotVerdict> {
  const verdicts = new Map<string, SnapshotVerdict>();
  for (const s of snapshots) {
    if (walkResult(snapshots, verdicts, goal) !== undefined) break;
    verdicts.set(s.path, judge(s));
  }
  return verdicts;
}
