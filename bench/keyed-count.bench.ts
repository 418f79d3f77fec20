/**
 * Keyed count: N generated events over K keys, each event adding one to its key's count. The
 * same work several ways in the same rounds: a hand-written loop over a Map, a `node:stream`
 * pipeline as a Node user writes it (objectMode, one event per `push`), the engine in this
 * process at parallelism 1 and 2 (keyBy → KeyedProcessFunction with a ValueState per key, every
 * subtask on this thread), and the same job through `flink run` (keyed-count-job.ts) at
 * parallelism 1 on one thread and at parallelism 2 on two worker threads.
 *
 * Then a CPU-heavy keyed job (json-orders-data.ts): orders as JSON texts, parsed and priced in
 * a map, totals per customer in keyed state — several µs of work per record, checked on the
 * baseline — the same ways, against the same work in a plain loop.
 *
 * A run through `flink run` is timed from the first record its keyed operator took (the
 * earliest over its subtasks) to the end of that operator's input (the latest): the job's
 * processing, without starting the process, loading the job file or starting workers. That
 * start-up is its own figure: from the job's start (its record in flink.db) to the first record.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pipeline } from 'node:stream/promises';
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import type { KeyedStateBackend } from '../src/state/index.js';
import { runJob } from '../test/helpers/run-job.js';
import type { SubtaskFacts } from './keyed-count-job.js';
import { type OrderFacts, expectedOrderFacts, handWrittenOrders, orderTexts } from './json-orders-data.js';
import { engineOrders } from './json-orders.js';
import { type Event, generator } from './keyed-count-events.js';
import { type BenchContext, type BenchParams, type Figure, type Run, type Series, alternate, defineBench, figure, median, perSecond, shortCount } from './harness/index.js';

interface Params extends BenchParams {
  readonly events: number;
  readonly keys: number;
  /**
   * Events of the keyed count through `flink run`: more than in-process, since each of those
   * runs is a fresh process whose threads compile their code and grow their heaps within the
   * processing (see `sizes`).
   */
  readonly runEvents: number;
  /** Records of the CPU-heavy job (JSON orders), and its keys (customers). */
  readonly orders: number;
  readonly customers: number;
  /** The least work per order, in µs, the baseline must have spent for the figures to count as CPU-heavy. */
  readonly minMicrosPerOrder: number;
}


/** What a keyed count saw: enough to tell a right count from a wrong one. */
export interface CountFacts {
  readonly events: number;
  readonly keys: number;
  /** Σ count² over keys: differs when events went to the wrong key. */
  readonly sumOfSquares: number;
}


/** The counts a right keyed count ends with, worked out rather than measured. */
export function expectedCounts(events: number, keys: number): CountFacts {
  const q = Math.floor(events / keys);
  const r = events % keys;
  return { events, keys: Math.min(events, keys), sumOfSquares: r * (q + 1) ** 2 + (keys - r) * q ** 2 };
}

function factsOf(counts: Map<number, number>): CountFacts {
  let events = 0;
  let sumOfSquares = 0;
  for (const c of counts.values()) {
    events += c;
    sumOfSquares += c * c;
  }
  return { events, keys: counts.size, sumOfSquares };
}

/** The bench's loop baseline (also run by bench/experiments/keyed-count-parts.ts). */
export function handWritten(p: Pick<Params, 'events' | 'keys'>): CountFacts {
  const generate = generator(p.keys);
  const counts = new Map<number, number>();
  for (let i = 0; i < p.events; i++) {
    const e = generate(i);
    counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return factsOf(counts);
}

/** The bench's node:stream baseline: objectMode, one event per `push`, as a Node user writes it. */
export async function nodeStream(p: Pick<Params, 'events' | 'keys'>): Promise<CountFacts> {
  const generate = generator(p.keys);
  const counts = new Map<number, number>();
  let i = 0;
  await pipeline(
    new Readable({
      objectMode: true,
      read() {
        this.push(i < p.events ? generate(i++) : null);
      },
    }),
    new Writable({
      objectMode: true,
      write(e: Event, _encoding, done) {
        counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
        done();
      },
    }),
  );
  return factsOf(counts);
}

/** Summed over the subtasks of one engine run (reset before each). */
let engineFacts = { events: 0, keys: 0, sumOfSquares: 0 };

const COUNT = new ValueStateDescriptor<number>('count', 0);

/**
 * The engine's keyed count: one ValueState read and write per event, as the baselines do one
 * Map read and write. Like them, it reads its counts once at the end — each subtask's whole
 * keyed state when its input has ended — rather than keeping tallies per event (three counters
 * a record cost the engine about 3% that the baselines did not pay). Flink's API has no way for
 * a KeyedProcessFunction to visit every key, so this reaches the subtask's state backend behind
 * its runtime context (Flink's applyToAllKeys; internal, bench only): renamed, it fails the
 * bench rather than passing it.
 */
class Count extends KeyedProcessFunction<number, Event, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(COUNT);
  }
  processElement(): void {
    this.count.update(this.count.value()! + 1);
  }
  override close(): void {
    const { keyedBackend } = this.getRuntimeContext() as unknown as { keyedBackend: KeyedStateBackend };
    keyedBackend.applyToAllKeys(COUNT, (_key, state) => {
      const c = (state as ValueState<number>).value()!;
      engineFacts.events += c;
      engineFacts.keys++;
      engineFacts.sumOfSquares += c * c;
    });
  }
}

