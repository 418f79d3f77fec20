/**
 * Claim modes with incremental checkpoints on lmdb (Flink's FLIP-193 semantics):
 * - no_claim: the restored checkpoint — its directory and its chain in the old job's shared/ —
 *   is never deleted; it restores again after the new job ended.
 * - claim: the new job owns the claimed checkpoint and deletes it once its own checkpoints
 *   subsume it, but a sibling retained checkpoint of the old job that shares files of its chain
 *   (num-retained 2) must stay restorable: shared files still referenced are never deleted.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, checkpointDirIds, freshHome, parseAttachedRun, runFlink } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'incremental-rescale.ts');
const OPTS = ['-D', 'state.backend.type=lmdb', '-D', 'execution.checkpointing.incremental=true', '-D', 'execution.checkpointing.num-retained=2'];
const STATIC = 2000;

const sharedOf = (chk: string): string[] =>
  (JSON.parse(readFileSync(join(chk, '_metadata'), 'utf8')) as { metadata: { operators: Array<{ subtasks: Array<{ sharedState?: Array<{ file: string }> }> }> } }).metadata.operators.flatMap((o) =>
    o.subtasks.flatMap((s) => (s.sharedState ?? []).map((r) => r.file)),
  );

async function firstJob(home: string): Promise<{ jobDir: string; latest: string; older: string }> {
  const r = await runFlink(['run', '-p', '2', ...OPTS, JOB, 'a', String(STATIC), '100', '1500', '1500'], { home, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  const jobDir = join(home, 'checkpoints', parseAttachedRun(r.stdout).jobId);
  const ids = checkpointDirIds(jobDir).filter((id) => existsSync(join(jobDir, `chk-${id}`, '_metadata'))).sort((a, b) => a - b);
  assert.ok(ids.length >= 2, `two retained checkpoints (${ids.join(', ')})`);
  return { jobDir, latest: join(jobDir, `chk-${ids.at(-1)}`), older: join(jobDir, `chk-${ids.at(-2)}`) };
}

/** Restores `chk` and probes every key: the `key,state` lines, sorted. */
async function probe(home: string, chk: string): Promise<string[]> {
  const r = await runFlink(['run', '-p', '1', '-n', '-s', chk, ...OPTS, JOB, 'probe', String(STATIC), '100', '100', 'max'], { home, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  return parseAttachedRun(r.stdout).body.sort();
}

/** Restores `chk` (taken after the end of input) and probes the static keys: each must hold 1. */
async function probeStatic(home: string, chk: string): Promise<void> {
  const wrong = (await probe(home, chk)).filter((l) => Number(l.split(',')[0]) >= 100000 && !l.endsWith(',1'));
  assert.deepEqual(wrong.slice(0, 5), []);
}

test('no_claim: the restored incremental checkpoint and its shared chain are untouched and restore again', { timeout: 90_000 }, async () => {
  const home = freshHome();
  const { jobDir, latest } = await firstJob(home);
  const shared = sharedOf(latest);
  assert.ok(shared.length > 0);
  const r = await runFlink(['run', '-p', '3', '-n', '-s', latest, '--claim-mode', 'no_claim', ...OPTS, JOB, 'b', '0', '100', '1200', '1000'], { home, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(latest, '_metadata')), 'no_claim never deletes the restored checkpoint');
  for (const f of shared) assert.ok(existsSync(join(jobDir, 'shared', f)), `shared file ${f} kept`);
  await probeStatic(home, latest);
});

test('claim: the claimed checkpoint goes once subsumed; the old job’s other retained checkpoint, sharing its chain, still restores', { timeout: 90_000 }, async () => {
  const home = freshHome();
  const { jobDir, latest, older } = await firstJob(home);
  // What the older checkpoint holds, read before anything was claimed (a no_claim restore).
  const before = await probe(home, older);
  const r = await runFlink(['run', '-p', '3', '-n', '-s', latest, '--claim-mode', 'claim', ...OPTS, JOB, 'b', '0', '100', '1200', '1000'], { home, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(join(latest, '_metadata')), 'the claimed checkpoint was deleted once subsumed');
  for (const f of sharedOf(older)) assert.ok(existsSync(join(jobDir, 'shared', f)), `shared file ${f} of ${older} kept`);
  assert.deepEqual(await probe(home, older), before, 'the older checkpoint restores the same state as before the claim');
});
