/**
 * Keyed count: N generated events over K keys, each event adding one to its key's count. The
 * same work three ways in the same rounds: a hand-written loop over a Map, a `node:stream`
 * pipeline as a Node user writes it (objectMode, one event per `push`), and the engine at
 * parallelism 1 and 2 (keyBy → KeyedProcessFunction with a ValueState per key).
 *
 * Then a CPU-heavy keyed job (json-orders.ts): orders as JSON texts, parsed and priced in a
 * map, totals per customer in keyed state — several µs of work per record, checked on the
 * baseline — by the engine at parallelism 1 and 2 against the same work in a plain loop.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import { runJob } from '../test/helpers/run-job.js';
import { type OrderFacts, engineOrders, expectedOrderFacts, handWrittenOrders, orderTexts } from './json-orders.js';
import { type BenchContext, type BenchParams, type Figure, type Run, alternate, defineBench, figure, median, perSecond } from './harness/index.js';

interface Params extends BenchParams {
  readonly events: number;
  readonly keys: number;
  /** Records of the CPU-heavy job (JSON orders), and its keys (customers). */
  readonly orders: number;
  readonly customers: number;
  /** The least work per order, in µs, the baseline must have spent for the figures to count as CPU-heavy. */
  readonly minMicrosPerOrder: number;
}

interface Event {
  readonly key: number;
  readonly amount: number;
}

/** What a keyed count saw: enough to tell a right count from a wrong one. */
export interface CountFacts {
  readonly events: number;
  readonly keys: number;
  /** Σ count² over keys: differs when events went to the wrong key. */
  readonly sumOfSquares: number;
}

// 7919 is prime, so i → key visits every key once per `keys` consecutive events.
const generator = (keys: number) => (i: number): Event => ({ key: (i * 7919) % keys, amount: i & 7 });

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

function handWritten(p: Params): CountFacts {
  const generate = generator(p.keys);
  const counts = new Map<number, number>();
  for (let i = 0; i < p.events; i++) {
    const e = generate(i);
    counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  return factsOf(counts);
}

async function nodeStream(p: Params): Promise<CountFacts> {
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

class Count extends KeyedProcessFunction<number, Event, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(): void {
    const old = this.count.value()!;
    this.count.update(old + 1);
    engineFacts.events++;
    if (old === 0) engineFacts.keys++;
    engineFacts.sumOfSquares += 2 * old + 1;
  }
}

async function engine(p: Params, parallelism: number): Promise<CountFacts> {
  engineFacts = { events: 0, keys: 0, sumOfSquares: 0 };
  await runJob(
    (env) => {
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

function verifier(ctx: BenchContext, p: Params, label: string): (f: CountFacts) => void {
  const want = expectedCounts(p.events, p.keys);
  return (f) => {
    ctx.check.equal(f.events, want.events, `events counted by ${label}`);
    ctx.check.equal(f.keys, want.keys, `keys counted by ${label}`);
    ctx.check.equal(f.sumOfSquares, want.sumOfSquares, `Σ count² by ${label}`);
  };
}

const millions = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

export default defineBench<Params>({
  name: 'keyed-count',
  description:
    'events counted per key by the engine (keyBy → ValueState) at parallelism 1 and 2, against a hand-written Map loop and a node:stream pipeline (objectMode, one event per push) doing the same count in the same rounds; then a CPU-heavy job (JSON orders parsed and priced, totals per customer in keyed state, ≥ 2 µs per record) at parallelism 1 and 2 against the same work in a loop.',
  sizes: {
    full: { events: 10_000_000, keys: 100_000, orders: 200_000, customers: 10_000, minMicrosPerOrder: 2, rounds: 5, warmups: 1 },
    smoke: { events: 20_000, keys: 1_000, orders: 2_000, customers: 100, minMicrosPerOrder: 0, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const LOOP = 'hand-written loop';
    const STREAM = 'node:stream';
    const P1 = 'engine p=1';
    const subject = (label: string, run: () => CountFacts | Promise<CountFacts>) => ({ label, run, verify: verifier(ctx, p, label) });
    const runs = await alternate(ctx, p, {
      loop: subject(LOOP, () => handWritten(p)),
      stream: subject(STREAM, () => nodeStream(p)),
      p1: subject(P1, () => engine(p, 1)),
      p2: subject('engine p=2', () => engine(p, 2)),
    });
    const rate = (r: readonly Run<CountFacts>[]) => perSecond(p.events, r.map((x) => x.ms));
    const loop = { label: LOOP, values: rate(runs.loop) };
    const stream = { label: STREAM, values: rate(runs.stream) };
    const p1 = { label: P1, values: rate(runs.p1) };
    const json = await jsonOrders(p, ctx);
    return {
      title: `keyed count: ${millions(p.events)} events over ${millions(p.keys)} keys; JSON orders: ${millions(p.orders)} over ${millions(p.customers)} customers`,
      figures: [
        figure(LOOP, 'events/s', loop.values),
        figure(STREAM, 'events/s', stream.values, loop),
        figure(P1, 'events/s', p1.values, loop, stream),
        figure('engine p=2', 'events/s', rate(runs.p2), loop, stream, p1),
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
  const runs = await alternate(ctx, p, {
    loop: subject(LOOP, () => handWrittenOrders(texts, p.orders)),
    p1: subject(P1, () => engineOrders(texts, p.orders, 1)),
    p2: subject('JSON orders: engine p=2', () => engineOrders(texts, p.orders, 2)),
  });
  const micros = median(runs.loop.map((r) => (r.ms * 1000) / p.orders));
  ctx.check.atLeast(Math.round(micros * 100) / 100, p.minMicrosPerOrder, 'µs of work per order in the hand-written loop (median)');
  const rate = (r: readonly Run<OrderFacts>[]) => perSecond(p.orders, r.map((x) => x.ms));
  const loop = { label: LOOP, values: rate(runs.loop) };
  const p1 = { label: P1, values: rate(runs.p1) };
  return [figure(LOOP, 'orders/s', loop.values), figure(P1, 'orders/s', p1.values, loop), figure('JSON orders: engine p=2', 'orders/s', rate(runs.p2), loop, p1)];
}