async function engine(p: Params, parallelism: number): Promise<CountFacts> {
  engineFacts = { events: 0, keys: 0, sumOfSquares: 0 };
  await runJob(
    (env) => {
      // As every bench job: object reuse on (records handed on, not copied; see the README's "Object reuse").
      env.getConfig().enableObjectReuse();
      env
        .fromSource(new DataGeneratorSource(generator(p.keys), p.events), WatermarkStrategy.noWatermarks(), 'events')
        .keyBy((e) => e.key)
        .process(new Count())
        .addSink(() => {});
    },
    { parallelism },
  );
  return engineFacts;
}

function verifier(ctx: BenchContext, p: Params, label: string, events = p.events): (f: CountFacts) => void {
  const want = expectedCounts(events, p.keys);
  return (f) => {
    ctx.check.equal(f.events, want.events, `events counted by ${label}`);
    ctx.check.equal(f.keys, want.keys, `keys counted by ${label}`);
    ctx.check.equal(f.sumOfSquares, want.sumOfSquares, `Σ count² by ${label}`);
  };
}

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** One run of keyed-count-job.ts through `flink run`: what its keyed subtasks counted, where, and when. */
export interface JobFileRun<F> {
  readonly facts: F;
  /** How many keyed subtasks reported, and how many of them ran on a worker thread. */
  readonly subtasks: number;
  readonly onWorkers: number;
  /** Keyed subtasks that took no record (their times would say nothing). */
  readonly idle: number;
  /** From the first record the keyed operator took to the end of its input. */
  readonly processingMs: number;
  /** From the job's start to the first record the keyed operator took. */
  readonly startupMs: number;
  /**
   * CPU time of the whole process (all threads) over the processing, as the subtask that took
   * records longest saw it: what the run would take on free cores, whatever else the machine ran.
   */
  readonly processCpuMs: number;
}

/** How to start a `flink run` of keyed-count-job.ts's `kind` job in `home` (its facts go to `<home>/facts`): the arguments to node, and the options. */
export function jobFileCommand(kind: 'count' | 'orders', records: number, keys: number, p: number, slots: number, home: string): { args: string[]; options: { env: NodeJS.ProcessEnv; cwd: string } } {
  return {
    args: [join(REPO, 'bin/flink'), 'run', '-p', String(p), '-D', `taskmanager.numberOfTaskSlots=${slots}`, join(REPO, 'bench/keyed-count-job.ts'), kind, String(records), String(keys), join(home, 'facts')],
    options: { env: { ...process.env, FLINK_TS_HOME: home }, cwd: REPO },
  };
}

