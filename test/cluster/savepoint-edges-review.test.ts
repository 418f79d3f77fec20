/*
 * Review tests for the edges of "a savepoint commits, and a failure restores the newest
 * savepoint while no checkpoint is newer" (93b2975, a390680), through a tracked JobMaster in
 * this process with real sinks and real checkpoint storage.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  type Collector,
  DataGeneratorSource,
  FileSink,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type Pipeline,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { disposeSavepoint } from '../../src/checkpoint/savepoint-disposal.js';
import { JobMaster, type RestoreSettings } from '../../src/cluster/job-master.js';
import { prepareRestore } from '../../src/cluster/job-launch.js';
import { Configuration } from '../../src/config/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

/** Steered by the tests; functions are copied per subtask, this object is not. */
const control = { failNext: false };

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

type Home = { path: string; cleanup: () => void };

/** Starts `pipeline` under a tracked JobMaster (fixed-delay restarts, periodic checkpoints rare). */
function start(home: Home, store: MetadataStore, pipeline: Pipeline, restore?: RestoreSettings, extra: Record<string, string | number | boolean> = {}) {
  let config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('execution.checkpointing.savepoint-dir', join(home.path, 'savepoints'))
    .with('execution.checkpointing.interval', '1 h')
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 5)
    .with('restart-strategy.fixed-delay.delay', '0 ms');
  for (const [k, v] of Object.entries(extra)) config = config.with(k, v);
  const logs: string[] = [];
  const master = new JobMaster({
    jobId: newJobId(),
    pipeline,
    configuration: config,
    clock: systemClock,
    tracking: { store, jobFile: '/jobs/review-sp.ts', args: [], log: (l) => logs.push(l) },
    ...(restore ? { restore } : {}),
  });
  const outcome = master.run().then(
    () => undefined,
    (err: unknown) => err,
  );
  const command = async (kind: 'checkpoint' | 'savepoint' | 'stop', args: Record<string, unknown>) => {
    await until(() => store.getJob(master.jobId)?.status === 'RUNNING', 'the job to run');
    const id = store.submitCommand(master.jobId, kind, args);
    await until(() => !['PENDING', 'RUNNING'].includes(store.getCommand(id)!.status), `the ${kind}`);
    return store.getCommand(id)!;
  };
  const done = async (kind: 'checkpoint' | 'savepoint' | 'stop', args: Record<string, unknown> = {}) => {
    const cmd = await command(kind, args);
    assert.equal(cmd.status, 'DONE', `${kind} failed: ${cmd.error}`);
    return cmd.result as { checkpointId: number; path: string };
  };
  const restarts = () => store.listEvents(master.jobId).filter((e) => e.kind === 'restart').length;
  return { master, logs, outcome, command, done, restarts };
}

/** Numbers 0, 1, 2, … at a steady rate, through a map that fails once when told to. */
function numbers(env: Parameters<Parameters<typeof capturePipeline>[0]>[0]) {
  return env
    .fromSource(new DataGeneratorSource<number>((i) => i, Infinity, { recordsPerSecond: 400 }), WatermarkStrategy.noWatermarks(), 'gen')
    .uid('gen')
    .map((v: number) => {
      if (control.failNext) {
        control.failNext = false;
        throw new Error('injected failure');
      }
      return v;
    })
    .uid('fail-once');
}

function fileSinkJob(out: string): Pipeline {
  return capturePipeline((env) => {
    numbers(env).sinkTo(FileSink.forRowFormat<number>(out).build()).uid('files');
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
    control.failNext = false;
    const job = start(home, store, fileSinkJob(out));
    try {
      await sleep(200);
      const sp = await job.done('savepoint');
      await disposeSavepoint(sp.path);
      control.failNext = true;
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
    control.failNext = false;
    // A first job, stopped with a savepoint: the snapshot the second one starts from.
    const first = start(home, store, fileSinkJob(out));
    await sleep(200);
    const x = await first.done('stop', { drain: false });
    assert.equal(await first.outcome, undefined);
    const second = start(home, store, fileSinkJob(out), { snapshot: loadSnapshot(x.path), allowNonRestoredState: false, claimMode: 'no_claim' });
    try {
      await sleep(200);
      const sp = await second.done('savepoint');
      rmSync(sp.path, { recursive: true, force: true });
      control.failNext = true;
      await until(() => second.restarts() === 1 || ['FAILED', 'FINISHED', 'CANCELED'].includes(store.getJob(second.master.jobId)!.status), 'the failover');
      await sleep(300);
      const status = store.getJob(second.master.jobId)!.status;
      assert.equal(status, 'RUNNING', `the job is ${status}; logs: ${second.logs.join(' | ')}`);
      void committedLines;
    } finally {
      second.master.cancel();
      await second.outcome;
      store.close();
      home.cleanup();
    }
  });
});

describe('a savepoint whose record in flink.db could not be written (SQLITE_BUSY: another process held the write lock)', () => {
  test("'flink run -s <jobId>' after the job was stopped with it restores that savepoint, which committed, not the checkpoint before it", async () => {
    const home = tempDir('flink-review-sp-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const out = join(home.path, 'out');
    control.failNext = false;
    // The statistics recorder swallows store errors ("A store error never fails a checkpoint").
    const real = store.completeCheckpoint.bind(store);
    store.completeCheckpoint = ((...args: Parameters<typeof real>) => {
      if (String(args[2]).startsWith('SAVEPOINT')) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      return real(...args);
    }) as typeof store.completeCheckpoint;
    const first = start(home, store, fileSinkJob(out));
    try {
      await sleep(200);
      const cp = await first.done('checkpoint', { full: false });
      await sleep(300);
      const sp = await first.done('stop', { drain: false });
      assert.equal(await first.outcome, undefined);
      assert.ok(sp.checkpointId > cp.checkpointId);
      // The stop's savepoint told the sinks to commit: records past the checkpoint are visible.
      const visible = committedLines(out);
      assert.ok(visible.length > 0);
      store.completeCheckpoint = real;
      const logs: string[] = [];
      const snapshot = await prepareRestore(store, first.master.jobId, first.master.configuration, (l) => logs.push(l));
      assert.equal(
        snapshot.metadata.checkpointId,
        sp.checkpointId,
        `'flink run -s ${first.master.jobId}' restores checkpoint ${snapshot.metadata.checkpointId} (${snapshot.dir}), older than the savepoint ${sp.path} whose completion committed ${visible.length} records: a run from it writes the records between the two again`,
      );
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
      control.failNext = false;
      const pipeline = capturePipeline((env) => {
        numbers(env)
          .keyBy((v: number) => v % 7)
          .process(new Count())
          .uid('counts')
          .sinkTo(FileSink.forRowFormat<string>(out).build())
          .uid('files');
      }, 'review-sp-incremental');
      const job = start(home, store, pipeline, undefined, {
        'execution.checkpointing.incremental': true,
        'state.backend.type': backend,
        'execution.checkpointing.num-retained': 2,
      });
      const failover = async (n: number) => {
        control.failNext = true;
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
