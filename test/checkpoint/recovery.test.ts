/*
 * Recovery: which snapshot a job resumes from. After a failure in its own process, the newest
 * retained checkpoint that loads; in a new process (`flink run -s <jobId>`), the newest of what
 * flink.db recorded and what is on disk — falling back to older ones when the newest is
 * deleted or damaged, by checkpoint number, never hanging on a `_metadata` that is not a file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  type CompletedCheckpoint,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  checkpointDir,
  discardsCheckpointsOnEnd,
  encodeMetadata,
  jobCheckpointsDir,
  jobSnapshots,
  recoverFromRetained,
  restoreLatestOfJob,
  scanCheckpointDirectory,
  surveyLatestOfJob,
  walkResult,
} from '../../src/checkpoint/index.js';
import { SnapshotRestoreError } from '../../src/checkpoint/snapshot-loader.js';
import { FlinkError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

describe('recoverFromRetained', () => {
  const retained = [1, 2, 3].map((id) => ({ checkpointId: id, path: `/ck/chk-${id}` }) as CompletedCheckpoint);

  test('uses the newest checkpoint that loads; newer damaged ones are reported as skipped', () => {
    const r = recoverFromRetained(
      retained,
      (path) => {
        if (path.endsWith('3')) throw new SnapshotRestoreError(`Cannot restore from ${path}: state file x is damaged (checksum mismatch).`);
        return path;
      },
      (loaded) => `state of ${loaded}`,
    );
    assert.deepEqual(r, {
      checkpointId: 2,
      path: '/ck/chk-2',
      state: 'state of /ck/chk-2',
      skipped: ['checkpoint 3: Cannot restore from /ck/chk-3: state file x is damaged (checksum mismatch).'],
    });
  });

  test('none loadable: one line naming every checkpoint and its problem', () => {
    assert.throws(
      () =>
        recoverFromRetained(
          retained,
          (path) => {
            throw new Error(`${path.slice(-5)} is unreadable\n(EIO)`);
          },
          (x) => x,
        ),
      (err: unknown) => {
        assert.ok(err instanceof FlinkError);
        assert.equal(err.code, 'checkpoint.recoveryFailed');
        assert.equal(
          err.message,
          'Cannot recover the job: no retained checkpoint can be restored; checkpoint 3 (/ck/chk-3): chk-3 is unreadable (EIO); ' +
            'checkpoint 2 (/ck/chk-2): chk-2 is unreadable (EIO); checkpoint 1 (/ck/chk-1): chk-1 is unreadable (EIO)',
        );
        return true;
      },
    );
  });

  test('no checkpoint completed yet: nothing to recover from', () => {
    assert.equal(recoverFromRetained([], () => assert.fail('nothing to load'), (x) => x), undefined);
  });
});

describe('restoreLatestOfJob (flink run -s <jobId>)', () => {
  let root: { path: string; cleanup: () => void };
  let base: string;
  let jobId: JobId;
  const recorded: Array<{ checkpointId: number; path: string }> = [];

  beforeEach(() => {
    root = tempDir('flink-recovery-');
    base = join(root.path, 'checkpoints');
    jobId = newJobId();
    recorded.length = 0;
  });
  afterEach(() => root.cleanup());

  /** Writes `chk-<id>` of the job: a valid (empty) snapshot, a damaged one, one without `_metadata`, another job's, or a FIFO as `_metadata`. */
  function onDisk(id: number, kind: 'valid' | 'damaged' | 'missing' | 'other-job' | 'fifo' = 'valid', dir = checkpointDir(base, jobId, id)): string {
    mkdirSync(dir, { recursive: true });
    const bytes = encodeMetadata({
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: kind === 'other-job' ? newJobId() : jobId,
      jobName: 'j',
      checkpointId: id,
      kind: 'CHECKPOINT',
      timestamp: 1000 * id,
      operators: [],
    });
    if (kind === 'damaged') writeFileSync(join(dir, '_metadata'), bytes.subarray(0, bytes.length - 10));
    else if (kind === 'fifo') execFileSync('mkfifo', [join(dir, '_metadata')]);
    else if (kind !== 'missing') writeFileSync(join(dir, '_metadata'), bytes);
    return dir;
  }

  const restore = () => restoreLatestOfJob({ jobId, recorded, checkpointsDir: jobCheckpointsDir(base, jobId) });

  test('a valid checkpoint on disk newer than the one flink.db recorded is used', () => {
    recorded.push({ checkpointId: 2, path: onDisk(2) });
    const newest = onDisk(3);
    const r = restore();
    assert.equal(r.path, newest);
    assert.equal(r.state.metadata.checkpointId, 3);
    assert.deepEqual(r.skipped, []);
  });

  test('checkpoint ids compare as numbers: chk-10 is newer than chk-9', () => {
    onDisk(9);
    const ten = onDisk(10);
    onDisk(2);
    assert.equal(restore().path, ten);
    recorded.push({ checkpointId: 9, path: checkpointDir(base, jobId, 9) });
    assert.equal(restore().path, ten, 'also when flink.db recorded chk-9');
  });

  test('newer directories without a valid _metadata are skipped, each named, for the newest valid one', () => {
    recorded.push({ checkpointId: 2, path: onDisk(2) });
    const valid = onDisk(3);
    onDisk(4, 'damaged');
    onDisk(5, 'missing');
    onDisk(6, 'other-job');
    const r = restore();
    assert.equal(r.path, valid);
    // chk-5 has no _metadata: an unfinished checkpoint, not a snapshot, so not worth a word.
    assert.deepEqual(
      r.skipped.map((s) => /^checkpoint (\d+)/.exec(s)?.[1]),
      ['6', '4'],
    );
    assert.match(r.skipped[0]!, /holds checkpoint 6 of job [0-9a-f]{32}, not this job's/);
  });

  test("flink.db's latest checkpoint was deleted: the newest older one is used", () => {
    const older = onDisk(7);
    recorded.push({ checkpointId: 7, path: older });
    const latest = onDisk(8);
    recorded.push({ checkpointId: 8, path: latest });
    rmSync(latest, { recursive: true });
    const r = restore();
    assert.equal(r.path, older);
    assert.match(r.skipped[0]!, /^checkpoint 8: Cannot restore from .*chk-8: no such file or directory/);
  });

  test('a FIFO as _metadata is skipped, not read (reading it would block forever)', () => {
    const valid = onDisk(1);
    onDisk(2, 'fifo');
    const r = restore();
    assert.equal(r.path, valid);
    assert.match(r.skipped[0]!, /_metadata is a FIFO \(named pipe\), not a regular file/);
  });

  test("flink.db's latest is newer than anything on disk (e.g. a savepoint elsewhere): it is used", () => {
    onDisk(3);
    const savepoint = onDisk(4, 'valid', join(root.path, 'savepoints', 'savepoint-abc'));
    recorded.push({ checkpointId: 4, path: savepoint });
    assert.equal(restore().path, savepoint);
  });

  test('a listing finds the latest checkpoint a restore takes, reading only what flink.db lacks', () => {
    // Recorded: taken as the coordinator recorded it, unread (its truncated _metadata goes unseen).
    recorded.push({ checkpointId: 2, path: onDisk(2, 'damaged') });
    onDisk(4, 'other-job');
    const three = onDisk(3);
    const survey = surveyLatestOfJob(jobId, jobSnapshots(recorded, scanCheckpointDirectory(jobCheckpointsDir(base, jobId))));
    assert.equal(walkResult(survey.snapshots, survey.verdicts, 'checkpoint')?.path, three);
    assert.deepEqual([...survey.verdicts.values()].map((v) => v.status), ['foreign', 'usable']);
    assert.deepEqual([...survey.found.keys()], [three], "another job's checkpoint is nothing to record");
    let observed: typeof survey | undefined;
    const r = restoreLatestOfJob({ jobId, recorded, checkpointsDir: jobCheckpointsDir(base, jobId) }, undefined, (o) => (observed = o));
    assert.equal(r.path, three);
    assert.equal(walkResult(observed!.snapshots, observed!.verdicts, 'snapshot')?.path, three);
  });

  test('nothing completed anywhere: a clear error', () => {
    onDisk(1, 'missing');
    assert.throws(restore, (err: unknown) => {
      assert.ok(err instanceof FlinkError);
      assert.equal(err.code, 'snapshot.none');
      assert.equal(err.message, `Job ${jobId} has no completed checkpoint or savepoint to restore from.`);
      return true;
    });
    // Recorded ones that are all gone: each is named.
    recorded.push({ checkpointId: 1, path: join(root.path, 'gone') });
    assert.throws(restore, (err: unknown) => {
      assert.ok(err instanceof FlinkError);
      assert.equal(err.code, 'checkpoint.recoveryFailed');
      assert.match(err.message, new RegExp(`^Cannot restore job ${jobId}: none of its checkpoints and savepoints can be restored; checkpoint 1: Cannot restore from .*/gone: no such file or directory`));
      return true;
    });
  });
});

describe('checkpoints when a job ends', () => {
  test("a failed job keeps them; a cancelled or finished one as the retention policy says", () => {
    const table = (['RETAIN_ON_CANCELLATION', 'DELETE_ON_CANCELLATION', 'NO_EXTERNALIZED_CHECKPOINTS'] as const).map((policy) =>
      (['FINISHED', 'CANCELED', 'FAILED'] as const).map((outcome) => discardsCheckpointsOnEnd(outcome, policy)),
    );
    assert.deepEqual(table, [
      [false, false, false],
      [false, true, false],
      [true, true, false],
    ]);
  });
});
