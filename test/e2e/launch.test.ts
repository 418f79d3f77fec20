/**
 * Starting a job: what `flink run -d` says when the job fails at start-up (the real cause, not
 * "see the log"), `-s <jobId>` falling back from a deleted latest checkpoint to an older one, and
 * Ctrl-C / SIGTERM while the job file is still stuck at top level, before `execute()`.
 * Needs a built dist/.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  FIXTURES,
  checkpointDirIds,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  killHard,
  linesOf,
  listedJob,
  parseAttachedRun,
  runDetached,
  runFlink,
  spawnFlink,
  tempDir,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

describe('flink run -d: a job that fails at start-up', () => {
  test('prints and records the real cause (a stateful operator removed without -n)', { timeout: 60_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const SP_JOB = join(FIXTURES, 'sp-job.ts');
    const first = await runFlink(['run', '-D', 'execution.checkpointing.interval=100ms', SP_JOB, 'v1', out, '200', 'max'], { home, timeoutMs: 20_000 });
    assert.equal(first.code, 0, first.stderr);
    const { jobId } = parseAttachedRun(first.stdout);

    const r = await runFlink(['run', '-d', '-s', jobId, SP_JOB, 'nocount', join(tempDir(), 'out2'), '200', 'max'], { home, timeoutMs: 20_000 });
    assert.equal(r.code, 1);
    const [line, see] = linesOf(r.stderr);
    assert.match(
      line!,
      /^Error: Job with JobID ([0-9a-f]{32}) failed: .*Cannot map the state of operator 'count' \(KeyedProcess\) in .* to the new job: it has no operator with that uid\. Restore with -n \(--allowNonRestoredState\) to drop that state\.$/,
    );
    const failedId = /JobID ([0-9a-f]{32})/.exec(line!)![1]!;
    assert.match(see!, new RegExp(`See .*log/${failedId}\\.log for the job's log\\.`));
    const failed = await listedJob(home, failedId);
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.failureCause ?? '', /Cannot map the state of operator 'count'/);
  });
});

describe('flink run -s <jobId>', () => {
  test('its latest checkpoint deleted: restores the newest older one, saying which it skipped', { timeout: 90_000 }, async () => {
    const home = freshHome();
    const work = tempDir();
    const out = join(work, 'out');
    const db = join(work, 'events.db');
    const N = 6_000;
    const options = ['-D', 'execution.checkpointing.interval=100ms', '-D', 'execution.checkpointing.num-retained=3'];
    const { jobId, pid } = await runDetached(home, CHAOS_JOB, [out, db, String(N), '2000'], options);
    await waitForCheckpoint(home, jobId, 4, 15_000);
    await killHard(pid);
    const dir = join(home, 'checkpoints', jobId);
    const ids = checkpointDirIds(dir);
    const recorded = (await listedJob(home, jobId)).lastCheckpoint!.id;
    // Delete the latest recorded one and anything newer on disk; older retained ones remain.
    for (const id of ids.filter((id) => id >= recorded)) rmSync(join(dir, `chk-${id}`), { recursive: true });
    const older = Math.max(...ids.filter((id) => id < recorded));

    // At five times the rate: it only has to reach the end (the rate limit is no state).
    const r = await runFlink(['run', ...options, '-s', jobId, CHAOS_JOB, out, db, String(N), '10000'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`Skipping a snapshot of job ${jobId} that cannot be restored: checkpoint ${recorded}: Cannot restore from .*chk-${recorded}: no such file or directory`));
    assert.match(r.stderr, new RegExp(`Restoring job ${jobId} from checkpoint ${older} \\(.*chk-${older}\\): output its sinks committed after it may be written again\\.`));
    // Nothing lost. What the sinks committed for the deleted checkpoints is written again (exactly
    // once holds from the checkpoint restored, as in Flink), so duplicates are allowed here.
    const file = checkLines(committedLines(out), N);
    const sqlite = checkLines(sqliteLines(db).lines, N);
    assert.deepEqual([file.lost, sqlite.lost], [0, 0]);
  });
});

describe('signals before execute()', () => {
  for (const mode of ['await', 'busy'] as const) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      test(`${signal} ends a job file stuck at top level (${mode === 'await' ? 'a long await' : 'a busy loop'})`, { timeout: 30_000 }, async () => {
        const run = spawnFlink(['run', join(FIXTURES, 'stuck-top-level.ts'), mode], { timeoutMs: 20_000 });
        await run.waitForLine(/^stuck$/, 15_000);
        run.child.kill(signal);
        const r = await run.exited;
        // Ended by the signal itself, as any program stuck there would be (exit 128 + n in a shell).
        assert.equal(r.signal, signal, `exit ${r.code}: ${r.stderr}`);
      });
    }
  }
});
