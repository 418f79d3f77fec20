/*
 * The edges of "a savepoint commits, and a failure restores the newest savepoint while no
 * checkpoint is newer", through a tracked JobMaster in this process with real sinks and real
 * checkpoint storage: the savepoint deleted before a failure (with and without a checkpoint to
 * fall back to), a savepoint flink.db cannot record, incremental chains on both backends.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  type Collector,
  FileSink,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type Pipeline,
  ValueStateDescriptor,
} from '../../src/index.js';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { disposeSavepoint } from '../../src/checkpoint/savepoint-disposal.js';
import { prepareRestore } from '../../src/cluster/job-launch.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { injectFailure, numbersFailingOnRequest, startTrackedJob, until } from '../helpers/tracked-job.js';



function fileSinkJob(out: string): Pipeline {
  return capturePipeline((env) => {
    numbersFailingOnRequest(env).sinkTo(FileSink.forRowFormat<number>(out).build()).uid('files');
  }, 'review-sp-files');
}

function committedLines(out: string): number[] {
  return readdirSync(out)
    .filter((f) => !f.startsWith('.'))
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).map(Number));
}

describe('the newest savepoint of a running job is deleted (flink savepoint -d), then a failure', () => {
  test('with no checkpoint before it, the job still restarts (from its initial state), as it would have without the savepoint', async () => {
    const home = tempDir('flink-review-sp-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const out = join(home.path, 'out');
    injectFailure.next = false;
    const job = startTrackedJob(home, store, fileSinkJob(out));
    try {
      await sleep(200);
      const sp = await job.done('savepoint');
      await disposeSavepoint(sp.path);
      injectFailure.next = true;
      await until(() => job.restarts() === 1 || ['FAILED', 'FINISHED', 'CANCELED'].includes(store.getJob(job.master.jobId)!.status), 'the failover');
      await sleep(300);
      const status = store.getJob(job.master.jobId)!.status;
      assert.equal(status, 'RUNNING', `the job is ${status}; logs: ${job.logs.join(' | ')}`);
    } finally {
      job.master.cancel();
      await job.outcome;
      store.close();
      home.cleanup();
    }
  });

  test('started from a snapshot (-s, no_claim) with no checkpoint of its own yet, the job restarts from that snapshot', async () => {
    const home = tempDir('flink-review-sp-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const out = join(home.path, 'out');
    injectFailure.next = false;
    // A first job, stopped with a savepoint: the snapshot the second one starts from.
    const first = startTrackedJob(home, store, fileSinkJob(out));
    await sleep(200);
    const x = await first.done('stop', { drain: false });
    assert.equal(await first.outcome, undefined);
    const second = startTrackedJob(home, store, fileSinkJob(out), { snapshot: loadSnapshot(x.path), allowNonRestoredState: false, claimMode: 'no_claim' });
    try {
      await sleep(200);
      const sp = await second.done('savepoint');
      rmSync(sp.path, { recursive: true, force: true });
      injectFailure.next = true;
      await until(() => second.restarts() === 1 || ['FAILED', 'FINISHED', 'CANCELED'].includes(store.getJob(second.master.jobId)!.status), 'the failover');
      await sleep(300);
      const status = store.getJob(second.master.jobId)!.status;
      assert.equal(status, 'RUNNING', `the job is ${status}; logs: ${second.logs.join(' | ')}`);
    } finally {
      second.master.cancel();
      await second.outcome;
      store.close();
      home.cleanup();
    }
  });
});

describe('a savepoint whose record in flink.db cannot be written (SQLITE_BUSY: another process held the write lock)', () => {
  test("the savepoint fails and commits nothing, so 'flink run -s <jobId>' (which finds savepoints only there) restores the checkpoint before it without repeating output", async () => {
    const home = tempDir('flink-review-sp-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const out = join(home.path, 'out');
    injectFailure.next = false;
    const real = store.completeCheckpoint.bind(store);
    store.completeCheckpoint = ((...args: Parameters<typeof real>) => {
      if (String(args[2]).startsWith('SAVEPOINT')) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return real(...args);
    }) as typeof store.completeCheckpoint;
    const first = startTrackedJob(home, store, fileSinkJob(out));
    try {
      await sleep(200);
      const cp = await first.done('checkpoint', { full: false });
      const byCheckpoint = committedLines(out).length;
      await sleep(300);
      const stop = await first.command('stop', { drain: false });
      assert.equal(stop.status, 'FAILED');
      assert.match(stop.error ?? '', /cannot record the savepoint: database is locked/);
      await sleep(200);
      assert.equal(store.getJob(first.master.jobId)!.status, 'RUNNING', 'a failed stop leaves the job running');
      assert.equal(committedLines(out).length, byCheckpoint, 'the unrecorded savepoint committed nothing');
      first.master.cancel();
      await first.outcome;
      store.completeCheckpoint = real;
      const { snapshot } = await prepareRestore(store, first.master.jobId, first.master.configuration, () => undefined);
      assert.equal(snapshot.metadata.checkpointId, cp.checkpointId, 'the run from the job id restores the checkpoint, which holds all that was committed');
    } finally {
      store.completeCheckpoint = real;
      first.master.cancel();
      await first.outcome;
      store.close();
      home.cleanup();
    }
  });
});

class Count extends KeyedProcessFunction<number, number, string> {
  processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
    n.update((n.value() ?? 0) + 1);
    out.collect(`${ctx.getCurrentKey()}:${n.value()}`);
  }
}

for (const backend of ['hashmap', 'lmdb']) {
  describe(`incremental checkpoints (${backend}): a failover restores the newest savepoint, then more checkpoints and failovers`, () => {
    test('every checkpoint after the restore is restorable, and each key counts 1, 2, 3, … exactly once in the committed output', async () => {
      const home = tempDir('flink-review-sp-');
      const store = MetadataStore.open(join(home.path, 'flink.db'));
      const out = join(home.path, 'out');
      injectFailure.next = false;
      const pipeline = capturePipeline((env) => {
        numbersFailingOnRequest(env)
          .keyBy((v: number) => v % 7)
          .process(new Count())
          .uid('counts')
          .sinkTo(FileSink.forRowFormat<string>(out).build())
          .uid('files');
      }, 'review-sp-incremental');
      const job = startTrackedJob(home, store, pipeline, undefined, {
        'execution.checkpointing.incremental': true,
        'state.backend.type': backend,
        'execution.checkpointing.num-retained': 2,
      });
      const failover = async (n: number) => {
        injectFailure.next = true;
        await until(() => job.restarts() === n, `failover ${n}`);
        await until(() => store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run again');
      };
      try {
        await sleep(150);
        await job.done('checkpoint', { full: false });
        await sleep(100);
        await job.done('checkpoint', { full: false });
        await sleep(100);
        await job.done('savepoint');
        await sleep(100);
        await failover(1);
        await sleep(100);
        const after: string[] = [];
        for (let i = 0; i < 4; i++) {
          after.push((await job.done('checkpoint', { full: false })).path);
          await sleep(80);
        }
        await failover(2);
        await sleep(100);
        await job.done('checkpoint', { full: false });
        await sleep(100);
        await job.done('savepoint');
        await sleep(50);
        await failover(3);
        await sleep(100);
        await job.done('stop', { drain: true });
        assert.equal(await job.outcome, undefined);
        assert.ok(!job.logs.some((l) => /Skipping a snapshot/.test(l)), job.logs.join('\n'));
        const byKey = new Map<number, number[]>();
        for (const f of readdirSync(out).filter((n) => !n.startsWith('.'))) {
          for (const line of readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean)) {
            const [k, c] = line.split(':').map(Number) as [number, number];
            byKey.set(k, [...(byKey.get(k) ?? []), c]);
          }
        }
        assert.equal(byKey.size, 7);
        for (const [k, counts] of byKey) {
          const sorted = [...counts].sort((a, b) => a - b);
          assert.deepEqual(sorted, sorted.map((_, i) => i + 1), `key ${k}: counts ${sorted.slice(0, 20).join(',')}…`);
        }
        void after;
      } finally {
        job.master.cancel();
        await job.outcome;
        store.close();
        home.cleanup();
      }
    });
  });
}
