/*
 * `flink run -s <jobId>`: the checkpoint restored is the newest one, found in flink.db or — if
 * the job's process died before recording it — in the job's checkpoint directory on disk.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { resolveRestorePath } from '../../src/cli/commands/restore-path.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, checkpointDir, encodeMetadata } from '../../src/checkpoint/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { FlinkError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

let home: { path: string; cleanup: () => void };
let store: MetadataStore;
let base: string;
let jobId: JobId;

beforeEach(() => {
  home = tempDir('flink-restore-');
  store = MetadataStore.open(join(home.path, 'flink.db'));
  base = join(home.path, 'job-checkpoints');
  jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', config: { 'execution.checkpointing.dir': base } });
});

afterEach(() => {
  store.close();
  home.cleanup();
});

/** Writes `chk-<id>` of the job under `baseDir`: with valid `_metadata`, damaged, or none. */
function onDisk(id: number, metadata: 'valid' | 'damaged' | 'missing' | 'other-job' = 'valid', baseDir = base): string {
  const dir = checkpointDir(baseDir, jobId, id);
  mkdirSync(dir, { recursive: true });
  const bytes = encodeMetadata({
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: metadata === 'other-job' ? newJobId() : jobId,
    jobName: 'j',
    checkpointId: id,
    kind: 'CHECKPOINT',
    timestamp: 1000 * id,
    operators: [],
  });
  if (metadata === 'damaged') writeFileSync(join(dir, '_metadata'), bytes.subarray(0, bytes.length - 10));
  else if (metadata !== 'missing') writeFileSync(join(dir, '_metadata'), bytes);
  return dir;
}

/** Records checkpoint `id` as completed at `path` in flink.db. */
function recorded(id: number, path: string, kind: 'CHECKPOINT' | 'SAVEPOINT' = 'CHECKPOINT'): void {
  store.insertCheckpoint({ jobId, checkpointId: id, kind, triggerTime: 1000 * id, path });
  store.completeCheckpoint(jobId, id, kind, { path });
}

describe('flink run -s <jobId>', () => {
  test('a valid checkpoint on disk newer than the one flink.db recorded is used', () => {
    recorded(2, onDisk(2));
    const newest = onDisk(3);
    assert.equal(resolveRestorePath(store, jobId, '/unused'), newest);
  });

  test('newer directories without a valid _metadata are skipped for the newest valid one', () => {
    recorded(2, onDisk(2));
    const valid = onDisk(3);
    onDisk(4, 'damaged');
    onDisk(5, 'missing');
    onDisk(6, 'other-job');
    assert.equal(resolveRestorePath(store, jobId.slice(0, 8), '/unused'), valid);
  });

  test('flink.db has no completed checkpoint: the newest valid one on disk is used', () => {
    onDisk(1);
    const newest = onDisk(2);
    assert.equal(resolveRestorePath(store, jobId, '/unused'), newest);
  });

  test("flink.db's latest is newer than anything on disk (e.g. a savepoint): it is used", () => {
    onDisk(3);
    recorded(4, '/savepoints/savepoint-abc', 'SAVEPOINT');
    assert.equal(resolveRestorePath(store, jobId, '/unused'), '/savepoints/savepoint-abc');
  });

  test("a job record without a checkpoint directory falls back to the configured one", () => {
    store.updateJob(jobId, { config: {} });
    const other = join(home.path, 'configured');
    const newest = onDisk(1, 'valid', other);
    assert.equal(resolveRestorePath(store, jobId, other), newest);
  });

  test('nothing completed anywhere: a clear error', () => {
    onDisk(1, 'missing');
    assert.throws(() => resolveRestorePath(store, jobId, '/unused'), (err: unknown) => {
      assert.ok(err instanceof FlinkError);
      assert.equal(err.code, 'snapshot.none');
      assert.match(err.message, new RegExp(`Job ${jobId} has no completed checkpoint or savepoint`));
      return true;
    });
  });

  test('a path is taken as it is', () => {
    const dir = onDisk(1);
    assert.equal(resolveRestorePath(store, dir, '/unused'), dir);
  });
});
