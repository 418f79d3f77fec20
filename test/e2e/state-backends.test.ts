/**
 * End-to-end tests of the lmdb state backend and incremental checkpoints through the real CLI:
 * kill -9 of a job whose latest checkpoint is a delta chain, restored exactly once; a savepoint
 * of the heap backend restored into lmdb and back; `flink info` over an incremental checkpoint;
 * and the lmdb working directory gone after the job.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  REPO, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, listedJob, parseAttachedRun,
  lastCheckpointId, runDetached, runFlink, savepointPathOf, tempDir, waitFor,
} from './helpers.js';
import { CKPT_KEYED_COUNT as JOB } from './fixture-jobs.js';

cleanUpAfterAll();

const lineOf = (i: number) => `${i % 10},${Math.floor(i / 10) + 1},${i}`;
const LMDB = ['-D', 'state.backend.type=lmdb'];
const INCREMENTAL = ['-D', 'execution.checkpointing.incremental=true'];
const interval = (v: string) => ['-D', `execution.checkpointing.interval=${v}`];

/** Exactly the inputs 0..n-1, once each, with the counts of an uninterrupted run. */
function assertExactlyOnce(lines: readonly string[], n: number, what: string): void {
  const seen = new Set<number>();
  for (const l of lines) {
    const i = Number(l.split(',')[2]);
    assert.equal(l, lineOf(i), `${what}: line for input ${i}`);
    assert.ok(!seen.has(i), `${what}: input ${i} twice`);
    seen.add(i);
  }
  assert.equal(seen.size, n, `${what}: ${n - seen.size} inputs missing`);
}

interface MetadataDoc {
  metadata: { kind: string; operators: Array<{ uid: string; subtasks: Array<{ sharedState?: Array<{ file: string; size: number }> }> }> };
}
const readMetadata = (dir: string) => JSON.parse(readFileSync(join(dir, '_metadata'), 'utf8')) as MetadataDoc;
const chainOf = (dir: string, uid: string) => readMetadata(dir).metadata.operators.find((o) => o.uid === uid)!.subtasks[0]!.sharedState;

describe('lmdb backend and incremental checkpoints', () => {
  test('with the Node heap capped at 64 MiB, 2.5M distinct keys run out of memory on hashmap and finish correctly on lmdb', async () => {
    const job = join(REPO, 'jobs', 'distinct-keys.ts');
    const env = { NODE_OPTIONS: '--max-old-space-size=64' };
    const heap = await runFlink(['run', job, '2500000'], { home: freshHome(), env, timeoutMs: 60_000 });
    assert.notEqual(heap.code, 0, 'the heap backend cannot hold this state in 64 MiB');
    assert.match(heap.stderr, /heap out of memory/i);
    const home = freshHome();
    const disk = await runFlink(['run', ...LMDB, job, '2500000'], { home, env, timeoutMs: 120_000 });
    assert.equal(disk.code, 0, disk.stderr);
    assert.match(disk.stdout, /^keys checked: 2500000, wrong: 0 /m);
    assert.deepEqual(readdirSync(join(home, 'state')), [], 'the store is deleted when the job ends');
  });

  test('kill -9 with a delta chain as the latest checkpoint: restored exactly once; lmdb files cleaned up', async () => {
    const N = 4000;
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await runDetached(home, JOB, [out, String(N), '1000'], [...LMDB, ...INCREMENTAL, ...interval('150ms')]);
    const scratch = join(home, 'state');
    await waitFor('the lmdb working directory', () => existsSync(scratch) && readdirSync(scratch).length > 0, 10_000);
    // Wait for a checkpoint that is a delta over an earlier base, read from flink.db (no CLI
    // spawned between it and the kill), and kill at once.
    const chkPath = (id: number) => join(home, 'checkpoints', jobId, `chk-${id}`);
    const delta = await waitFor('an incremental checkpoint with a delta', () => {
      const id = lastCheckpointId(home, jobId);
      if (id < 3 || !existsSync(join(chkPath(id), '_metadata'))) return undefined;
      return (chainOf(chkPath(id), 'count')?.length ?? 0) >= 2 ? id : undefined;
    }, 15_000, 5);
    await killHard(pid);
    // The sink commits what a checkpoint covers once it completes, so only the latest may be
    // restored without repeating output (a Flink user resumes from it too); one more may have
    // completed between the read and the kill.
    const latest = lastCheckpointId(home, jobId);
    assert.ok(latest >= delta);
    const chk = chkPath(latest);
    const chain = chainOf(chk, 'count')!;
    if (latest === delta) assert.ok(chain.length >= 2, 'the latest checkpoint is a delta chain');
    assert.ok(chain.every((r) => existsSync(join(home, 'checkpoints', jobId, 'shared', r.file))), 'its chain is in shared/');
    assert.ok(chain.at(-1)!.size < chain[0]!.size * 2, 'the delta is not a full copy');
    assert.ok(committedLines(out).length < N, 'killed before the end');

    const info = await runFlink(['info', chk, '--json'], { home, timeoutMs: 15_000 });
    assert.equal(info.code, 0, info.stderr);
    const count = (JSON.parse(info.stdout) as { operators: Array<{ uid: string; keyedStates: Record<string, { keys: number }> }> }).operators.find((o) => o.uid === 'count')!;
    assert.equal(count.keyedStates.n!.keys, 10, 'flink info applies the deltas');

    // At five times the rate: it only has to reach the end (the rate limit is no state).
    const r = await runFlink(['run', '-s', chk, ...LMDB, ...INCREMENTAL, ...interval('150ms'), JOB, out, String(N), '5000'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await listedJob(home, parseAttachedRun(r.stdout).jobId)).status, 'FINISHED');
    assert.deepEqual(hiddenFiles(out), []);
    assertExactlyOnce(committedLines(out), N, 'lmdb + incremental, crash + restore');
    // The killed process's store is swept by the next one; the finished job's is deleted.
    assert.deepEqual(readdirSync(scratch), [], 'no lmdb working files left behind');
  });

  test('a savepoint of the heap backend restores into lmdb, and an lmdb savepoint back into the heap', async () => {
    // Enough records that the first two runs are still running when `stop` reaches them on a loaded machine.
    const N = 10_000;
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const stop = async (jobId: string) => savepointPathOf(await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 15_000 }));

    const first = await runDetached(home, JOB, [out, String(N), '1000'], interval('200ms'));
    await waitFor('some committed output', () => committedLines(out).length > 300, 10_000);
    const sp1 = await stop(first.jobId);
    assert.equal(chainOf(sp1, 'count'), undefined, 'a savepoint is self-contained');

    const second = await runDetached(home, JOB, [out, String(N), '1000'], ['-s', sp1, ...LMDB, ...INCREMENTAL, ...interval('200ms')]);
    await waitFor('more committed output', () => committedLines(out).length > 1200, 15_000);
    const sp2 = await stop(second.jobId);
    assert.equal(chainOf(sp2, 'count'), undefined, 'a savepoint of an incremental job is self-contained too');
    assert.deepEqual(readdirSync(sp2).filter((f) => f === 'shared'), []);

    const r = await runFlink(['run', '-s', sp2, ...interval('200ms'), JOB, out, String(N), 'max'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assertExactlyOnce(committedLines(out), N, 'heap → lmdb → heap');
  });
});
