/**
 * A job killed (SIGKILL) after a checkpoint's `_metadata` was published but before flink.db
 * recorded it: `flink list --json`, `flink checkpoints` and `flink run -s <jobId>` must all name
 * (and restore) the same checkpoint — the newest one on disk that can be restored, not the
 * newest one flink.db knew of. The window is made certain, not hoped for: flink.db refuses the
 * job's completion records from a chosen moment on, and the job is killed as soon as it has
 * published a checkpoint after it.
 *
 * The first case asks `flink web` first (its REST API levels flink.db as `flink list` does), the
 * second `flink list`: each reader brings flink.db level with the disk on its own.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CKPT_KEYED_COUNT as JOB } from './fixture-jobs.js';
import {
  type CheckpointJson,
  checkpointDirIds,
  checkpointsJson,
  cleanUpAfterAll,
  committedLines,
  dbRow,
  freshHome,
  keyedCountProblems,
  killHard,
  lastCheckpointId,
  listedJob,
  runDetached,
  runFlink,
  savepointPathOf,
  tempDir,
  waitFor,
  waitForCheckpoint,
} from './helpers.js';
import { call, startWeb } from './web-helpers.js';

cleanUpAfterAll();

const N = 8000;
const RATE = '1000';
// Three retained: the checkpoint flink.db recorded last is still on disk when a newer one is published.
const OPTS = ['-p', '2', '-D', 'execution.checkpointing.interval=200ms', '-D', 'execution.checkpointing.num-retained=3'];

/** The ids of the job's `chk-<n>` directories whose `_metadata` is published, ascending. */
function publishedIds(dir: string): number[] {
  return checkpointDirIds(dir).filter((id) => existsSync(join(dir, `chk-${id}`, '_metadata')));
}

/**
 * Runs the job until it has recorded a checkpoint, then makes flink.db refuse to record any
 * more as completed (a trigger on its checkpoint rows: the job's completion record fails, as
 * when flink.db stays locked past the busy timeout), and kills the job as soon as it has
 * published a newer one: the newest published checkpoint is unrecorded.
 */
async function killBetweenPublishAndRecord(home: string, out: string): Promise<{ jobId: string; dir: string; recorded: number; published: number[] }> {
  const { jobId, pid } = await runDetached(home, JOB, [out, String(N), RATE], OPTS);
  await waitForCheckpoint(home, jobId, 2, 20_000);
  const dir = join(home, 'checkpoints', jobId);
  const db = new Database(join(home, 'flink.db'), { timeout: 5_000 });
  try {
    db.exec(
      `CREATE TRIGGER refuse_completion BEFORE UPDATE OF status ON checkpoints
       WHEN NEW.job_id = '${jobId}' AND NEW.status = 'COMPLETED' AND OLD.status <> 'COMPLETED'
       BEGIN SELECT RAISE(ABORT, 'injected: flink.db cannot record the checkpoint'); END`,
    );
    const recorded = lastCheckpointId(home, jobId);
    await waitFor('a checkpoint published after the trigger', () => publishedIds(dir).some((id) => id > recorded), 30_000, 5);
    await killHard(pid);
    return { jobId, dir, recorded, published: publishedIds(dir) };
  } finally {
    db.exec('DROP TRIGGER IF EXISTS refuse_completion');
    db.close();
  }
}

/** The newest completed checkpoint `flink checkpoints --json` shows that is neither discarded nor unrestorable. */
function latestListed(history: readonly CheckpointJson[]): CheckpointJson | undefined {
  return history.find((c) => c.status === 'COMPLETED' && !c.kind.startsWith('SAVEPOINT') && !c.discarded && c.restoreProblem === null);
}

/** The snapshot a job was started from (`flink run -s`), as flink.db recorded it. */
function restoredFrom(home: string, jobId: string): string | null | undefined {
  return dbRow<{ restored_from: string | null }>(home, 'SELECT restored_from FROM jobs WHERE job_id = ?', jobId)?.restored_from;
}

/** Flips one byte in the middle of the largest state file of a snapshot: same size, wrong checksum. */
function damageAStateFile(snapshotDir: string): string {
  const files = readdirSync(snapshotDir)
    .filter((f) => f !== '_metadata')
    .map((f) => ({ f, size: statSync(join(snapshotDir, f)).size }))
    .sort((a, b) => b.size - a.size);
  const victim = files[0];
  assert.ok(victim !== undefined && victim.size > 0, `no state file in ${snapshotDir}`);
  const path = join(snapshotDir, victim.f);
  const bytes = readFileSync(path);
  const at = Math.floor(bytes.length / 2);
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(path, bytes);
  return victim.f;
}