/** Runs the `kind` job of keyed-count-job.ts at parallelism `p` on `slots` task slots (1 = this thread). */
export function runJobFile<F>(kind: 'count' | 'orders', records: number, keys: number, p: number, slots: number): JobFileRun<F> {
  const home = mkdtempSync(join(tmpdir(), 'flink-ts-bench-keyed-'));
  const factsDir = join(home, 'facts');
  mkdirSync(factsDir);
  try {
    const { args, options } = jobFileCommand(kind, records, keys, p, slots, home);
    const r = spawnSync(process.execPath, args, { ...options, encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`flink run of the ${kind} job failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const db = new Database(join(home, 'flink.db'), { readonly: true });
    const { start_time: jobStart } = db.prepare('SELECT start_time FROM jobs').get() as { start_time: number };
    db.close();
    const subtasks = readdirSync(factsDir).map((f) => JSON.parse(readFileSync(join(factsDir, f), 'utf8')) as SubtaskFacts);
    const sums: Record<string, number> = {};
    for (const t of subtasks) for (const [k, v] of Object.entries(t.sums)) sums[k] = (sums[k] ?? 0) + v;
    // A subtask that took no record has no first-record time: its times would stretch the window to the epoch.
    const active = subtasks.filter((t) => t.firstRecordAt > 0);
    if (active.length === 0) throw new Error(`no keyed subtask of the ${kind} job took a record`);
    const first = Math.min(...active.map((t) => t.firstRecordAt));
    const longest = active.reduce((a, b) => (b.endAt - b.firstRecordAt > a.endAt - a.firstRecordAt ? b : a));
    return {
      processCpuMs: longest.processCpuMs,
      facts: sums as F,
      subtasks: subtasks.length,
      onWorkers: subtasks.filter((t) => t.onWorker).length,
      idle: subtasks.length - active.length,
      processingMs: Math.max(...active.map((t) => t.endAt)) - first,
      startupMs: first - jobStart,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** Checks a run through `flink run` counted right (by `verify`) and ran where its label says. */
function jobFileVerifier<F>(ctx: BenchContext, label: string, p: number, slots: number, verify: (f: F) => void): (r: JobFileRun<F>) => void {
  return (r) => {
    verify(r.facts);
    ctx.check.equal(r.subtasks, p, `keyed subtasks that reported in ${label}`);
    ctx.check.equal(r.onWorkers, slots > 1 ? p : 0, `keyed subtasks on worker threads in ${label}`);
    ctx.check.equal(r.idle, 0, `keyed subtasks that took no record in ${label}`);
  };
}

const RUN_P1 = 'flink run p=1';
const RUN_WORKERS = 'flink run p=2 on 2 workers';

/** The figures of the runs through `flink run`: rates over their processing, and their start-up. */
function jobFileFigures(prefix: string, unit: 'events/s' | 'orders/s', records: number, run1: readonly Run<JobFileRun<unknown>>[], workers: readonly Run<JobFileRun<unknown>>[], inProcess: Series): Figure[] {
  const rate = (r: readonly Run<JobFileRun<unknown>>[]) => perSecond(records, r.map((x) => x.facts.processingMs));
  const one = { label: `${prefix}${RUN_P1}`, values: rate(run1) };
  const startup = (r: readonly Run<JobFileRun<unknown>>[]) => r.map((x) => x.facts.startupMs);
  const oneStartup = { label: `${prefix}${RUN_P1}: start-up`, values: startup(run1) };
  const cpu = (r: readonly Run<JobFileRun<unknown>>[]) => r.map((x) => x.facts.processCpuMs);
  const oneCpu = { label: `${prefix}${RUN_P1}: CPU time over the processing`, values: cpu(run1) };
  return [
    figure(one.label, unit, one.values, inProcess),
    figure(`${prefix}${RUN_WORKERS}`, unit, rate(workers), one, inProcess),
    figure(oneCpu.label, 'ms', oneCpu.values),
    figure(`${prefix}${RUN_WORKERS}: CPU time over the processing`, 'ms', cpu(workers), oneCpu),
    figure(oneStartup.label, 'ms', oneStartup.values),
    figure(`${prefix}${RUN_WORKERS}: start-up`, 'ms', startup(workers), oneStartup),
  ];
}

export default defineBench<Params>({
  name: 'keyed-count',
  description:
    'events counted per key by the engine (keyBy → ValueState) in this process at parallelism 1 and 2 (one thread), and through `flink run` (bench/keyed-count-job.ts, over six times the events: each run is a fresh process that compiles its code within the processing) at parallelism 1 on one thread and at parallelism 2 on two worker threads, against a hand-written Map loop and a node:stream pipeline (objectMode, one event per push) doing the same count in the same rounds; then a CPU-heavy job (JSON orders parsed and priced, totals per customer in keyed state, ≥ 2 µs per record) the same ways against the same work in a loop. A `flink run` rate is over its processing: from the first record its keyed operator took to the end of that operator\'s input; its start-up (from the job\'s start to that first record: loading the job file in each worker, starting the workers) is a figure of its own, and so is the CPU time the whole process (all its threads) spent over the processing, which does not depend on what else the machine runs: with two free cores, p=2 on 2 workers would run about 2 × (p=1\'s CPU time ÷ its own) times as fast as p=1. Every run is checked: each key\'s count (or each customer\'s orders and total) summed over the subtasks, and for `flink run` where its subtasks ran.',
  sizes: {
    // 600k orders: a worker's run lasts seconds, not the JIT warm-up each worker pays on its own (on a quiet machine 200k gave 1.58× for p=2 on workers, 600k 1.60–1.70×).
    // 30M events through `flink run` for the same reason: 10M last about a second, of which each
    // worker's JIT warm-up is a fifth (p=2 on workers measured 0.89–0.97× p=1 over 10M, 1.02–1.04×
    // over 30M, ~1.10× over the 20M after the first 10M; in-process runs are warm after round 0).
    // 60M since: over 30M the three isolates' compilation still took a quarter of the window
    // (four alternating pairs, 2026-12-06: 0.90–0.99× over 30M, 1.02–1.10× over 60M).
    full: { events: 10_000_000, keys: 100_000, runEvents: 60_000_000, orders: 600_000, customers: 10_000, minMicrosPerOrder: 2, rounds: 5, warmups: 1 },
    smoke: { events: 20_000, keys: 1_000, runEvents: 30_000, orders: 2_000, customers: 100, minMicrosPerOrder: 0, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const LOOP = 'hand-written loop';
    const STREAM = 'node:stream';
    const P1 = 'engine p=1';
    const subject = (label: string, run: () => CountFacts | Promise<CountFacts>) => ({ label, run, verify: verifier(ctx, p, label) });
    const viaFile = (label: string, parallelism: number, slots: number) => ({
      label,
      run: () => runJobFile<CountFacts>('count', p.runEvents, p.keys, parallelism, slots),
      verify: jobFileVerifier(ctx, label, parallelism, slots, verifier(ctx, p, label, p.runEvents)),
    });
    const runs = await alternate(ctx, p, {
      loop: subject(LOOP, () => handWritten(p)),
      stream: subject(STREAM, () => nodeStream(p)),
      p1: subject(P1, () => engine(p, 1)),
      p2: subject('engine p=2', () => engine(p, 2)),
      run1: viaFile(RUN_P1, 1, 1),
      workers: viaFile(RUN_WORKERS, 2, 2),
    });
    const rate = (r: readonly Run<CountFacts>[]) => perSecond(p.events, r.map((x) => x.ms));
    const loop = { label: LOOP, values: rate(runs.loop) };
    const stream = { label: STREAM, values: rate(runs.stream) };
    const p1 = { label: P1, values: rate(runs.p1) };
    const json = await jsonOrders(p, ctx);
    return {
      title: `keyed count: ${shortCount(p.events)} events over ${shortCount(p.keys)} keys (${shortCount(p.runEvents)} through flink run); JSON orders: ${shortCount(p.orders)} over ${shortCount(p.customers)} customers`,
      figures: [
        figure(LOOP, 'events/s', loop.values),
        figure(STREAM, 'events/s', stream.values, loop),
        figure(P1, 'events/s', p1.values, loop, stream),
        figure('engine p=2', 'events/s', rate(runs.p2), loop, stream, p1),
        ...jobFileFigures('', 'events/s', p.runEvents, runs.run1, runs.workers, p1),
        ...json,
      ],
    };
  },
});

/** The CPU-heavy job's rounds and figures; checks the baseline did at least `minMicrosPerOrder` of work per order. */
async function jsonOrders(p: Params, ctx: BenchContext): Promise<Figure[]> {
  const LOOP = 'JSON orders: hand-written loop';
  const P1 = 'JSON orders: engine p=1';
  const texts = orderTexts(p.customers);
  const want = expectedOrderFacts(texts, p.orders);
  const verify = (label: string) => (f: OrderFacts) => {
    ctx.check.equal(f.orders, want.orders, `orders counted by ${label}`);
    ctx.check.equal(f.customers, want.customers, `customers seen by ${label}`);
    ctx.check.equal(f.cents, want.cents, `cents totalled by ${label}`);
    ctx.check.equal(f.weighted, want.weighted, `Σ orders × total by ${label}`);
  };
  const subject = (label: string, run: () => OrderFacts | Promise<OrderFacts>) => ({ label, run, verify: verify(label) });
  const viaFile = (label: string, parallelism: number, slots: number) => ({
    label,
    run: () => runJobFile<OrderFacts>('orders', p.orders, p.customers, parallelism, slots),
    verify: jobFileVerifier(ctx, label, parallelism, slots, verify(label)),
  });
  const runs = await alternate(ctx, p, {
    loop: subject(LOOP, () => handWrittenOrders(texts, p.orders)),
    p1: subject(P1, () => engineOrders(texts, p.orders, 1)),
    p2: subject('JSON orders: engine p=2', () => engineOrders(texts, p.orders, 2)),
    run1: viaFile(`JSON orders: ${RUN_P1}`, 1, 1),
    workers: viaFile(`JSON orders: ${RUN_WORKERS}`, 2, 2),
  });
  const micros = median(runs.loop.map((r) => (r.ms * 1000) / p.orders));
  ctx.check.atLeast(Math.round(micros * 100) / 100, p.minMicrosPerOrder, 'µs of work per order in the hand-written loop (median)');
  const rate = (r: readonly Run<OrderFacts>[]) => perSecond(p.orders, r.map((x) => x.ms));
  const loop = { label: LOOP, values: rate(runs.loop) };
  const p1 = { label: P1, values: rate(runs.p1) };
  return [
    figure(LOOP, 'orders/s', loop.values),
    figure(P1, 'orders/s', p1.values, loop),
    figure('JSON orders: engine p=2', 'orders/s', rate(runs.p2), loop, p1),
    ...jobFileFigures('JSON orders: ', 'orders/s', p.orders, runs.run1, runs.workers, p1),
  ];
}
