/**
 * Event-time windows: N generated events (1 ms of event time apart) over K keys, through a keyed
 * tumbling-window count and a keyed sliding-window sum (incremental aggregation), each with
 * EXACTLY_ONCE checkpoints every `checkpointMs` going to disk; against a hand-written loop doing
 * the same windowing (windows opened per key as events arrive, fired as event time passes their
 * end) in the same rounds.
 *
 * Checked every run: the engine's results are the loop's (as many window results, the same
 * totals, the same checksum over keys and windows), and the loop's totals are the events'; at
 * the full size, checkpoints completed during the run, and the largest of them holds no more
 * than the open windows' accumulators (state ∝ open windows, not events).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointCoordinator, CompletedCheckpointStore, FsCheckpointStorage, realSchedule } from '../src/checkpoint/index.js';
import { compilePipeline } from '../src/cluster/compile-pipeline.js';
import {
  type AggregateFunction,
  type Collector,
  DataGeneratorSource,
  Duration,
  SlidingEventTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../src/index.js';
import { JobExecution } from '../src/runtime/index.js';
import { systemClock } from '../src/util/clock.js';
import { capturePipeline } from '../test/helpers/run-job.js';
import { type BenchContext, type BenchParams, type Run, alternate, defineBench, figure, perSecond, shortCount } from './harness/index.js';

interface Params extends BenchParams {
  readonly events: number;
  readonly keys: number;
  readonly windowMs: number;
  readonly slideMs: number;
  readonly checkpointMs: number;
  /** Events per second (0: as fast as possible), so a small run still spans checkpoints. */
  readonly rate: number;
}

interface Event {
  readonly key: number;
  readonly amount: number;
  readonly time: number;
}

/** What a windowed run produced: enough to tell right windows from wrong ones. */
interface WindowFacts {
  /** Window results emitted. */
  results: number;
  /** Σ of the results (counts, or sums of amounts). */
  total: number;
  /** Σ result × (key + 1) + window index: differs when a result lands in the wrong key or window. */
  checksum: number;
  /** Checkpoints completed during the run (engine only). */
  checkpoints: number;
  /** The largest completed checkpoint, in bytes (engine only). */
  maxCheckpointBytes: number;
  /** Checkpoints that failed, other than one the job's end cut short (engine only). */
  failedCheckpoints: number;
}

type Kind = 'tumbling' | 'sliding';

// 7919 is prime, so i → key visits every key once per `keys` consecutive events.
const generator = (keys: number) => (i: number): Event => ({ key: (i * 7919) % keys, amount: i & 7, time: i });

function emptyFacts(): WindowFacts {
  return { results: 0, total: 0, checksum: 0, checkpoints: 0, maxCheckpointBytes: 0, failedCheckpoints: 0 };
}

function record(f: WindowFacts, key: number, windowStart: number, slideMs: number, value: number): void {
  f.results++;
  f.total += value;
  f.checksum += value * (key + 1) + windowStart / slideMs;
}

/**
 * The same windowing by hand: open windows by start (opened in increasing order, since event
 * time only grows), each a Map from key to its count or sum; a window is fired and dropped as
 * soon as event time passes its end, the rest at the end of the input.
 */
function handWritten(p: Params, kind: Kind): WindowFacts {
  const generate = generator(p.keys);
  const size = p.windowMs;
  const slide = kind === 'tumbling' ? size : p.slideMs;
  const open = new Map<number, Map<number, number>>();
  const facts = emptyFacts();
  const fire = (start: number, byKey: Map<number, number>) => {
    for (const [key, v] of byKey) record(facts, key, start, slide, v);
    open.delete(start);
  };
  for (let i = 0; i < p.events; i++) {
    const e = generate(i);
    const value = kind === 'tumbling' ? 1 : e.amount;
    const last = e.time - (e.time % slide);
    for (let start = last; start > e.time - size; start -= slide) {
      let byKey = open.get(start);
      if (byKey === undefined) open.set(start, (byKey = new Map()));
      byKey.set(e.key, (byKey.get(e.key) ?? 0) + value);
    }
    // The watermark of monotonous timestamps: time − 1.
    for (const [start, byKey] of open) {
      if (start + size - 1 > e.time - 1) break;
      fire(start, byKey);
    }
  }
  for (const [start, byKey] of open) fire(start, byKey);
  return facts;
}

