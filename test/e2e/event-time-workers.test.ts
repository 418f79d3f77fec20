/*
 * Event-time results (tumbling windows with lateness and a late side output, sessions, an
 * interval join) must not depend on parallelism or worker threads: the same job at -p 1 and at
 * -p 2 with two task slots (worker threads) prints the same lines. Late records here are
 * deterministic only if every task's watermark is the minimum over its inputs, as in Flink.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cleanUpAfterAll, freshHome, parseAttachedRun, runFlink, withoutSubtask, FIXTURES } from './helpers.js';

cleanUpAfterAll();
const JOB = join(FIXTURES, 'event-time-p2.ts');

async function run(args: string[]): Promise<string[]> {
  const home = freshHome();
  const r = await runFlink(['run', ...args, JOB, '20000'], { home, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return parseAttachedRun(r.stdout).body.map(withoutSubtask).sort();
}

describe('event time at -p 2 on worker threads gives the -p 1 results', { concurrency: false }, () => {
  test('windows with lateness, sessions, interval join (no late records: lateness would depend on interleaving, in Flink too)', async () => {
    const one = await run(['-p', '1']);
    const two = await run(['-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2']);
    
    assert.ok(one.some((l) => l.startsWith('J,')), 'some pairs join');
    const diff1 = one.filter((l) => !two.includes(l)).slice(0, 10);
    const diff2 = two.filter((l) => !one.includes(l)).slice(0, 10);
    assert.deepEqual([diff1, diff2, two.length], [[], [], one.length]);
  });
});
