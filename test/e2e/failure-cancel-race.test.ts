/**
 * `flink cancel` racing checkpoints (interval 50 ms) and a `flink savepoint`
 * issued at the same moment. Afterwards the job is restored by job id (its newest snapshot,
 * retained on cancellation) to its end.
 * The committed output of both exactly-once sinks must hold every input once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  SAVEPOINT_COMPLETED,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  linesOf,
  runDetached,
  runFlink,
  sleep,
  spawnFlink,
  tempDir,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const N = 6000;
const RATE = '2000';
/** The restore's rate: it only has to reach the end (the rate limit is no state). */
const RESTORE_RATE = '10000';
const OPTS = ['-p', '2', '-D', 'execution.checkpointing.interval=50ms'];

describe('cancel racing checkpoints and a savepoint', { concurrency: false }, () => {
  test('cancel and savepoint at once, then restore: exactly once', { timeout: 300_000 }, async () => {
    const problems: string[] = [];
    for (const gap of [0, 40, 120]) {
      const home = freshHome();
      const work = tempDir();
      const out = join(work, 'out');
      const db = join(work, 'events.db');
      const { jobId } = await runDetached(home, CHAOS_JOB, [out, db, String(N), RATE], OPTS);
      await waitForCheckpoint(home, jobId, 4, 20_000);
      const sp = spawnFlink(['savepoint', jobId], { home, timeoutMs: 30_000 });
      await sleep(gap);
      const cancel = await runFlink(['cancel', jobId], { home, timeoutMs: 30_000 });
      const s = await sp.exited;
      const printed = linesOf(s.stdout).map((l) => SAVEPOINT_COMPLETED.exec(l)?.[1]).find((p) => p !== undefined);
      // By job id: the newest snapshot (the job went on checkpointing after a plain savepoint, so
      // restoring the savepoint itself would repeat what later checkpoints committed, as in Flink).
      const from = jobId;
      const r = await runFlink(['run', ...OPTS, '-s', from, CHAOS_JOB, out, db, String(N), RESTORE_RATE], { home, timeoutMs: 60_000 });
      const file = checkLines(committedLines(out), N);
      const sqlite = checkLines(sqliteLines(db).lines, N);
      if (r.code !== 0 || file.lost + file.duplicated + sqlite.lost + sqlite.duplicated > 0) {
        problems.push(
          `gap ${gap} ms, restored from ${printed ? 'the printed savepoint' : 'the job id'}: exit ${r.code}; file lost=${file.lost} dup=${file.duplicated}; sqlite lost=${sqlite.lost} dup=${sqlite.duplicated}; ` +
            `cancel exit ${cancel.code}; savepoint: ${s.stdout.trim()} ${s.stderr.trim()}; restore: ${r.stderr.trim()}`,
        );
      }
    }
    assert.deepEqual(problems, []);
  });
});
