/**
 * Rescaling keyed state, end to end, without timing: a bounded job counts one record per key at
 * parallelism 3 and finishes, its final checkpoint holding every count; `flink run -s <jobId>`
 * then restores that checkpoint at parallelism 5 and at 2 and counts each key once more. Every
 * key must print 2: a key printing 1 lost its state on the way. The keys are one per key group
 * (all 128), so they include the first and last key group of every subtask's range at 3, 5 and
 * 2 — where an off-by-one in writing, splitting or reading key-group ranges drops state.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_MAX_PARALLELISM, KeyGroupRange, assignToKeyGroup } from '../../src/state/index.js';
import { FIXTURES, freshHome, killLeftovers, parseAttachedRun, removeTempDirs, runFlink } from './helpers.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

const JOB = join(FIXTURES, 'rescale-count.ts');
const MAX_PARALLELISM = DEFAULT_MAX_PARALLELISM;

/** The smallest non-negative integer key of each key group, by key group. */
function oneKeyPerKeyGroup(): number[] {
  const keys: number[] = new Array<number>(MAX_PARALLELISM);
  let found = 0;
  for (let k = 0; found < MAX_PARALLELISM; k++) {
    const kg = assignToKeyGroup(k, MAX_PARALLELISM);
    if (keys[kg] === undefined) {
      keys[kg] = k;
      found++;
    }
  }
  return keys;
}

/** `key,count,key` lines of an attached run, as a map (a key printed twice is a failure). */
function countsOf(stdout: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of parseAttachedRun(stdout).body) {
    const m = /^(\d+),(\d+),\1$/.exec(line);
    assert.ok(m, `unexpected output line ${JSON.stringify(line)}`);
    assert.ok(!counts.has(Number(m[1])), `key ${m[1]} printed twice`);
    counts.set(Number(m[1]), Number(m[2]));
  }
  return counts;
}

/** Keys whose count is not `expected`, with the key group, as readable lines. */
function wrongCounts(counts: ReadonlyMap<number, number>, keys: readonly number[], expected: number): string[] {
  return keys
    .filter((k) => counts.get(k) !== expected)
    .map((k) => `key ${k} (key group ${assignToKeyGroup(k, MAX_PARALLELISM)}): ${counts.get(k) ?? 'missing'}`);
}

describe('rescaling keyed state from a checkpoint', () => {
  const keys = oneKeyPerKeyGroup();

  test('the keys cover the first and last key group of every subtask at parallelism 3, 5 and 2', () => {
    const covered = new Set(keys.map((k) => assignToKeyGroup(k, MAX_PARALLELISM)));
    for (const p of [3, 5, 2]) {
      for (let i = 0; i < p; i++) {
        const r = KeyGroupRange.forSubtask(MAX_PARALLELISM, p, i);
        assert.ok(covered.has(r.start) && covered.has(r.end), `subtask ${i} of ${p}: key groups ${r.start}-${r.end}`);
      }
    }
  });

  test('a checkpoint taken at parallelism 3 restores every key at 5 and at 2', async () => {
    const home = freshHome();
    const keyList = keys.join(',');
    const first = await runFlink(['run', '-p', '3', JOB, 'keys', keyList], { home, timeoutMs: 30_000 });
    assert.equal(first.code, 0, first.stderr);
    const { jobId } = parseAttachedRun(first.stdout);
    assert.deepEqual(wrongCounts(countsOf(first.stdout), keys, 1), [], 'the first run counts each key once');

    // One after the other: a job is continued by one job at a time (job-continuation.ts).
    const restores = [];
    for (const p of ['5', '2']) restores.push(await runFlink(['run', '-p', p, '-s', jobId, '-n', JOB, 'keys-again', keyList], { home, timeoutMs: 30_000 }));
    for (const [i, r] of restores.entries()) {
      const p = ['5', '2'][i];
      assert.equal(r.code, 0, `restore at parallelism ${p}: ${r.stderr}`);
      assert.deepEqual(wrongCounts(countsOf(r.stdout), keys, 2), [], `restored at parallelism ${p}, every key's count continues`);
    }
  });
});
