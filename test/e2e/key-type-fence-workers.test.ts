/**
 * The key-type fence through the real `flink` CLI with the keyed subtasks on worker threads (-p 2,
 * two slots): a savepoint of a job keyed by strings, with string MapState user keys, restored into
 * the same job changed three ways — keyed by numbers; keyed by strings for its first records and
 * by numbers after (caught on a later batch, not the first); MapState user keys now numbers. Each
 * run FAILS at once, exit 1, in one `Error:` line naming the uid (and the state), without a
 * restart though its restart strategy allows some, and with no engine stack frames.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, dbRow, engineFrames, freshHome, nonWarningLines, runDetached, runFlink, savepointPathOf, sleep, tempDir, waitForStatus } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'key-type-change.ts');
const WORKERS = ['-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2'];
const RESTARTS = ['-D', 'restart-strategy.type=fixed-delay', '-D', 'restart-strategy.fixed-delay.attempts=3', '-D', 'restart-strategy.fixed-delay.delay=100ms'];

describe('the key-type fence with keyed subtasks on worker threads', () => {
  test('keys now numbers, numbers from some record on, MapState user keys now numbers: each FAILED at once in one line, no restart', async () => {
    const home = freshHome();
    const { jobId } = await runDetached(home, JOB, ['string', 'string'], WORKERS);
    await waitForStatus(home, jobId, ['RUNNING'], 20_000);
    await sleep(1_000);
    const sp = savepointPathOf(await runFlink(['stop', jobId, '-p', join(tempDir(), 'sps')], { home, timeoutMs: 20_000 }));

    const keysChanged = /^Error: .*Operator uid 'count' restored state keyed by strings \(e\.g\. "[0-3]"\), but the job's keyBy now returns numbers \(e\.g\. [0-3]\): .*Change keyBy back to return strings/;
    const userKeysChanged = /^Error: .*MapState 'parity' of operator uid 'count' restored user keys that are strings \(e\.g\. "[01]"\), but is now used with a user key that is a number \([01]\)/;
    for (const [keys, userKeys, expected] of [
      ['number', 'string', keysChanged],
      ['late-number', 'string', keysChanged],
      ['string', 'number', userKeysChanged],
    ] as const) {
      const r = await runFlink(['run', '-s', sp, ...WORKERS, ...RESTARTS, JOB, keys, userKeys], { home, timeoutMs: 30_000 });
      const what = `${keys} keys, ${userKeys} user keys:\n${r.stdout}\n${r.stderr}`;
      assert.equal(r.code, 1, what);
      const errors = nonWarningLines(r.stderr).filter((l) => /^Error:/.test(l));
      assert.equal(errors.length, 1, what);
      assert.match(errors[0]!, expected, what);
      assert.deepEqual(engineFrames(r.stderr), [], what);
      const failed = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
      assert.ok(failed, what);
      assert.equal(dbRow<{ n: number }>(home, "SELECT COUNT(*) AS n FROM job_events WHERE job_id = ? AND kind = 'restart'", failed)?.n, 0, `no restart: ${what}`);
    }
  });
});
