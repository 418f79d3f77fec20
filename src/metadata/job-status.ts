/**
 * A job's status, as in Flink's `JobStatus` (without the cluster-only INITIALIZING,
 * SUSPENDED and RECONCILING).
 */
export type JobStatus =
  | 'CREATED'
  | 'RUNNING'
  | 'CANCELLING'
  | 'CANCELED'
  | 'FINISHED'
  | 'FAILING'
  | 'FAILED'
  | 'RESTARTING';

/** Every status, in lifecycle order. */
export const JOB_STATUSES: readonly JobStatus[] = [
  'CREATED',
  'RUNNING',
  'FAILING',
  'RESTARTING',
  'CANCELLING',
  'FINISHED',
  'CANCELED',
  'FAILED',
];

/**
 * The allowed status changes. Explicit rather than derived so that a surprising move (e.g.
 * RUNNING → CANCELED without CANCELLING) is refused by the store, not silently recorded:
 * another process may be reading the status to decide what to do.
 */
const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  CREATED: ['RUNNING', 'CANCELLING', 'FAILING', 'FAILED', 'CANCELED'],
  RUNNING: ['FINISHED', 'CANCELLING', 'FAILING', 'RESTARTING', 'FAILED'],
  FAILING: ['FAILED', 'RESTARTING', 'CANCELLING'],
  RESTARTING: ['RUNNING', 'CANCELLING', 'FAILED', 'CANCELED'],
  CANCELLING: ['CANCELED', 'FAILED'],
  FINISHED: [],
  CANCELED: [],
  FAILED: [],
};

/** The statuses reachable from `from` in one step. */
export function nextStatuses(from: JobStatus): readonly JobStatus[] {
  return TRANSITIONS[from];
}

/** True if a job in status `from` may move to `to`. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** True if `s` is final: the job will never run again (FINISHED, CANCELED, FAILED). */
export function isTerminal(s: JobStatus): boolean {
  return TRANSITIONS[s].length === 0;
}

/**
 * Flink distinguishes globally terminal statuses from SUSPENDED, which only ends the job on
 * one JobManager. Without SUSPENDED here the two coincide; kept for Flink-shaped callers.
 */
export function isGloballyTerminal(s: JobStatus): boolean {
  return isTerminal(s);
}

/** Statuses `flink list` shows under "Running/Restarting Jobs". */
export const ACTIVE_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !isTerminal(s));

/** Statuses `flink list -a` shows under "Terminated Jobs". */
export const TERMINAL_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter(isTerminal);

/** Type guard for a status read from outside (the database, JSON). */
export function isJobStatus(s: unknown): s is JobStatus {
  return typeof s === 'string' && Object.hasOwn(TRANSITIONS, s);
}
