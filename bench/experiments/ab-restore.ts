/**
 * Two builds' restore of the checkpoint bench's state (a count per int key, 1M keys by default)
 * compared in one process, in alternating rounds, as ab-builds.ts compares the keyed count (see
 * there for why one process). Each round restores the same checkpoint with each build:
 *
 * - deploy: loadSnapshot + assignState + `new JobExecution` (what the checkpoint bench times as
 *   its restore: blocks decoded, entries handed to the backend, and put: the timer service's
 *   restore walks the tables, which puts what the backend held back);
 * - open: running the restored job until its operator has registered its state (which puts any
 *   entries the backend held back); the job is then cancelled.
 *
 *   node --import tsx bench/experiments/ab-restore.ts <checkout A> <checkout B> [keys=1000000] [rounds=10]
 *
 * The checkpoint is taken once, by build A's code (the format is the same in both). Wall time per
 * step, best and median over the rounds after the first two (compiling).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { median } from '../harness/figures.js';

/** What a build offers this script: a checkpoint of `keys` counts, and a restore of one. */
interface Build {
  checkpoint(keys: number, dir: string): Promise<string>;
  restore(path: string, keys: number): Promise<{ deployMs: number; openMs: number }>;
}

/** The build at `root`, its modules loaded from there (`tag` keeps two copies of one checkout apart). */
async function loadBuild(root: string, tag: number): Promise<Build> {
  const load = async <T>(path: string): Promise<T> => (await import(`${pathToFileURL(join(root, path)).href}?build=${tag}`)) as T;
  const api = await load<typeof import('../../src/index.js')>('src/index.js');
  const { assignState, loadSnapshot } = await load<typeof import('../../src/checkpoint/index.js')>('src/checkpoint/index.js');
  const { compilePipeline } = await load<typeof import('../../src/cluster/compile-pipeline.js')>('src/cluster/compile-pipeline.js');
  const { JobExecution } = await load<typeof import('../../src/runtime/index.js')>('src/runtime/index.js');
  const { systemClock } = await load<typeof import('../../src/util/clock.js')>('src/util/clock.js');
  const { capturePipeline } = await load<typeof import('../../test/helpers/run-job.js')>('test/helpers/run-job.js');
  const { startCoordinatedJob } = await load<typeof import('../harness/coordinated-job.js')>('bench/harness/coordinated-job.js');

  let processed = 0;
  /** When the last Count finished registering its state (and so putting what was held back). */
  let openedAt = 0;
  class Count extends api.KeyedProcessFunction<number, number, never> {
    private count!: import('../../src/index.js').ValueState<number>;
    override open(): void {
      this.count = this.getRuntimeContext().getState(new api.ValueStateDescriptor<number>('count', 0));
      openedAt = performance.now();
    }
    processElement(): void {
      this.count.update(this.count.value()! + 1);
      processed++;
    }
  }
    // As the checkpoint bench's job (same uids).
  const graph = (keys: number) =>
    compilePipeline(
      capturePipeline((env) => {
        env
          .fromSource(new api.DataGeneratorSource((i) => i, Infinity), api.WatermarkStrategy.noWatermarks(), 'events').uid('events')
          .keyBy((i) => i % keys)
          .process(new Count()).uid('count')
          .addSink(() => {}).uid('sink');
      }, 'restore experiment'),
    );
  let restoreGraph: ReturnType<typeof graph> | undefined;
  return {
    async checkpoint(keys, dir) {
      processed = 0;
      const job = startCoordinatedJob(graph(keys), dir, 'ab-restore', () => {});
      while (processed < keys * 1.2) await sleep(10);
      const done = await job.coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
      job.execution.cancel();
      await job.done.catch(() => undefined);
      return done.path;
    },
    async restore(path, keys) {
      restoreGraph ??= graph(keys);
      const t0 = performance.now();
      const restore = assignState(loadSnapshot(path), restoreGraph, { allowNonRestoredState: false });
      const execution = new JobExecution({ jobId: 'ab-restore', jobGraph: restoreGraph, clock: systemClock, restore });
      const t1 = performance.now();
      openedAt = 0;
      const done = execution.run();
      while (openedAt === 0) await new Promise((r) => setImmediate(r));
      execution.cancel();
      await done.catch(() => undefined);
      return { deployMs: t1 - t0, openMs: openedAt - t1 };
    },
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const [a, b, ...rest] = argv;
  if (a === undefined || b === undefined) {
    console.error('usage: node --import tsx bench/experiments/ab-restore.ts <checkout A> <checkout B> [keys] [rounds]');
    process.exitCode = 1;
    return;
  }
  const [keys = 1_000_000, rounds = 10] = rest.map(Number);
  const roots = [resolve(a), resolve(b)];
  const builds = await Promise.all(roots.map((r, i) => loadBuild(r, i)));
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-ab-restore-'));
  try {
    const path = await builds[0]!.checkpoint(keys, dir);
    const deploy: number[][] = [[], []];
    const total: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < 2; k++) {
        const which = (k + r) % 2; // A first in even rounds, B first in odd ones
        const { deployMs, openMs } = await builds[which]!.restore(path, keys);
        deploy[which]!.push(deployMs);
        total[which]!.push(deployMs + openMs);
      }
    }
    const show = (xs: number[]) => `best ${Math.min(...xs.slice(2)).toFixed(0)} ms, median ${median(xs.slice(2)).toFixed(0)} ms  (${xs.map((x) => x.toFixed(0)).join(' ')})`;
    for (let i = 0; i < 2; i++) {
      console.log(`${'AB'[i]} ${roots[i]}`);
      console.log(`  deploy (the bench's restore): ${show(deploy[i]!)}`);
      console.log(`  deploy + open (every key put): ${show(total[i]!)}`);
    }
    const ratio = (xs: number[][]) => median(xs[1]!.slice(2).map((x, i) => x / xs[0]![i + 2]!)).toFixed(3);
    console.log(`B ÷ A per round, median: deploy ${ratio(deploy)}, deploy + open ${ratio(total)} (${keys.toLocaleString('en-US')} int keys)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
