/**
 * A checkpoint of `keys` keys of keyed state at parallelism 1, taken while records keep flowing:
 * its end-to-end duration and size, the longest processing pause it causes, a savepoint of the
 * same state, and the time to restore it. Baselines in the same rounds: the same entries encoded
 * and written durably with no engine around them (and read back and decoded), and the longest gap
 * between records while no checkpoint runs.
 *
 * Checked: records flowed between the operator's cut and the checkpoint's completion (so the
 * figure is of a checkpoint taken under load, not of a paused job); the checkpoint and the
 * savepoint hold every key; and, once, a job restored from the last checkpoint finds every key's
 * count, and the counts add up to the records processed before the cut.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  assignState,
  inspectSnapshot,
  loadSnapshot,
} from '../src/checkpoint/index.js';
import { compilePipeline } from '../src/cluster/compile-pipeline.js';
import type { JobGraph } from '../src/graph/index.js';
import {
  DataGeneratorSource,
  type FunctionSnapshotContext,
  type KeyedProcessContext,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import { JobExecution, type RestoreAssignment } from '../src/runtime/index.js';
import { pack, unpack } from '../src/util/binary-codec.js';
import { startCoordinatedJob } from './harness/coordinated-job.js';
import { systemClock } from '../src/util/clock.js';
import { capturePipeline } from '../test/helpers/run-job.js';
import { type BenchParams, alternate, defineBench, figure } from './harness/index.js';

interface Params extends BenchParams {
  readonly keys: number;
  /** How long the longest gap between records is watched with no checkpoint running. */
  readonly quietMs: number;
}

/** What the job's counting operator observes, read by the bench between its steps. */
class Observer {
  processed = 0;
  private last = 0;
  /** The longest time between two records since `watchGaps`. */
  maxGapMs = 0;
  /** Records processed before each checkpoint's cut, by checkpoint id. */
  readonly processedAtCut = new Map<number, number>();
  /** Set for a restored job: the first count each key finds. */
  restored: { readonly firstCount: Map<number, number> } | undefined;

  /** Starts watching gaps afresh: the time the loop was blocked before now is no gap between records. */
  watchGaps(): void {
    this.last = 0;
    this.maxGapMs = 0;
  }

  record(key: number, count: number): void {
    const now = performance.now();
    if (this.last > 0) this.maxGapMs = Math.max(this.maxGapMs, now - this.last);
    this.last = now;
    this.processed++;
    if (this.restored && !this.restored.firstCount.has(key)) this.restored.firstCount.set(key, count);
  }
}

let observer = new Observer();

class Count extends KeyedProcessFunction<number, number, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(_i: number, ctx: KeyedProcessContext<number>): void {
    const old = this.count.value()!;
    this.count.update(old + 1);
    observer.record(ctx.getCurrentKey(), old);
  }
  initializeState(): void {}
  snapshotState(ctx: FunctionSnapshotContext): void {
    observer.processedAtCut.set(ctx.getCheckpointId(), observer.processed);
  }
}

function jobGraph(keys: number): JobGraph {
  return compilePipeline(
    capturePipeline((env) => {
      env
        .fromSource(new DataGeneratorSource((i) => i, Infinity), WatermarkStrategy.noWatermarks(), 'events').uid('events')
        .keyBy((i) => i % keys)
        .process(new Count()).uid('count')
        .addSink(() => {}).uid('sink');
    }, 'checkpoint bench'),
  );
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(10);
}

/** A job running with a coordinator that takes checkpoints and savepoints on request. */
function startJob(graph: JobGraph, dir: string) {
  let lastPauseMs = 0;
  const { execution, coordinator: c, done } = startCoordinatedJob(graph, dir, 'bench', (_c, s) => {
    lastPauseMs = s.maxPauseMs;
  });
  return {
    /** A checkpoint or savepoint, and what it cost the records flowing through. */
    async snapshot(savepointDir?: string) {
      observer.watchGaps();
      const completed = await c.triggerCheckpoint(savepointDir ? { kind: 'SAVEPOINT', savepointDir } : { kind: 'CHECKPOINT' });
      const cut = observer.processedAtCut.get(completed.checkpointId);
      return {
        path: completed.path,
        bytes: completed.stateSize,
        maxPauseMs: lastPauseMs,
        maxGapMs: observer.maxGapMs,
        flowedAfterCut: cut === undefined ? -1 : observer.processed - cut,
        processedAtCut: cut ?? -1,
      };
    },
    async stop() {
      execution.cancel();
      await done.catch(() => undefined);
    },
  };
}

function restoreAssignment(graph: JobGraph, path: string): RestoreAssignment {
  return assignState(loadSnapshot(path), graph, { allowNonRestoredState: false });
}

/** Runs a job restored from `path` until every key was seen once; returns the counts they found. */
async function countsAfterRestore(graph: JobGraph, path: string, keys: number): Promise<Map<number, number>> {
  const firstCount = new Map<number, number>();
  observer = new Observer();
  observer.restored = { firstCount };
  const execution = new JobExecution({ jobId: 'bench-restored', jobGraph: graph, clock: systemClock, restore: restoreAssignment(graph, path) });
  const done = execution.run();
  await waitFor(() => firstCount.size >= keys);
  execution.cancel();
  await done.catch(() => undefined);
  return firstCount;
}

