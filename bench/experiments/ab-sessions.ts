/**
 * Two builds of the engine compared on session windows, by the method of ab-builds.ts (one
 * process, each checkout's own `src/` and its own copy of this file's job, alternating rounds,
 * user CPU time per run): Nexmark q11, bids per bidder in event-time sessions of a 10 s gap with
 * an incremental count, run as the bench runs it (under a JobMaster, exactly-once checkpoints
 * every 10 s, parallelism 1), rows discarded into an order-free digest that must be the same
 * for both builds in every round. The job is jobs/nexmark/q11.ts's, written out here against this
 * checkout's `src/`: a job file imports 'flink-ts', which one process resolves to one engine.
 *
 *   node --import tsx bench/experiments/ab-sessions.ts <checkout A> <checkout B> [events=1000000] [backend=hashmap|lmdb] [rounds=10] [hot=4]
 *
 * `hot` is Nexmark's hotBiddersRatio: a bid is by the hot bidder with probability 1 − 1/hot, so
 * with the default 4 about three bids in four come from one bidder (who changes every hundred
 * people) and a bid's key is often the one before's; `hot=1` has no hot bidder, every bid's key
 * is drawn among the active people. Run it both ways round (see ab-builds.ts); the first two
 * rounds (compiling) are left out of the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Bid, type Collector, Duration, EventTimeSessionWindows, type NexmarkEvent, NexmarkSource, type TimeWindow, WatermarkStrategy } from '../../src/index.js';
import { capturePipeline } from '../../test/helpers/run-job.js';
import { runUnderJobMaster } from '../nexmark/job-runner.js';
import { RowDigest } from '../nexmark/row-digest.js';

interface Q11Row {
  bidder: number;
  bid_count: number;
  starttime: number;
  endtime: number;
}

/** q11 over `events` Nexmark events by this checkout's engine on `backend`; the digest of its rows. */
export async function sessions(events: number, backend: 'hashmap' | 'lmdb', hotBiddersRatio: number): Promise<string> {
  const digest = new RowDigest();
  const pipeline = capturePipeline((env) => {
    env
      .fromSource(new NexmarkSource({ count: events, hotBiddersRatio }), WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(Duration.ofSeconds(4)), 'nexmark')
      .flatMap((e: NexmarkEvent, out: Collector<Bid>) => {
        if (e.bid !== null) out.collect(e.bid);
      })
      .keyBy((b) => b.bidder)
      .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(10)))
      .aggregate(
        { createAccumulator: () => 0, add: (_b, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
        (bidder: number, w: TimeWindow, counts: Iterable<number>, out: Collector<Q11Row>) => {
          for (const n of counts) out.collect({ bidder, bid_count: n, starttime: w.start, endtime: w.end });
        },
      )
      .addSink((row: Q11Row) => digest.add(row));
  }, 'q11');
  const workDir = mkdtempSync(join(tmpdir(), 'ab-sessions-'));
  try {
    await runUnderJobMaster(pipeline, { backend, incremental: backend === 'lmdb', checkpointIntervalMs: 10_000, parallelism: 1, workDir });
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return digest.toString();
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(argv: readonly string[]): Promise<void> {
  const [a, b, eventsArg = '1000000', backend = 'hashmap', roundsArg = '10', hotArg = '4'] = argv;
  if (a === undefined || b === undefined || (backend !== 'hashmap' && backend !== 'lmdb')) {
    console.error('usage: node --import tsx bench/experiments/ab-sessions.ts <checkout A> <checkout B> [events] [hashmap|lmdb] [rounds] [hot]');
    process.exitCode = 1;
    return;
  }
  const events = Number(eventsArg);
  const rounds = Number(roundsArg);
  const hot = Number(hotArg);
  const checkouts = [resolve(a), resolve(b)];
  const builds = await Promise.all(
    checkouts.map(async (dir, i) => {
      const url = `${pathToFileURL(`${dir}/bench/experiments/ab-sessions.ts`).href}?build=${i}`;
      return ((await import(url)) as { sessions: typeof sessions }).sessions;
    }),
  );
  const times: number[][] = [[], []];
  let expected: string | undefined;
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 2; k++) {
      const which = (k + r) % 2; // A first in even rounds, B first in odd ones
      const before = process.cpuUsage();
      const digest = await builds[which]!(events, backend, hot);
      times[which]!.push(process.cpuUsage(before).user / 1000);
      expected ??= digest;
      if (digest !== expected) throw new Error(`${checkouts[which]} emitted rows ${digest}, not ${expected}`);
    }
  }
  const settled = times.map((t) => t.slice(2));
  const ratios = settled[0]!.map((x, i) => settled[1]![i]! / x);
  for (let i = 0; i < 2; i++) {
    console.log(`${'AB'[i]} ${checkouts[i]}: median ${median(settled[i]!).toFixed(0)} ms, least ${Math.min(...settled[i]!).toFixed(0)} ms  (runs: ${times[i]!.map((t) => t.toFixed(0)).join(' ')})`);
  }
  console.log(`B ÷ A per round: median ${median(ratios).toFixed(3)}, ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} (user CPU time, q11 over ${events.toLocaleString('en-US')} events on ${backend}, hotBiddersRatio ${hot}; rows ${expected})`);
}

// Run as a script, not when a build is imported by another checkout's copy of it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
