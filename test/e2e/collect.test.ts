/*
 * executeAndCollect through `flink run`, on one thread and on two worker threads: the job file
 * prints what it collected once (workers re-run the file silently), a limit cancels its job, a
 * keyed job's results are all there, and a failover on a worker hands every result out once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, linesOf, runFlink, tempDir } from './helpers.js';

after(cleanUpAfterAll);

for (const slots of [1, 2]) {
  describe(`executeAndCollect under flink run, ${slots === 1 ? 'one thread' : 'two worker threads'}`, () => {
    test('results once each, printed once, a limit cancels its job, a failover loses nothing and repeats nothing', async () => {
      const marker = join(tempDir(), 'failed-once');
      const r = await runFlink(['run', '-D', `taskmanager.numberOfTaskSlots=${slots}`, join(FIXTURES, 'collect.ts'), marker]);
      assert.equal(r.code, 0, r.stderr);
      const printed = linesOf(r.stdout).filter((l) => /^(first|sums|failover):/.test(l));
      assert.deepEqual(printed, [
        'first: [2,4,6,8,10]',
        'sums: 0=50010000 1=49995000 2=50000000 3=50005000',
        'failover: n=4000 all-once=true failed=true',
      ]);
      assert.equal(linesOf(r.stdout).filter((l) => l.endsWith('has been cancelled.')).length, 1, 'the limited job was cancelled');
    });
  });
}
