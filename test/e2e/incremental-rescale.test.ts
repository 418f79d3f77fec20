/**
 * Incremental checkpoints on the lmdb backend, end to end through `flink run`:
 * a job at parallelism 2 whose final checkpoint is a delta chain (with deletes) is restored at
 * parallelism 3, whose own final delta chain is restored at parallelism 1 — Flink's rescaling of
 * incremental RocksDB state by key group. Every key must come back with exactly its state: the
 * static keys (only in the first base), the hot keys updated in deltas, and the hot keys whose
 * state a delta deleted (a tombstone that must not resurrect an older value from the base).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, lastCheckpointId, parseAttachedRun, runFlink } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'incremental-rescale.ts');
const LMDB_INCREMENTAL = ['-D', 'state.backend.type=lmdb', '-D', 'execution.checkpointing.incremental=true'];
const STATIC = 3000;
const HOT = 200;

interface Metadata {
  metadata: { operators: Array<{ uid: string; subtasks: Array<{ keyGroupRange: [number, number] | null; sharedState?: Array<{ file: string }> }> }> };
}

/** The latest checkpoint of a finished job, and the length of its longest chain for operator 'count'. */
function latestCheckpoint(home: string, jobId: string): { path: string; longestChain: number; subtasks: number } {
  const id = lastCheckpointId(home, jobId);
  const path = join(home, 'checkpoints', jobId, `chk-${id}`);
  assert.ok(existsSync(join(path, '_metadata')), `${path} has a _metadata`);
  const doc = JSON.parse(readFileSync(join(path, '_metadata'), 'utf8')) as Metadata;
  const count = doc.metadata.operators.find((o) => o.uid === 'count')!;
  return { path, longestChain: Math.max(...count.subtasks.map((s) => s.sharedState?.length ?? 0)), subtasks: count.subtasks.length };
}

test('lmdb + incremental: a delta chain with deletes taken at p=2 restores at p=3, and that one at p=1, every key exact', { timeout: 90_000 }, async () => {
  const home = freshHome();
  // Run 1, p=2: static keys once each (a large base), then hot keys 12 (keys 0-99) or 11 times (100-199).
  const r1 = await runFlink(['run', '-p', '2', ...LMDB_INCREMENTAL, JOB, 'a', String(STATIC), String(HOT), String(HOT * 11.5), '1500'], { home, timeoutMs: 30_000 });
  assert.equal(r1.code, 0, r1.stderr);
  const c1 = latestCheckpoint(home, parseAttachedRun(r1.stdout).jobId);
  assert.equal(c1.subtasks, 2);
  assert.ok(c1.longestChain >= 2, `run 1's final checkpoint is a delta chain (longest chain ${c1.longestChain})`);

  // Run 2, p=3: hot keys 6 (0-99) or 5 times (100-199) more; its first checkpoint is a new base, then deltas.
  const r2 = await runFlink(['run', '-p', '3', '-n', '-s', c1.path, ...LMDB_INCREMENTAL, JOB, 'b', '0', String(HOT), String(HOT * 5.5), '800'], { home, timeoutMs: 30_000 });
  assert.equal(r2.code, 0, r2.stderr);
  const c2 = latestCheckpoint(home, parseAttachedRun(r2.stdout).jobId);
  assert.equal(c2.subtasks, 3);
  assert.ok(c2.longestChain >= 2, `run 2's final checkpoint is a delta chain (longest chain ${c2.longestChain})`);

  // Run 3, p=1: probes every key once and prints the state it found.
  const r3 = await runFlink(['run', '-p', '1', '-n', '-s', c2.path, ...LMDB_INCREMENTAL, JOB, 'probe', String(STATIC), String(HOT), String(HOT), 'max'], { home, timeoutMs: 30_000 });
  assert.equal(r3.code, 0, r3.stderr);
  const found = new Map<number, number>();
  for (const line of parseAttachedRun(r3.stdout).body) {
    const [k, v] = line.split(',').map(Number) as [number, number];
    assert.ok(!found.has(k), `key ${k} probed twice`);
    found.set(k, v);
  }
  const wrong: string[] = [];
  for (let i = 0; i < STATIC; i++) if (found.get(100000 + i) !== 1) wrong.push(`static key ${100000 + i}: ${found.get(100000 + i)}`);
  // 12 + 6 = 18 occurrences → 0 (deleted); 11 + 5 = 16 → 1.
  for (let k = 0; k < HOT; k++) {
    const expected = k < HOT / 2 ? 0 : 1;
    if (found.get(k) !== expected) wrong.push(`hot key ${k}: ${found.get(k)} (expected ${expected})`);
  }
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} keys wrong`);
});