const count: AggregateFunction<Event, number, number> = { createAccumulator: () => 0, add: (_e, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };
const sumAmounts: AggregateFunction<Event, number, number> = { createAccumulator: () => 0, add: (e, n) => n + e.amount, getResult: (n) => n, merge: (a, b) => a + b };

/** Summed over the subtasks of one engine run (reset before each). */
let engineFacts = emptyFacts();

/** The windowed job at parallelism 1, with periodic EXACTLY_ONCE checkpoints into a temp directory. */
async function engine(p: Params, kind: Kind, ctx: BenchContext): Promise<WindowFacts> {
  engineFacts = emptyFacts();
  const slide = kind === 'tumbling' ? p.windowMs : p.slideMs;
  const pipeline = capturePipeline((env) => {
    const keyed = env
      .fromSource(
        new DataGeneratorSource(generator(p.keys), p.events, p.rate > 0 ? { recordsPerSecond: p.rate } : {}),
        WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.time),
        'events',
      )
      .uid('events')
      .keyBy((e) => e.key);
    const windowed =
      kind === 'tumbling'
        ? keyed.window(TumblingEventTimeWindows.of(Duration.ofMillis(p.windowMs)))
        : keyed.window(SlidingEventTimeWindows.of(Duration.ofMillis(p.windowMs), Duration.ofMillis(p.slideMs)));
    windowed
      .aggregate(kind === 'tumbling' ? count : sumAmounts, (key: number, w: TimeWindow, values: Iterable<number>, _out: Collector<never>) => {
        for (const v of values) record(engineFacts, key, w.start, slide, v);
      })
      .uid('windows')
      .addSink(() => {})
      .uid('sink');
  }, `windows bench (${kind})`);
  const jobGraph = compilePipeline(pipeline, { parallelism: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-windows-'));
  const storage = new FsCheckpointStorage(dir, 'bench');
  let coordinator: CheckpointCoordinator | undefined;
  const execution = new JobExecution({
    jobId: 'bench',
    jobGraph,
    clock: systemClock,
    // As every bench job: object reuse on (see the README's "Object reuse").
    objectReuse: true,
    checkpointing: { storage, responder: { acknowledge: (a) => coordinator!.acknowledge(a), decline: (id, t, r) => coordinator!.decline(id, t, r) } },
  });
  coordinator = new CheckpointCoordinator({
    jobId: 'bench',
    jobName: 'windows bench',
    settings: { interval: p.checkpointMs, timeout: 600_000, minPause: 0, maxConcurrent: 1, tolerableFailures: 0, aligned: true },
    clock: systemClock,
    schedule: realSchedule,
    storage,
    store: new CompletedCheckpointStore(1, storage),
    target: execution,
    firstCheckpointId: 1,
    stats: {
      triggered: () => {},
      completed: (c) => {
        engineFacts.checkpoints++;
        engineFacts.maxCheckpointBytes = Math.max(engineFacts.maxCheckpointBytes, c.stateSize);
      },
      failed: (_id, _kind, reason) => {
        if (!execution.allFinished) engineFacts.failedCheckpoints++;
        ctx.log(`checkpoint failed: ${reason}`);
      },
    },
    onTooManyFailures: () => {},
  });
  coordinator.startPeriodic();
  try {
    await execution.run();
  } finally {
    await coordinator.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return engineFacts;
}

/** Windows open at once per key: while one fills, the windows it overlaps (and one more, waiting for the watermark). */
function openWindowsPerKey(p: Params, kind: Kind): number {
  return kind === 'tumbling' ? 2 : Math.ceil(p.windowMs / p.slideMs) + 1;
}

function verifier(ctx: BenchContext, p: Params, kind: Kind, label: string, loop: () => WindowFacts, engineRun: boolean): (f: WindowFacts) => void {
  return (f) => {
    const want = loop();
    ctx.check.equal(f.results, want.results, `${kind} window results of ${label}`);
    ctx.check.equal(f.total, want.total, `${kind} total of ${label}`);
    ctx.check.equal(f.checksum, want.checksum, `${kind} checksum over keys and windows of ${label}`);
    if (!engineRun) {
      ctx.check.equal(f.total, expectedTotal(p, kind), `${kind} total of ${label} worked out from the events`);
      return;
    }
    ctx.check.equal(f.failedCheckpoints, 0, `${kind} checkpoints that failed while the job ran`);
    if (p.events >= 1_000_000) {
      ctx.check.atLeast(f.checkpoints, 1, `${kind} checkpoints completed during the run`);
      // An accumulator and its key and window take well under 256 bytes in a checkpoint.
      const bound = p.keys * openWindowsPerKey(p, kind) * 256 + 64 * 1024;
      ctx.check.that(f.maxCheckpointBytes <= bound, `the largest ${kind} checkpoint holds only open windows (≤ ${bound.toLocaleString('en-US')} bytes)`, `it holds ${f.maxCheckpointBytes.toLocaleString('en-US')} bytes`);
    }
  };
}

/**
 * The total the windows must add up to: every event counted once (tumbling), or its amount in
 * each of the size / slide sliding windows it falls in (windows may start before time 0).
 */
function expectedTotal(p: Params, kind: Kind): number {
  if (kind === 'tumbling') return p.events;
  let amounts = 0;
  for (let i = 0; i < p.events; i++) amounts += i & 7;
  return amounts * (p.windowMs / p.slideMs);
}

export default defineBench<Params>({
  name: 'windows',
  description:
    'a keyed tumbling-window count and a keyed sliding-window sum over event time with EXACTLY_ONCE checkpoints at parallelism 1, against a hand-written loop doing the same windowing in the same rounds; the largest checkpoint is checked to hold only the open windows.',
  sizes: {
    full: { events: 10_000_000, keys: 1000, windowMs: 60_000, slideMs: 10_000, checkpointMs: 500, rate: 0, rounds: 3, warmups: 1 },
    smoke: { events: 20_000, keys: 100, windowMs: 1000, slideMs: 250, checkpointMs: 20, rate: 100_000, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const TUMBLING_LOOP = 'tumbling, hand-written loop';
    const TUMBLING = 'tumbling count, engine';
    const SLIDING_LOOP = 'sliding, hand-written loop';
    const SLIDING = 'sliding sum, engine';
    const loops = { tumbling: handWritten(p, 'tumbling'), sliding: handWritten(p, 'sliding') };
    const subject = (label: string, kind: Kind, engineRun: boolean, run: () => WindowFacts | Promise<WindowFacts>) => ({
      label,
      run,
      verify: verifier(ctx, p, kind, label, () => loops[kind], engineRun),
    });
    const runs = await alternate(ctx, p, {
      tumblingLoop: subject(TUMBLING_LOOP, 'tumbling', false, () => handWritten(p, 'tumbling')),
      tumbling: subject(TUMBLING, 'tumbling', true, () => engine(p, 'tumbling', ctx)),
      slidingLoop: subject(SLIDING_LOOP, 'sliding', false, () => handWritten(p, 'sliding')),
      sliding: subject(SLIDING, 'sliding', true, () => engine(p, 'sliding', ctx)),
    });
    const rate = (r: readonly Run<WindowFacts>[]) => perSecond(p.events, r.map((x) => x.ms));
    const tumblingLoop = { label: 'the loop', values: rate(runs.tumblingLoop) };
    const slidingLoop = { label: 'the loop', values: rate(runs.slidingLoop) };
    const bytes = (r: readonly Run<WindowFacts>[]) => r.map((x) => x.facts.maxCheckpointBytes);
    const checkpoints = (r: readonly Run<WindowFacts>[]) => r.reduce((n, x) => n + x.facts.checkpoints, 0) / r.length;
    return {
      title: `windows: ${shortCount(p.events)} events over ${shortCount(p.keys)} keys, ${p.windowMs / 1000} s tumbling / ${p.windowMs / 1000} s every ${p.slideMs / 1000} s sliding, checkpoints every ${p.checkpointMs} ms`,
      figures: [
        figure(TUMBLING_LOOP, 'events/s', tumblingLoop.values),
        figure(TUMBLING, 'events/s', rate(runs.tumbling), tumblingLoop),
        figure(SLIDING_LOOP, 'events/s', slidingLoop.values),
        figure(SLIDING, 'events/s', rate(runs.sliding), slidingLoop),
        figure('tumbling, largest checkpoint', 'bytes', bytes(runs.tumbling)),
        figure('sliding, largest checkpoint', 'bytes', bytes(runs.sliding)),
      ],
      notes: [`checkpoints completed per engine run: tumbling ${checkpoints(runs.tumbling).toFixed(1)}, sliding ${checkpoints(runs.sliding).toFixed(1)}`],
    };
  },
});
