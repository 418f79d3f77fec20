/**
 * SavepointWriter through the real CLI, against failures of the writing job
 * (test/e2e/fixtures/write-savepoint-failover.ts): a failover with checkpointing on restores the
 * bootstrap's state and the savepoint sink's collected state files, so the savepoint has every
 * record once; a writing job killed mid-way leaves no savepoint, and a rerun into the same path
 * writes it. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, type ListedJob, cleanUpAfterAll, freshHome, killHard, linesOf, listedJob, parseAttachedRun, runDetached, runFlink, sleep, tempDir } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'write-savepoint-failover.ts');
const D = (kv: string) => ['-D', kv];

/** uid → key → n, as the check mode prints them. */
async function check(home: string, sp: string): Promise<Map<string, Map<number, number>>> {
  const r = await runFlink(['run', JOB, sp, 'check'], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const found = new Map<string, Map<number, number>>();
  for (const l of linesOf(r.stdout).filter((x) => x.startsWith('{'))) {
    const { uid, key, n } = JSON.parse(l) as { uid: string; key: number; n: number };
    if (!found.has(uid)) found.set(uid, new Map());
    assert.equal(found.get(uid)!.has(key), false, `${uid} key ${key} read twice`);
    found.get(uid)!.set(key, n);
  }
  return found;
}

const keys = Array.from({ length: 10 }, (_, k) => k);
const small = new Map(keys.map((k) => [k, 1000 + k]));

describe('SavepointWriter: failures of the writing job', { concurrency: false }, () => {
  test('a failover with checkpointing on: the savepoint has every record once (bootstrap state and the collected files restored)', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'sp');
    const r = await runFlink(
      [
        'run', '-p', '2',
        ...D('execution.checkpointing.interval=50ms'),
        ...D('restart-strategy.type=fixed-delay'), ...D('restart-strategy.fixed-delay.attempts=2'), ...D('restart-strategy.fixed-delay.delay=50ms'),
        JOB, sp, 'write', '12000', '8000', '4000',
      ],
      { home, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    // It did fail over, from a checkpoint taken while the input was read.
    const job = (await listedJob(home, parseAttachedRun(r.stdout).jobId)) as ListedJob & { restarts: number };
    assert.equal(job.restarts, 1);
    assert.ok((job.lastCheckpoint?.id ?? 0) >= 2, JSON.stringify(job.lastCheckpoint));
    assert.ok(existsSync(join(sp, '_metadata')));
    const found = await check(home, sp);
    assert.deepEqual(found.get('small'), small);
    assert.deepEqual(found.get('count'), new Map(keys.map((k) => [k, 1200])));
  });

  test('a writing job killed mid-way leaves no _metadata; a rerun into the same path writes the savepoint', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'sp');
    const { jobId, pid } = await runDetached(home, JOB, [sp, 'write', '1000000', '5000']);
    // Killed 1.5 s after it is listed running (runDetached no longer lists it itself).
    assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
    await sleep(1500);
    await killHard(pid);
    assert.equal(existsSync(join(sp, '_metadata')), false);
    const r = await runFlink(['run', JOB, sp, 'write', '3000', 'max'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const found = await check(home, sp);
    assert.deepEqual(found.get('small'), small);
    assert.deepEqual(found.get('count'), new Map(keys.map((k) => [k, 300])));
  });

  // Operator state (StateBootstrapFunction): the same guarantees as keyed state above.

  /** The operator-state savepoint's list and union states, as the check-operator mode prints them. */
  async function checkOperator(home: string, sp: string): Promise<{ offsets: number[]; counts: string[] }> {
    const r = await runFlink(['run', JOB, sp, 'check-operator'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    return JSON.parse(linesOf(r.stdout).find((l) => l.startsWith('{'))!) as { offsets: number[]; counts: string[] };
  }

  /** Every number 0..n-1 once in list state 'offsets'; one count per writing subtask in union state 'counts', adding up to n. */
  function assertExact(found: { offsets: number[]; counts: string[] }, n: number, parallelism: number): void {
    const missingOrTwice = found.offsets.length !== n || found.offsets.some((v, i) => v !== i);
    assert.equal(missingOrTwice, false, `offsets: ${found.offsets.length} of ${n}, first wrong at ${found.offsets.findIndex((v, i) => v !== i)}`);
    assert.deepEqual(found.counts.map((c) => c.split(':')[0]), Array.from({ length: parallelism }, (_, i) => String(i)));
    assert.equal(found.counts.reduce((sum, c) => sum + Number(c.split(':')[1]), 0), n, found.counts.join(' '));
  }

  const failover = (checkpointing: boolean) => [
    'run', '-p', '2',
    ...(checkpointing ? D('execution.checkpointing.interval=50ms') : []),
    ...D('restart-strategy.type=fixed-delay'), ...D('restart-strategy.fixed-delay.attempts=2'), ...D('restart-strategy.fixed-delay.delay=50ms'),
  ];

  for (const checkpointing of [true, false]) {
    test(`operator state, a failover ${checkpointing ? 'with checkpointing on (state restored from a checkpoint)' : 'without checkpointing (started over)'}: every record once in the list state, the union state whole`, async () => {
      const home = freshHome();
      const sp = join(tempDir(), 'sp');
      const r = await runFlink([...failover(checkpointing), JOB, sp, 'write-operator', '12000', '8000', '4000'], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const job = (await listedJob(home, parseAttachedRun(r.stdout).jobId)) as ListedJob & { restarts: number };
      assert.equal(job.restarts, 1);
      if (checkpointing) assert.ok((job.lastCheckpoint?.id ?? 0) >= 2, JSON.stringify(job.lastCheckpoint));
      assertExact(await checkOperator(home, sp), 12000, 2);
    });
  }

  test('operator state, a writing job killed mid-way leaves no _metadata; a rerun into the same path writes the savepoint', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'sp');
    const { jobId, pid } = await runDetached(home, JOB, [sp, 'write-operator', '1000000', '5000'], ['-p', '2', ...D('execution.checkpointing.interval=50ms')]);
    // Killed 1.5 s after it is listed running (runDetached no longer lists it itself).
    assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
    await sleep(1500);
    await killHard(pid);
    assert.equal(existsSync(join(sp, '_metadata')), false);
    const r = await runFlink(['run', '-p', '2', JOB, sp, 'write-operator', '3000', 'max'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assertExact(await checkOperator(home, sp), 3000, 2);
  });
});
