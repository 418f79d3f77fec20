import { statSync } from 'node:fs';
import { disposeSavepoint } from '../../checkpoint/index.js';
import type { CheckpointRecord, MetadataStore } from '../../metadata/index.js';
import { FlinkError } from '../../util/errors.js';
import { localPathOf } from '../../util/file-uri.js';
import { fileKind, whyUnreachable } from '../../util/regular-file.js';
import { echo } from '../../util/sanitize.js';
import { say, warn } from '../output.js';
import { waitForCommand } from '../wait-for-command.js';
import { withStore } from './open-store.js';
import { requireRunningJob } from './running-job.js';

/** How long savepoint and stop wait (the default checkpoint timeout). */
const SAVEPOINT_WAIT_MS = 10 * 60_000;

/**
 * The directory a savepoint is to be written into, as given (a path or a `file:` URI), checked
 * before the job is asked: a remote URI or an empty path would otherwise land in a directory
 * named `s3:` or in the current one, and a file in the way would fail the savepoint only in the job.
 *
 * @throws FlinkError `path.invalidUri` or `savepoint.badTarget`, naming the directory
 */
export function savepointTargetOf(dir: string): string {
  const path = localPathOf(dir);
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    throw new FlinkError('savepoint.badTarget', `Cannot write a savepoint into ${echo(path)}: ${whyUnreachable(err)}.`);
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new FlinkError('savepoint.badTarget', `Cannot write a savepoint into ${echo(path)}: it is ${fileKind(st)}, not a directory. Give a directory (it is created if missing).`);
  }
  return path;
}

/** `flink savepoint <jobId> [dir]`: a savepoint of a running job into dir (or savepoint-dir). */
export async function savepointCommand(jobIdOrPrefix: string, dir: string | undefined): Promise<number> {
  const target = dir === undefined ? undefined : savepointTargetOf(dir);
  return withStore(async (store) => {
    const job = requireRunningJob(store, jobIdOrPrefix, 'savepointed');
    say(`Triggering savepoint for job ${job.jobId}.`);
    const commandId = store.submitCommand(job.jobId, 'savepoint', target === undefined ? {} : { dir: target });
    const result = (await waitForCommand(store, job.jobId, commandId, { what: 'complete the savepoint', timeoutMs: SAVEPOINT_WAIT_MS })) as {
      path: string;
    };
    say(`Savepoint completed. Path: ${result.path}`);
    return 0;
  });
}

/** `flink stop <jobId> [-p dir] [--drain]`: a savepoint, then the job ends as FINISHED. */
export async function stopCommand(jobIdOrPrefix: string, dir: string | undefined, drain: boolean): Promise<number> {
  const target = dir === undefined ? undefined : savepointTargetOf(dir);
  return withStore(async (store) => {
    const job = requireRunningJob(store, jobIdOrPrefix, 'stopped');
    // Flink's words: --drain ends the job's input first (SAVEPOINT_TERMINATE).
    say(`${drain ? 'Draining' : 'Suspending'} job "${job.jobId}" with a savepoint.`);
    const args = { drain, ...(target === undefined ? {} : { dir: target }) };
    const commandId = store.submitCommand(job.jobId, 'stop', args);
    const result = (await waitForCommand(store, job.jobId, commandId, { what: 'stop with a savepoint', timeoutMs: SAVEPOINT_WAIT_MS })) as {
      path: string;
    };
    say(`Savepoint completed. Path: ${result.path}`);
    return 0;
  });
}

/**
 * `flink savepoint -d <path>`: deletes a savepoint — exactly the files its `_metadata` names, and
 * the directory if nothing else is in it — and marks it discarded in flink.db. Anything whose
 * `_metadata` is not a valid savepoint is refused, so a mistyped path never removes anything.
 */
export async function disposeSavepointCommand(path: string): Promise<number> {
  const result = await disposeSavepoint(path);
  const runningJobs = await withStore((store) => {
    const jobs = new Set<string>();
    // flink.db has the path the job wrote to, which may be either side of a symbolic link.
    for (const p of new Set([result.dir, result.givenDir])) {
      const record = store.findCheckpointByPath(p);
      if (record && isNewestOfRunningJob(store, record)) jobs.add(record.jobId);
      store.disposeCheckpointByPath(p);
    }
    return jobs;
  });
  for (const jobId of runningJobs) {
    warn(
      `Job ${jobId} is running and this savepoint was its newest snapshot: should the job fail before its next checkpoint, it restarts from an older one and its sinks write again what they committed since.`,
    );
  }
  if (result.leftInDir > 0) {
    warn(`Kept ${echo(result.dir)}: it holds ${result.leftInDir} file${result.leftInDir === 1 ? ' that is' : 's that are'} not part of the savepoint.`);
  }
  if (result.failed.length > 0) {
    throw new FlinkError(
      'savepoint.disposeIncomplete',
      `Savepoint '${echo(path)}' is disposed (its _metadata is deleted), but these files it named are left (kept as not the savepoint's, or not deletable); delete them by hand if they are its: ${echo(result.failed.join(', '))}`,
    );
  }
  say(`Savepoint '${echo(path)}' disposed.`);
  return 0;
}

/**
 * Whether `record` is the newest completed snapshot of a job that runs: a failure then would
 * restore it (its completion let the sinks commit).
 */
function isNewestOfRunningJob(store: MetadataStore, record: CheckpointRecord): boolean {
  const job = store.getJob(record.jobId);
  if (job === undefined || !['RUNNING', 'RESTARTING', 'CREATED'].includes(job.status)) return false;
  return !store.listCheckpoints(record.jobId).some((c) => c.status === 'COMPLETED' && !c.discarded && c.checkpointId > record.checkpointId);
}
