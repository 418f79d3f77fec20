import { createHash } from 'node:crypto';

/**
 * What a FileSink snapshot records (its union state: pending files, open parts, and who wrote
 * them), and the run names its part files carry, which a restore reads to tell its own files,
 * and the snapshot's job's, from every other job's and sink's.
 */

/**
 * Recorded with the pending files at every snapshot: the job whose part files these are, as it
 * appears in their names. A restore deletes that job's unreferenced hidden files (written after
 * the snapshot), and no other job's.
 */
export interface WrittenBy {
  readonly writtenBy: string;
}

/** How long the job part of a run name is. */
export const JOB_TOKEN_LENGTH = 12;

/** True for a job's token as {@link jobToken} makes it (a recorded writer is data: anything else names no job). */
export function isJobToken(w: string): boolean {
  return w.length === JOB_TOKEN_LENGTH && /^[0-9a-z]+$/.test(w);
}

/** How long the sink part of a run name is (it follows the job part). */
export const SINK_TOKEN_LENGTH = 8;

/** The job part of run names: the job id's first characters (safe in a file name, fixed length). */
export function jobToken(jobId: string): string {
  return jobId.toLowerCase().replace(/[^0-9a-z]/g, '').slice(0, JOB_TOKEN_LENGTH).padEnd(JOB_TOKEN_LENGTH, '0');
}

/**
 * The sink part of run names, from the sink's uid: two sinks of one job may share a directory,
 * and a restore of one must not take the other's files for its own leftovers.
 */
export function sinkToken(operatorUid: string): string {
  return createHash('sha256').update(operatorUid).digest('hex').slice(0, SINK_TOKEN_LENGTH);
}

/**
 * A part a checkpoint recorded while it was open (its rolling policy kept it open across the
 * barrier): `length` bytes of it were durable then. A restore from that checkpoint cuts it back
 * to them and commits it.
 */
export interface RecordedPart {
  /** Hidden name while open (relative to the sink's directory). */
  readonly inProgress: string;
  /** Visible name once committed (relative to the sink's directory). */
  readonly final: string;
  readonly length: number;
  /** The sink's absolute directory when it was recorded; absent in snapshots from before it was. */
  readonly directory?: string;
}

/** A closed part file waiting for its checkpoint to complete; this is the sink's state. */
export interface PendingFile {
  /** Hidden name while pending (relative to the sink's directory). */
  readonly pending: string;
  /** Visible name once committed (relative to the sink's directory). */
  readonly final: string;
  /** The checkpoint that commits it; null until the next snapshot (a part pre-committed at end of input). */
  checkpointId: number | null;
  /** The sink's absolute directory when it was recorded; absent in memory and in snapshots from before it was. */
  readonly directory?: string;
}

export function isWrittenBy(v: unknown): v is WrittenBy {
  return typeof (v as WrittenBy | null)?.writtenBy === 'string';
}

export function isRecordedPart(v: unknown): v is RecordedPart {
  const p = v as RecordedPart | null;
  return typeof p?.inProgress === 'string' && typeof p.final === 'string' && Number.isSafeInteger(p.length) && p.length >= 0;
}

/** The subtask of a restored run (at `parallelism`) that commits the recorded open part `rel`. */
export function ownerOf(rel: string, parallelism: number): number {
  return createHash('sha256').update(rel).digest().readUInt32BE(0) % Math.max(1, parallelism);
}

export function isPendingFile(v: unknown): v is PendingFile {
  const f = v as PendingFile | null;
  return typeof f?.pending === 'string' && typeof f.final === 'string';
}

export function partition<T>(items: readonly T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const i of items) (pred(i) ? yes : no).push(i);
  return [yes, no];
}
