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
    const { pid } = await runDetached(home, JOB, [sp, 'write', '1000000', '5000']);
    await sleep(1500);
    await killHard(pid);
    assert.equal(existsSync(join(sp, '_metadata')), false);
    const r = await runFlink(['run', JOB, sp, 'write', '3000', 'max'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const found = await check(home, sp);
    assert.deepEqual(found.get('small'), small);
    assert.deepEqual(found.get('count'), new Map(keys.map((k) => [k, 300])));
  });
});
