import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { jobCheckpointsDir, parseCheckpointDirName, readSnapshotMetadata } from '../../checkpoint/index.js';
import type { MetadataStore } from '../../metadata/index.js';
import { FlinkError } from '../../util/errors.js';

/** The job's recorded config key that says where its checkpoints went. */
const CHECKPOINTS_DIR_KEY = 'execution.checkpointing.dir';

/**
 * What `flink run -s` names: a path as it is, or — for a job id (prefix) that is not a path —
 * that job's newest completed checkpoint or savepoint. flink.db is not the only witness: a
 * checkpoint whose `_metadata` was published just before the job's process died may never have
 * been recorded there, so the job's checkpoint directory is scanned too, and a valid `chk-<n>`
 * newer than flink.db's latest wins.
 *
 * @param defaultCheckpointsDir `execution.checkpointing.dir` to use if the job's record lacks it
 * @throws FlinkError `snapshot.none` if the job has no completed checkpoint or savepoint anywhere
 */
export function resolveRestorePath(store: MetadataStore, from: string, defaultCheckpointsDir: string): string {
  if (existsSync(from) || from.startsWith('file:') || !/^[0-9a-f]{6,32}$/.test(from)) return from;
  const jobId = store.resolveJobId(from);
  const recorded = store.latestCompletedCheckpoint(jobId);
  const configured = store.getJob(jobId)?.config[CHECKPOINTS_DIR_KEY];
  const baseDir = typeof configured === 'string' ? configured : defaultCheckpointsDir;
  const onDisk = newestValidCheckpoint(jobCheckpointsDir(baseDir, jobId), jobId, recorded?.path ? recorded.checkpointId : 0);
  if (onDisk !== undefined) return onDisk;
  if (!recorded?.path) {
    throw new FlinkError('snapshot.none', `Job ${jobId} has no completed checkpoint or savepoint to restore from.`);
  }
  return recorded.path;
}

/**
 * The highest-numbered `chk-<n>` directory in `dir` with n above `above` whose `_metadata`
 * validates and belongs to `jobId`; undefined if there is none (or no such directory).
 */
export function newestValidCheckpoint(dir: string, jobId: string, above: number): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const candidates = names
    .map((name) => ({ name, id: parseCheckpointDirName(name) }))
    .filter((c): c is { name: string; id: number } => c.id !== undefined && c.id > above)
    .sort((a, b) => b.id - a.id);
  for (const c of candidates) {
    const path = join(dir, c.name);
    try {
      const m = readSnapshotMetadata(path);
      if (m.jobId === jobId && m.checkpointId === c.id) return path;
    } catch {
      // Unfinished or damaged (no or invalid `_metadata`): not a checkpoint; try an older one.
    }
  }
  return undefined;
}
