/*
 * Snapshots written by earlier versions restore: test/fixtures/snapshots/format-<n>/ hold a
 * checkpoint (an incremental chain: a base and two deltas in shared/) and a savepoint that
 * flink-ts wrote with state-file format n (see write-fixture.ts). Restored into this version,
 * on either backend and at the same or another parallelism, the job must go on exactly as the
 * job that wrote them did: the same lines (each shows its key's whole state; timers fire), the
 * same operator state, and `flink info` must read them the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assignState, inspectSnapshot, loadSnapshot } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { JobExecution } from '../../src/runtime/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { RECORDS, fixtureJob, gate, restoredOperatorState } from '../fixtures/snapshots/fixture-job.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/snapshots/', import.meta.url));
const temps: Array<() => void> = [];
after(() => temps.forEach((c) => c()));

/** Restores `dir` into the fixture job and runs it to the end; returns its lines, sorted. */
async function restoreAndRun(dir: string, parallelism: number, backend: 'hashmap' | 'lmdb'): Promise<string[]> {
  const lines: string[] = [];
  const jobGraph = compilePipeline(capturePipeline((env) => fixtureJob(env, (l) => void lines.push(l), parallelism), 'snapshot-fixture'), { parallelism: 1 });
  const restore = assignState(loadSnapshot(dir), jobGraph, { allowNonRestoredState: false });
  const local = tempDir('flink-compat-');
  temps.push(local.cleanup);
  gate.open = RECORDS;
  restoredOperatorState.length = 0;
  await new JobExecution({
    jobId: 'compat',
    jobGraph,
    // Past every restored timer, and past the short TTL of state 'first'.
    clock: new ManualClock(2_000_000),
    restore,
    stateBackend: { type: backend, incremental: false, localDirectory: local.path },
  }).run();
  return lines.sort();
}

for (const format of ['format-2', 'format-3']) {
  const root = join(FIXTURES, format);
  const expected = readFileSync(join(root, 'expected-after-restore.txt'), 'utf8').trimEnd().split('\n');
  const info = JSON.parse(readFileSync(join(root, 'expected-info.json'), 'utf8')) as Record<string, unknown>;
  describe(`snapshots written with state-file ${format}`, () => {
    for (const [name, dir] of [['checkpoint', join(root, 'checkpoints', 'chk-3')], ['savepoint', join(root, 'savepoint')]] as const) {
      for (const backend of ['hashmap', 'lmdb'] as const) {
        for (const parallelism of [2, 3]) {
          test(`the ${name} restores on ${backend} at parallelism ${parallelism}: the run goes on exactly as the original`, async () => {
            assert.deepEqual(await restoreAndRun(dir, parallelism, backend), expected);
            const operatorState = [...restoredOperatorState].sort();
            assert.equal(operatorState.length, 1 + parallelism);
            assert.equal(operatorState[operatorState.length - 1], 'map seen=[50] tags=[map]');
            const keyed = operatorState.slice(0, parallelism);
            // Split state is dealt out (two elements over the subtasks); union state goes to every subtask.
            const seen = keyed.flatMap((l) => /seen=\[([\d,]*)\]/.exec(l)![1]!.split(',').filter(Boolean).map(Number));
            assert.equal(seen.length, 2);
            assert.equal(seen.reduce((a, b) => a + b, 0), 50, 'the keyed subtasks had processed 50 records');
            for (const l of keyed) assert.match(l, /tags=\[keyed-0,keyed-1\]$/);
          });
        }
      }
      test(`flink info reads the ${name} as it was written`, () => {
        assert.deepEqual({ ...inspectSnapshot(dir), path: undefined }, { ...(info[name] as object), path: undefined });
      });
    }
  });
}