export default defineBench<Params>({
  name: 'checkpoint',
  description:
    'a checkpoint of 1M keys at parallelism 1 taken while records flow (duration, size, longest pause), a savepoint and a restore of it, against encoding and durably writing (and reading back) the same entries with no engine, and against the longest gap between records with no checkpoint.',
  sizes: {
    full: { keys: 1_000_000, quietMs: 1000, rounds: 5, warmups: 1 },
    smoke: { keys: 5_000, quietMs: 50, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-ckpt-'));
    observer = new Observer();
    const graph = jobGraph(p.keys);
    const job = startJob(graph, dir);
    try {
      await waitFor(() => observer.processed >= p.keys * 1.2);
      let checkpointPath = '';
      let checkpointCut = 0;
      let heldChecked = false;
      const keysIn = (path: string) => inspectSnapshot(path).operators.find((o) => o.uid === 'count')?.keyedStates['count']?.keys ?? 0;
      const bareFile = join(dir, 'bare.bin');
      const runs = await alternate(
        ctx,
        p,
        {
          quiet: {
            label: 'longest gap, no checkpoint',
            run: async () => {
              const before = observer.processed;
              observer.watchGaps();
              await sleep(p.quietMs);
              return { maxGapMs: observer.maxGapMs, flowed: observer.processed - before };
            },
            verify: (f) => ctx.check.that(f.flowed > 0, 'records flowed while no checkpoint ran', 'none did'),
          },
          checkpoint: {
            label: 'checkpoint',
            run: () => job.snapshot(),
            verify: (f) => {
              ctx.check.that(f.flowedAfterCut > 0, 'records flowed between the cut and the completion of every checkpoint', `${f.flowedAfterCut} did`);
              checkpointPath = f.path;
              checkpointCut = f.processedAtCut;
              if (!heldChecked) ctx.check.equal(keysIn(f.path), p.keys, 'keys held by the checkpoint');
            },
          },
          savepoint: {
            label: 'savepoint',
            run: () => job.snapshot(join(dir, 'savepoints')),
            verify: (f) => {
              ctx.check.that(f.flowedAfterCut > 0, 'records flowed between the cut and the completion of every savepoint', `${f.flowedAfterCut} did`);
              if (!heldChecked) ctx.check.equal(keysIn(f.path), p.keys, 'keys held by the savepoint');
              heldChecked = true;
              rmSync(f.path, { recursive: true, force: true });
            },
          },
          bareWrite: {
            label: 'bare encode + durable write',
            run: () => {
              const entries: Array<[number, number]> = [];
              for (let k = 0; k < p.keys; k++) entries.push([k, 2]);
              const bytes = pack(entries);
              const fd = openSync(bareFile, 'w');
              writeSync(fd, bytes);
              fsyncSync(fd);
              closeSync(fd);
              return { bytes: bytes.byteLength };
            },
            verify: (f) => ctx.check.that(f.bytes > 0, 'the bare encoding wrote bytes'),
          },
          restore: {
            label: 'restore',
            run: () => {
              new JobExecution({ jobId: 'bench-restore', jobGraph: graph, clock: systemClock, restore: restoreAssignment(graph, checkpointPath) });
              return {};
            },
            verify: () => {},
          },
          bareRead: {
            label: 'bare read + decode',
            run: () => ({ entries: (unpack(readFileSync(bareFile)) as unknown[]).length }),
            verify: (f) => ctx.check.equal(f.entries, p.keys, 'entries decoded by the bare read'),
          },
        },
        'fixed',
      );
      await job.stop();

      // The last checkpoint, restored into a running job: every key has its count, and the counts
      // add up to the records processed before the cut.
      const found = await countsAfterRestore(graph, checkpointPath, p.keys);
      ctx.check.equal([...found.values()].filter((c) => c > 0).length, p.keys, 'keys whose count a restored job finds');
      ctx.check.equal([...found.values()].reduce((a, b) => a + b, 0), checkpointCut, 'the sum of the restored counts (records processed before the cut)');

      const ms = (label: string, r: readonly { ms: number }[]) => ({ label, values: r.map((x) => x.ms) });
      const bareWrite = ms('bare encode + durable write', runs.bareWrite);
      const bareRead = ms('bare read + decode', runs.bareRead);
      const quiet = { label: 'longest gap, no checkpoint', values: runs.quiet.map((r) => r.facts.maxGapMs) };
      const bareBytes = { label: 'bare encoding', values: runs.bareWrite.map((r) => r.facts.bytes) };
      return {
        title: `checkpoint of ${p.keys.toLocaleString('en-US')} keys at parallelism 1 while records flow`,
        figures: [
          figure('checkpoint: duration', 'ms', runs.checkpoint.map((r) => r.ms), bareWrite),
          figure('savepoint: duration', 'ms', runs.savepoint.map((r) => r.ms), bareWrite),
          figure(bareWrite.label, 'ms', bareWrite.values),
          figure('checkpoint: size', 'bytes', runs.checkpoint.map((r) => r.facts.bytes), bareBytes),
          figure('bare encoding: size', 'bytes', bareBytes.values),
          figure('restore: duration', 'ms', runs.restore.map((r) => r.ms), bareRead),
          figure(bareRead.label, 'ms', bareRead.values),
          figure('longest pause (engine)', 'ms', runs.checkpoint.map((r) => r.facts.maxPauseMs), quiet),
          figure('longest gap between records, checkpoint running', 'ms', runs.checkpoint.map((r) => r.facts.maxGapMs), quiet),
          figure(quiet.label, 'ms', quiet.values),
        ],
      };
    } finally {
      await job.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
});
