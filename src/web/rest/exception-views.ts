import type { JobEventRecord } from '../../metadata/index.js';

/** How many exceptions are kept for a job: Flink's `web.exception-history-size` default. */
export const EXCEPTION_HISTORY_SIZE = 16;

/**
 * `GET /jobs/:jobid/exceptions` (Flink's JobExceptionsInfoWithHistory): the failures the job
 * restarted after and the one it failed with, newest first. flink-ts records no exception
 * classes, so `exceptionName` holds the failure's message; `stacktrace` its stack when one was
 * recorded. No task or location is known per failure, so those fields are absent, as in Flink
 * when it knows none.
 */
export function jobExceptions(events: readonly JobEventRecord[], maxExceptions = EXCEPTION_HISTORY_SIZE) {
  const failures = events.filter((e) => e.kind === 'restart' || e.kind === 'failure').reverse();
  const entries = failures.slice(0, Math.max(0, maxExceptions)).map((e) => {
    const message = e.cause ?? 'unknown cause';
    return {
      exceptionName: message,
      stacktrace: e.stack ?? message,
      timestamp: e.time,
      // No taskName, endpoint, taskManagerId or location: Flink leaves out those it does not know.
      failureLabels: {},
      concurrentExceptions: [],
      // flink-ts: whether the job restarted after this failure, and which attempt it ended.
      restarted: e.kind === 'restart',
      attempt: e.attempt,
    };
  });
  const latest = entries[0];
  return {
    'root-exception': latest?.stacktrace ?? null,
    timestamp: latest?.timestamp ?? null,
    'all-exceptions': [],
    truncated: failures.length > entries.length,
    exceptionHistory: { entries, truncated: failures.length > entries.length },
  };
}
