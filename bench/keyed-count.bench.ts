/**
 * Keyed count: N generated events over K keys, each event adding one to its key's count. The
 * same work three ways in the same rounds: a hand-written loop over a Map, a `node:stream`
 * pipeline as a Node user writes it (objectMode, one event per `push`), and the engine at
 * parallelism 1 and 2 (keyBy → KeyedProcessFunction with a ValueState per key).
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
import { type BenchContext, type BenchParams, type Run, alternate, defineBench, figure, perSecond } from './harness/index.js';

interface Params extends BenchParams {
  readonly events: number;
  readonly keys: number;
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
    'events counted per key by the engine (keyBy → ValueState) at parallelism 1 and 2, against a hand-written Map loop and a node:stream pipeline (objectMode, one event per push) doing the same count in the same rounds.',
  sizes: {
    full: { events: 10_000_000, keys: 100_000, rounds: 5, warmups: 1 },
    smoke: { events: 20_000, keys: 1_000, rounds: 1, warmups: 0 },
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
    return {
      title: `keyed count: ${millions(p.events)} events over ${millions(p.keys)} keys`,
      figures: [
        figure(LOOP, 'events/s', loop.values),
        figure(STREAM, 'events/s', stream.values, loop),
        figure(P1, 'events/s', p1.values, loop, stream),
        figure('engine p=2', 'events/s', rate(runs.p2), loop, stream, p1),
      ],
    };
  },
});
