import { resolve } from 'node:path';
import { discardDirectory, isSavepoint, readSnapshotMetadata, snapshotDirOf } from '../../checkpoint/index.js';
import { FlinkError } from '../../util/errors.js';
import { say } from '../output.js';
import { waitForCommand } from '../wait-for-command.js';
import { withStore } from './open-store.js';
import { requireRunningJob } from './running-job.js';

/** How long savepoint and stop wait (the default checkpoint timeout). */
const SAVEPOINT_WAIT_MS = 10 * 60_000;

/** `flink savepoint <jobId> [dir]`: a savepoint of a running job into dir (or savepoint-dir). */
export async function savepointCommand(jobIdOrPrefix: string, dir: string | undefined): Promise<number> {
  return withStore(async (store) => {
    const job = requireRunningJob(store, jobIdOrPrefix, 'savepointed');
    say(`Triggering savepoint for job ${job.jobId}.`);
    const commandId = store.submitCommand(job.jobId, 'savepoint', dir === undefined ? {} : { dir: resolve(dir) });
    const result = (await waitForCommand(store, job.jobId, commandId, { what: 'complete the savepoint', timeoutMs: SAVEPOINT_WAIT_MS })) as {
      path: string;
    };
    say(`Savepoint completed. Path: ${result.path}`);
    return 0;
  });
}

/** `flink stop <jobId> [-p dir] [--drain]`: a savepoint, then the job ends as FINISHED. */
export async function stopCommand(jobIdOrPrefix: string, dir: string | undefined, drain: boolean): Promise<number> {
  return withStore(async (store) => {
    const job = requireRunningJob(store, jobIdOrPrefix, 'stopped');
    say(`Suspending job "${job.jobId}" with a savepoint.`);
    const args = { drain, ...(dir === undefined ? {} : { dir: resolve(dir) }) };
    const commandId = store.submitCommand(job.jobId, 'stop', args);
    const result = (await waitForCommand(store, job.jobId, commandId, { what: 'stop with a savepoint', timeoutMs: SAVEPOINT_WAIT_MS })) as {
      path: string;
    };
    say(`Savepoint completed. Path: ${result.path}`);
    return 0;
  });
}

/**
 * `flink savepoint -d <path>`: deletes a savepoint. Only a directory whose `_metadata` is valid
 * and says "savepoint" is deleted, so a mistyped path never removes anything else.
 */
export async function disposeSavepointCommand(path: string): Promise<number> {
  let dir: string;
  try {
    dir = snapshotDirOf(path);
    const metadata = readSnapshotMetadata(dir);
    if (!isSavepoint(metadata.kind)) {
      throw new FlinkError('savepoint.notSavepoint', `Refusing to dispose ${dir}: it is a ${metadata.kind.toLowerCase().replace('_', ' ')}, not a savepoint.`);
    }
  } catch (err) {
    if (err instanceof FlinkError && err.code === 'savepoint.notSavepoint') throw err;
    const reason = err instanceof Error ? err.message.replace(/^Cannot restore from [^:]*: /, '').replace(/\.$/, '') : String(err);
    throw new FlinkError('savepoint.notSavepoint', `Refusing to dispose ${resolve(path)}: it is not a valid savepoint (${reason})`);
  }
  await discardDirectory(dir);
  await withStore((store) => store.disposeCheckpointByPath(dir));
  say(`Savepoint '${path}' disposed.`);
  return 0;
}
