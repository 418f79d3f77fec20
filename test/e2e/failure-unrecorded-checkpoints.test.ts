/**
 * checkpoints published and committed by the sinks while flink.db cannot
 * record them (another process holds its write lock past the busy timeout), then kill -9 of the
 * job before the lock is released. `flink run -s <jobId>` must restore the newest checkpoint on
 * disk (not the newest flink.db knows of, whose restore would repeat what the sinks committed
 * since): the committed output of both exactly-once sinks must hold every input once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  checkpointDirIds,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  killHard,
  lastCheckpointId,
  runDetached,
  runFlink,
  sleep,
  tempDir,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const N = 8000;
const RATE = '1000';
/** The restore's rate: it only has to reach the end (the rate limit is no state). */
const RESTORE_RATE = '5000';
const OPTS = ['-p', '2', '-D', 'execution.checkpointing.interval=200ms'];

describe('checkpoints flink.db could not record, then kill -9', () => {
  test('restore by job id takes the newest checkpoint on disk: exactly once', { timeout: 120_000 }, async () => {
    const home = freshHome();
    const work = tempDir();
    const out = join(work, 'out');
    const db = join(work, 'events.db');
    const { jobId, pid } = await runDetached(home, CHAOS_JOB, [out, db, String(N), RATE], OPTS);
    await waitForCheckpoint(home, jobId, 3, 20_000);
    const recordedBefore = lastCheckpointId(home, jobId);
    const lock = new Database(join(home, 'flink.db'), { timeout: 5_000 });
    lock.prepare('BEGIN IMMEDIATE').run();
    try {
      await sleep(8_000);
      await killHard(pid);
    } finally {
      lock.prepare('COMMIT').run();
      lock.close();
    }
    const onDisk = checkpointDirIds(join(home, 'checkpoints', jobId));
    const r = await runFlink(['run', ...OPTS, '-s', jobId, CHAOS_JOB, out, db, String(N), RESTORE_RATE], { home, timeoutMs: 60_000 });
    const file = checkLines(committedLines(out), N);
    const sqlite = checkLines(sqliteLines(db).lines, N);
    assert.deepEqual(
      { exit: r.code, file: [file.lost, file.duplicated], sqlite: [sqlite.lost, sqlite.duplicated] },
      { exit: 0, file: [0, 0], sqlite: [0, 0] },
      `recorded before the lock: ${recordedBefore}, recorded after: ${lastCheckpointId(home, jobId)}, on disk: ${onDisk.join(',')}\n${r.stderr}`,
    );
  });
});
