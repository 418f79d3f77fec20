/**
 * An interval join of two streams of N generated events each (1 ms of event time apart, over K
 * keys), `a.keyBy(k).intervalJoin(b.keyBy(k)).between(lower, upper)` at parallelism 1, against a
 * hand-written join loop doing the same join (both streams merged in time order, a buffer of
 * recent timestamps per key and side, dropped as time passes) in the same rounds.
 *
 * Checked every run: the engine's pairs are the loop's (as many, the same checksum over both
 * timestamps of every pair), and the loop's count is the one worked out from the generators.
 * The engine runs with `pipeline.auto-watermark-interval` 20 ms: the join keeps each element
 * until the watermark passes it, and iterates the other side's buffer of its key per element
 * (as Flink's IntervalJoinOperator), so a lagging watermark costs time here.
 */
import { type Collector, DataGeneratorSource, Duration, ProcessJoinFunction, type ProcessJoinContext, WatermarkStrategy } from '../src/index.js';
import { runJob } from '../test/helpers/run-job.js';
import { type BenchContext, type BenchParams, type Run, alternate, defineBench, figure, perSecond, shortCount } from './harness/index.js';

interface Params extends BenchParams {
  /** Events per stream. */
  readonly events: number;
  readonly keys: number;
  readonly lowerMs: number;
  readonly upperMs: number;
  /** `pipeline.auto-watermark-interval`: how far the watermark lags, so how much each key buffers. */
  readonly watermarkIntervalMs: number;
}

interface Event {
  readonly key: number;
  readonly time: number;
}

/** What a join produced: enough to tell a right join from a wrong one. */
interface JoinFacts {
  pairs: number;
  /** Σ over pairs of leftTime × 3 + rightTime. */
  checksum: number;
}

// 7919 and 104729 are primes: i → key visits every key once per `keys` consecutive events on each side.
const left = (keys: number) => (i: number): Event => ({ key: (i * 7919) % keys, time: i });
const right = (keys: number) => (i: number): Event => ({ key: (i * 104729) % keys, time: i });

/**
 * The join by hand: both streams merged in time order (left first on ties); per key and side a
 * buffer of timestamps, oldest first. A left element at t meets the right ones in
 * [t + lower, t + upper] already buffered; a right one at t the left ones in [t − upper, t − lower]
 * (the rest meet it later from their own side). Buffers drop what no later element can reach.
 */
function handWritten(p: Params): JoinFacts {
  const genL = left(p.keys);
  const genR = right(p.keys);
  const lefts: number[][] = Array.from({ length: p.keys }, () => []);
  const rights: number[][] = Array.from({ length: p.keys }, () => []);
  const facts: JoinFacts = { pairs: 0, checksum: 0 };
  const keep = Math.max(Math.abs(p.lowerMs), Math.abs(p.upperMs));
  for (let i = 0; i < p.events; i++) {
    for (const side of [0, 1]) {
      const e = side === 0 ? genL(i) : genR(i);
      const ours = side === 0 ? lefts[e.key]! : rights[e.key]!;
      const other = side === 0 ? rights[e.key]! : lefts[e.key]!;
      const from = side === 0 ? e.time + p.lowerMs : e.time - p.upperMs;
      const to = side === 0 ? e.time + p.upperMs : e.time - p.lowerMs;
      for (const t of other) {
        if (t < from || t > to) continue;
        facts.pairs++;
        facts.checksum += side === 0 ? e.time * 3 + t : t * 3 + e.time;
      }
      ours.push(e.time);
      while (ours.length > 0 && ours[0]! < e.time - keep) ours.shift();
    }
  }
  return facts;
}

/** Summed in the join function of one engine run (reset before each). */
let engineFacts: JoinFacts = { pairs: 0, checksum: 0 };

