/**
 * A window resized between a savepoint and its restore, through the CLI: `flink stop` of a job
 * with 1 s tumbling windows open, then `flink run -s` of the same job with 2 s windows is refused
 * in one line (exit 1, no stack, no job, no output; with -d, the job recorded FAILED with that
 * line), and with 1 s windows it restores and gives exactly the results computed by hand — on
 * both state backends.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cleanUpAfterAll, committedLines, freshHome, listJson, nonWarningLines, parseAttachedRun, runDetached, runFlink, savepointPathOf, sleep,
  stackLines, tempDir, waitForInProgressPart, waitForStatus,
} from './helpers.js';
import { RESIZABLE_WINDOW_JOB as JOB } from './fixture-jobs.js';
import { expectedWindowLines } from './fixtures/windowed-events.js';

cleanUpAfterAll();

const N = 12_000;
const sorted = (lines: readonly string[]) => [...lines].sort();
/** The 1 s tumbling windows' lines of inputs 0..N-1, computed by hand. */
const EXPECTED = expectedWindowLines(N).filter((l) => l.startsWith('T,'));

for (const backend of ['hashmap', 'lmdb']) {
  describe(`a savepoint of 1 s tumbling windows (${backend})`, () => {
    test('restored with 2 s windows: refused in one line, nothing run or written; restored with 1 s windows: exactly the windows of a straight run', async () => {
      const home = freshHome();
      const root = tempDir();
      const out = join(root, 'out');
      const state = ['-D', `state.backend.type=${backend}`];
      const { jobId } = await runDetached(home, JOB, [out, String(N), '1500', '1000'], ['-p', '2', ...state]);
      await waitForInProgressPart(out);
      await sleep(500);
      const stopped = await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 20_000 });
      assert.equal(stopped.code, 0, stopped.stderr);
      const sp = savepointPathOf(stopped);
      await waitForStatus(home, jobId, ['FINISHED']);
      const before = committedLines(out);
      assert.ok(before.length < EXPECTED.length, 'the first run had not emitted every window');

      const jobs = await listJson(home);
      /** The files under the home but the database's: logs, checkpoints, savepoints. */
      const homeFiles = () => readdirSync(home, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith('flink.db')).sort();
      const filesBefore = homeFiles();
      for (const verbose of [false, true]) {
        const r = await runFlink([...(verbose ? ['--verbose'] : []), 'run', '-s', sp, ...state, JOB, out, String(N), 'max', '2000'], { home, timeoutMs: 30_000 });
        assert.equal(r.code, 1, `exit code; stdout: ${r.stdout}; stderr: ${r.stderr}`);
        assert.equal(r.stdout, '', 'nothing on stdout: no job was submitted');
        if (verbose) {
          assert.ok(stackLines(r.stderr).length > 0, `--verbose shows the stack:\n${r.stderr}`);
        } else {
          assert.deepEqual(stackLines(r.stderr), []);
          assert.deepEqual(nonWarningLines(r.stderr), [
            `Error: Cannot restore operator 'tumbling' from ${sp}: it holds open 1 s tumbling event-time windows, and the job's operator now has 2 s tumbling event-time windows, which would read them as other windows. ` +
              `Restore with the windowing the snapshot was taken with, or start without -s; -n does not drop these windows while the job has an operator 'tumbling': ` +
              'to drop only them, give the window operator a new uid and run with -n. A savepoint of `flink stop --drain` fires every event-time window first, so one of event-time windows restores into any windowing.',
          ]);
        }
        assert.deepEqual(await listJson(home), jobs, 'no job row was added or changed');
        assert.deepEqual(homeFiles(), filesBefore, 'no log, checkpoint or savepoint was written');
        assert.deepEqual(committedLines(out), before, 'no output was written');
      }
      // Detached: the job's own process refuses before anything runs; `flink run -d` reports its
      // cause and the job is recorded FAILED with it, as any job that fails at start-up.
      const d = await runFlink(['run', '-d', '-s', sp, ...state, JOB, out, String(N), 'max', '2000'], { home, timeoutMs: 30_000 });
      assert.equal(d.code, 1, `exit code; stdout: ${d.stdout}; stderr: ${d.stderr}`);
      assert.equal(d.stdout, '', 'no job was reported submitted');
      const refusal = /Cannot restore operator 'tumbling' from .*: it holds open 1 s tumbling event-time windows, and the job's operator now has 2 s tumbling event-time windows, which would read them as other windows\. /;
      assert.match(nonWarningLines(d.stderr)[0] ?? '', new RegExp(`^Error: Job with JobID [0-9a-f]{32} failed: ${refusal.source}`));
      const failed = (await listJson(home)).filter((j) => !jobs.some((k) => k.jobId === j.jobId));
      assert.deepEqual(failed.map((j) => j.status), ['FAILED']);
      assert.match(failed[0]!.failureCause ?? '', new RegExp(`^${refusal.source}`));
      assert.deepEqual(committedLines(out), before, 'no output was written');
      // -n is no way out: the job still has an operator 'tumbling'.
      const n = await runFlink(['run', '-s', sp, '-n', ...state, JOB, out, String(N), 'max', '2000'], { home, timeoutMs: 30_000 });
      assert.equal(n.code, 1, n.stderr);
      assert.match(n.stderr, /Cannot restore operator 'tumbling' .* -n does not drop these windows/);

      const r = await runFlink(['run', '-s', sp, ...state, JOB, out, String(N), 'max', '1000'], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `restore failed:\n${r.stdout}\n${r.stderr}`);
      parseAttachedRun(r.stdout);
      assert.deepEqual(sorted(committedLines(out)), sorted(EXPECTED));
      assert.equal(existsSync(sp), true);
    });
  });
}
