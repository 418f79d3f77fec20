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

/** True if a job in status `from` may move to `to`. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** True if `s` is final: the job will never run again (FINISHED, CANCELED, FAILED). */
export function isTerminal(s: JobStatus): boolean {
  return TRANSITIONS[s].length === 0;
}

/**
 * What a compare-and-set of a job's status from `current` to `to` does: `fenced` if the caller
 * expects another epoch than the job's (checked first: a superseded process learns that, not
 * merely that the status moved on), `refused` if the table allows no such move, else `move`.
 */
export function decideStatusChange(
  current: { readonly status: JobStatus; readonly epoch: number },
  to: JobStatus,
  expectedEpoch: number | undefined,
): 'move' | 'refused' | 'fenced' {
  if (expectedEpoch !== undefined && current.epoch !== expectedEpoch) return 'fenced';
  return canTransition(current.status, to) ? 'move' : 'refused';
}

/** Statuses `flink list` shows under "Running/Restarting Jobs". */
export const ACTIVE_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !isTerminal(s));

/** Statuses `flink list -a` shows under "Terminated Jobs". */
export const TERMINAL_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter(isTerminal);

/** Type guard for a status read from outside (the database, JSON). */
export function isJobStatus(s: unknown): s is JobStatus {
  return typeof s === 'string' && Object.hasOwn(TRANSITIONS, s);
}