class CountPairs extends ProcessJoinFunction<Event, Event, never> {
  processElement(_l: Event, _r: Event, ctx: ProcessJoinContext, _out: Collector<never>): void {
    engineFacts.pairs++;
    engineFacts.checksum += ctx.getLeftTimestamp() * 3 + ctx.getRightTimestamp();
  }
}

async function engine(p: Params): Promise<JoinFacts> {
  engineFacts = { pairs: 0, checksum: 0 };
  await runJob(
    (env) => {
      env.getConfig().setAutoWatermarkInterval(p.watermarkIntervalMs);
      // As every bench job: object reuse on (records handed on, not copied; see the README's "Object reuse").
      env.getConfig().enableObjectReuse();
      const stream = (name: string, gen: (i: number) => Event) =>
        env
          .fromSource(new DataGeneratorSource(gen, p.events), WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.time), name)
          .uid(name)
          .keyBy((e) => e.key);
      stream('left', left(p.keys))
        .intervalJoin(stream('right', right(p.keys)))
        .between(Duration.ofMillis(p.lowerMs), Duration.ofMillis(p.upperMs))
        .process(new CountPairs())
        .uid('join')
        .addSink(() => {});
    },
    { parallelism: 1 },
  );
  return engineFacts;
}

/** Pairs worked out from the generators alone (a check of the loop itself). */
function expectedPairs(p: Params): number {
  const genR = right(p.keys);
  const byKey: number[][] = Array.from({ length: p.keys }, () => []);
  for (let j = 0; j < p.events; j++) byKey[genR(j).key]!.push(j);
  const genL = left(p.keys);
  let n = 0;
  for (let i = 0; i < p.events; i++) {
    const times = byKey[genL(i).key]!;
    // Right times of the key are ascending: count those in [i + lower, i + upper] by binary search.
    n += upperIndex(times, i + p.upperMs) - upperIndex(times, i + p.lowerMs - 1);
  }
  return n;
}

/** The number of elements of ascending `a` that are ≤ `x`. */
function upperIndex(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export default defineBench<Params>({
  name: 'joins',
  description: 'an interval join of two generated streams (between(lower, upper), parallelism 1), against a hand-written join loop doing the same join in the same rounds; the pairs are checked against the loop.',
  sizes: {
    full: { events: 5_000_000, keys: 1000, lowerMs: -1000, upperMs: 1000, watermarkIntervalMs: 20, rounds: 3, warmups: 0 },
    smoke: { events: 20_000, keys: 100, lowerMs: -100, upperMs: 100, watermarkIntervalMs: 20, rounds: 1, warmups: 0 },
  },
  async run(p, ctx: BenchContext) {
    const LOOP = 'interval join, hand-written loop';
    const ENGINE = 'interval join, engine';
    const reference = handWritten(p);
    ctx.check.equal(reference.pairs, expectedPairs(p), 'pairs of the loop worked out from the generators');
    const verify = (label: string) => (f: JoinFacts) => {
      ctx.check.equal(f.pairs, reference.pairs, `pairs of ${label}`);
      ctx.check.equal(f.checksum, reference.checksum, `checksum over both timestamps of every pair of ${label}`);
    };
    const runs = await alternate(ctx, p, {
      loop: { label: LOOP, run: () => handWritten(p), verify: verify(LOOP) },
      engine: { label: ENGINE, run: () => engine(p), verify: verify(ENGINE) },
    });
    const rate = (r: readonly Run<JoinFacts>[]) => perSecond(2 * p.events, r.map((x) => x.ms));
    const loop = { label: 'the loop', values: rate(runs.loop) };
    return {
      title: `joins: interval join of two streams of ${shortCount(p.events)} events over ${shortCount(p.keys)} keys, between(${p.lowerMs} ms, ${p.upperMs} ms)`,
      figures: [figure(LOOP, 'events/s', loop.values), figure(ENGINE, 'events/s', rate(runs.engine), loop)],
      notes: [`pairs joined per run: ${reference.pairs.toLocaleString('en-US')}`],
    };
  },
});