describe('a checkpoint published but not recorded when the job was killed', () => {
  test('list, checkpoints and run -s all name the newest published checkpoint; the output is exact', { timeout: 180_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, dir, recorded, published } = await killBetweenPublishAndRecord(home, out);
    const newest = published.at(-1)!;
    // The window: flink.db (read before any command looks at the job) is behind the disk.
    assert.ok(lastCheckpointId(home, jobId) < newest, `flink.db recorded ${lastCheckpointId(home, jobId)}, published: ${published.join(',')}`);

    const web = await startWeb(home);
    try {
      const stats = await call(web.base, 'GET', `/jobs/${jobId}/checkpoints`);
      assert.equal(stats.status, 200, stats.text);
      assert.deepEqual(
        { id: stats.json.latest?.completed?.id, path: stats.json.latest?.completed?.external_path },
        { id: newest, path: join(dir, `chk-${newest}`) },
        'the REST API names the newest published checkpoint',
      );
    } finally {
      await web.stop();
    }

    const listed = await listedJob(home, jobId);
    assert.equal(listed.status, 'FAILED');
    assert.deepEqual({ id: listed.lastCheckpoint?.id, path: listed.lastCheckpoint?.path }, { id: newest, path: join(dir, `chk-${newest}`) }, `recorded before the kill: ${recorded}`);

    const history = await checkpointsJson(home, jobId);
    const latest = latestListed(history);
    assert.deepEqual({ id: latest?.checkpointId, path: latest?.path, status: latest?.status }, { id: newest, path: join(dir, `chk-${newest}`), status: 'COMPLETED' });
    assert.ok(latest!.stateSize! > 0, 'recorded with its sizes from its _metadata');
    assert.deepEqual(history.filter((c) => c.status === 'IN_PROGRESS').map((c) => c.checkpointId), [], 'nothing in progress in an ended job');

    const r = await runFlink(['run', ...OPTS, '-s', jobId, JOB, out, String(N), 'max'], { home, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    const restoredJob = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    assert.equal(restoredFrom(home, restoredJob!), join(dir, `chk-${newest}`));
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
    assert.equal((await listedJob(home, jobId)).lastCheckpoint?.id, newest, 'the listing stays as it was');
  });

  test('one that fails its checksum is never named the latest: all three take the newest one that verifies', { timeout: 180_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, dir, published } = await killBetweenPublishAndRecord(home, out);
    const damaged = published.at(-1)!;
    const file = damageAStateFile(join(dir, `chk-${damaged}`));
    const expected = published.filter((id) => id !== damaged).at(-1);
    assert.ok(expected !== undefined, `only chk-${damaged} on disk`);
    const expectedPath = join(dir, `chk-${expected}`);

    const listed = await listedJob(home, jobId);
    assert.deepEqual({ id: listed.lastCheckpoint?.id, path: listed.lastCheckpoint?.path }, { id: expected, path: expectedPath });

    const history = await checkpointsJson(home, jobId);
    assert.equal(latestListed(history)?.checkpointId, expected);
    const bad = history.find((c) => c.checkpointId === damaged);
    assert.equal(bad?.status, 'COMPLETED', 'it was published: it completed');
    assert.ok(bad?.restoreProblem?.includes(`state file ${file}`) && bad.restoreProblem.includes('checksum mismatch'), String(bad?.restoreProblem));
    const text = await runFlink(['checkpoints', jobId], { home });
    assert.match(text.stdout, new RegExp(`^Checkpoint ${damaged} cannot be restored: .*checksum mismatch`, 'm'));

    const r = await runFlink(['run', ...OPTS, '-s', jobId, JOB, out, String(N), 'max'], { home, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Skipping a snapshot of job ${jobId} that cannot be restored: checkpoint ${damaged}`));
    assert.equal(restoredFrom(home, /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!), expectedPath);
    assert.equal((await listedJob(home, jobId)).lastCheckpoint?.id, expected, 'the listing stays as it was');
  });

  test('a savepoint taken after the latest checkpoint: the text listing names both, and run -s restores the savepoint', { timeout: 180_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    // No periodic checkpoint in the test's time: checkpoint 1 and savepoint 2 are the ones taken here.
    const { jobId, pid } = await runDetached(home, JOB, [out, String(N), RATE], ['-D', 'execution.checkpointing.interval=1h']);
    const c = await runFlink(['checkpoint', jobId], { home, timeoutMs: 30_000 });
    assert.equal(c.code, 0, c.stderr);
    const savepoint = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 30_000 }));
    await killHard(pid);

    const listed = await listedJob(home, jobId);
    assert.equal(listed.lastCheckpoint?.id, 1, 'lastCheckpoint is a checkpoint, as Flink\'s latest completed checkpoint');
    const text = await runFlink(['list', '-a'], { home });
    assert.ok(text.stdout.includes(`    latest checkpoint: ${listed.lastCheckpoint?.path}\n`), text.stdout);
    assert.ok(text.stdout.includes(`    latest savepoint: ${savepoint} (newer: 'flink run -s ${jobId}' restores it)\n`), text.stdout);

    const r = await runFlink(['run', '-s', jobId, JOB, out, String(N), 'max'], { home, timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(restoredFrom(home, /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!), savepoint);
  });
});
