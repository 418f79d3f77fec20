/**
 * incremental checkpoints with two checkpoints in flight at once
 * (max-concurrent-checkpoints=2, short timeout so some expire), num-retained=2, full checkpoints
 * triggered by hand in between, on both backends; kill -9 at several moments and restore by job
 * id each time. Retention must never delete a shared file a retained checkpoint needs: every
 * restore must succeed and the output of both exactly-once sinks must be exact.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  SUBMITTED_LINE,
  cleanUpAfterAll,
  committedLines,
  dbRow,
  freshHome,
  isAlive,
  killHard,
  linesOf,
  runFlink,
  sleep,
  tempDir,
  trackPid,
  trackHome,
  waitFor,
} from './helpers.js';

cleanUpAfterAll();

const N = 16000;
const RATE = '3000';

for (const backend of ['hashmap', 'lmdb'] as const) {
  describe(`incremental (${backend}), 2 concurrent checkpoints, kills and restores`, () => {
    test('every restore succeeds and the output is exactly once', { timeout: 400_000 }, async () => {
      const home = trackHome(freshHome());
      const work = tempDir();
      const out = join(work, 'out');
      const db = join(work, 'events.db');
      const opts = [
        '-p', '2',
        '-D', 'execution.checkpointing.interval=60ms',
        '-D', 'execution.checkpointing.incremental=true',
        '-D', 'execution.checkpointing.max-concurrent-checkpoints=2',
        '-D', 'execution.checkpointing.num-retained=2',
        '-D', 'execution.checkpointing.timeout=400ms',
        '-D', 'execution.checkpointing.tolerable-failed-checkpoints=1000',
        '-D', `state.backend.type=${backend}`,
      ];
      let from: string | undefined;
      let finished = false;
      const problems: string[] = [];
      for (let run = 0; run < 5; run++) {
        const r = await runFlink(['run', '-d', ...opts, ...(from ? ['-s', from] : []), CHAOS_JOB, out, db, String(N), RATE], { home, timeoutMs: 60_000 });
        const jobId = SUBMITTED_LINE.exec(linesOf(r.stdout)[0] ?? '')?.[1];
        if (r.code !== 0 || !jobId) {
          problems.push(`run ${run} from ${from}: exit ${r.code}: ${r.stderr.trim()}`);
          break;
        }
        const pid = dbRow<{ pid: number }>(home, 'SELECT pid FROM jobs WHERE job_id = ?', jobId)!.pid;
        trackPid(pid);
        await waitFor('a checkpoint', () => dbRow(home, "SELECT 1 FROM checkpoints WHERE job_id = ? AND status = 'COMPLETED'", jobId), 30_000, 20);
        // A full checkpoint by hand among the incremental ones.
        await runFlink(['checkpoint', jobId, '--full'], { home, timeoutMs: 20_000 });
        await sleep(300 + run * 170);
        from = jobId;
        // On a loaded machine the input can run out before a later kill: the job has ended on
        // its own, which is fine if it finished (its output is checked below), and a problem if not.
        if (!isAlive(pid)) {
          const status = dbRow<{ status: string }>(home, 'SELECT status FROM jobs WHERE job_id = ?', jobId)?.status;
          if (status === 'FINISHED') {
            finished = true;
            break;
          }
          problems.push(`run ${run}: the job process exited before its kill, status ${status}`);
          break;
        }
        await killHard(pid);
      }
      if (problems.length === 0 && !finished) {
        const r = await runFlink(['run', ...opts, '-s', from!, CHAOS_JOB, out, db, String(N), RATE], { home, timeoutMs: 120_000 });
        if (r.code !== 0) problems.push(`final run: exit ${r.code}: ${r.stderr.trim()}`);
      }
      const file = checkLines(committedLines(out), N);
      const sqlite = checkLines(sqliteLines(db).lines, N);
      assert.deepEqual({ problems, file: [file.lost, file.duplicated], sqlite: [sqlite.lost, sqlite.duplicated] }, { problems: [], file: [0, 0], sqlite: [0, 0] });
    });
  });
}
