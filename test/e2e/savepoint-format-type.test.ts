/**
 * Flink's CLI takes the savepoint format on `flink savepoint` and `flink stop` (`--type
 * canonical|native`, Flink 1.15+; canonical is the default). flink-ts refused the option outright
 * ("Unknown option '--type'"), so a Flink user's `flink savepoint <id> --type canonical` failed
 * before it reached the job (found by review). Every savepoint here is canonical: `canonical` is
 * accepted, `native` refused in one line saying why, anything else refused naming the value. The
 * job id matches nothing, so an accepted option leads to the "No job matches" error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanUpAfterAll, freshHome, runFlink } from './helpers.js';

cleanUpAfterAll();

const NO_SUCH_JOB = '0123456789abcdef0123456789abcdef';

for (const command of ['savepoint', 'stop']) {
  test(`flink ${command} <jobId> --type canonical is accepted; native and others are refused in one line`, async () => {
    const home = freshHome();
    const canonical = await runFlink([command, NO_SUCH_JOB, '--type', 'canonical'], { home, timeoutMs: 15_000 });
    const native = await runFlink([command, NO_SUCH_JOB, '--type', 'native'], { home, timeoutMs: 15_000 });
    const bogus = await runFlink([command, NO_SUCH_JOB, '--type', 'bogus'], { home, timeoutMs: 15_000 });
    assert.deepEqual(
      [canonical, native, bogus].map((r) => ({ exit: r.code, lines: r.stderr.trim().split('\n').length })),
      [{ exit: 1, lines: 1 }, { exit: 1, lines: 1 }, { exit: 1, lines: 1 }],
    );
    assert.match(canonical.stderr, /No job matches/);
    assert.match(native.stderr, /canonical format only .*leave out '--type native'/);
    assert.match(bogus.stderr, /must be canonical .*got 'bogus'/);
  });
}
