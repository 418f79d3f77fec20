/**
 * Two builds of the engine compared in one process: the bench's keyed count (engine p=1, keyBy →
 * ValueState) run by each checkout's own code — its `src/` and its copy of this file's job — in
 * alternating rounds, user CPU time per run, and the ratio of the second build's time to the
 * first's in each round.
 *
 *   node --import tsx bench/experiments/ab-builds.ts <checkout A> <checkout B> [events=10000000] [keys=100000] [rounds=10]
 *
 * Why one process: this VM's speed moves by up to 2× within minutes, and memory-bound code (the
 * engine, node:stream) much more than the rest (an integer loop held within 3% while the columnar
 * encode went from 27 to 43 ns a record). Alternating whole processes compares different minutes;
 * alternating rounds in one process compares neighbouring seconds. Each build keeps its own job
 * class and generator (this file and the bench's events module, each loaded from its checkout):
 * one job class shared by both builds would see both builds' state objects at its call sites
 * and make them polymorphic.
 *
 * Two checkouts of the same commit measure the method's own spread: in a slow stretch of this
 * VM, median ratio 1.029, rounds 0.969–1.112 — so a difference under ~3% is not one. (The same
 * checkout given twice shares one engine between two copies of the job: a check of the script,
 * not a control.) Run it both ways round: the same pair of builds has given 1.085 one way and
 * 1 ÷ 1.004 the other, so one order alone can favour a build. The first two rounds (compiling)
 * are left out of the figures.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataGeneratorSource, KeyedProcessFunction, type ValueState, ValueStateDescriptor, WatermarkStrategy } from '../../src/index.js';
import { runJob } from '../../test/helpers/run-job.js';
import { type Event, generator } from '../keyed-count-events.js';
import { median } from '../harness/figures.js';


let counted = 0;

class Count extends KeyedProcessFunction<number, Event, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(): void {
    this.count.update(this.count.value()! + 1);
    counted++;
  }
}

/** The keyed count over `events` events and `keys` keys by this checkout's engine; how many events the function saw. */
export async function keyedCount(events: number, keys: number): Promise<number> {
  counted = 0;
  await runJob(
    (env) => {
      env
        .fromSource(new DataGeneratorSource(generator(keys), events), WatermarkStrategy.noWatermarks(), 'events')
        .keyBy((e) => e.key)
        .process(new Count())
        .addSink(() => {});
    },
    { parallelism: 1 },
  );
  return counted;
}

async function main(argv: readonly string[]): Promise<void> {
  const [a, b, ...rest] = argv;
  if (a === undefined || b === undefined) {
    console.error('usage: node --import tsx bench/experiments/ab-builds.ts <checkout A> <checkout B> [events] [keys] [rounds]');
    process.exitCode = 1;
    return;
  }
  const [events = 10_000_000, keys = 100_000, rounds = 10] = rest.map(Number);
  const checkouts = [resolve(a), resolve(b)];
  // The same checkout twice is one module (and one build); a query string makes it load twice.
  const builds = await Promise.all(
    checkouts.map(async (dir, i) => {
      const url = `${pathToFileURL(`${dir}/bench/experiments/ab-builds.ts`).href}?build=${i}`;
      return ((await import(url)) as { keyedCount: typeof keyedCount }).keyedCount;
    }),
  );
  const times: number[][] = [[], []];
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 2; k++) {
      const which = (k + r) % 2; // A first in even rounds, B first in odd ones
      const before = process.cpuUsage();
      const seen = await builds[which]!(events, keys);
      times[which]!.push(process.cpuUsage(before).user / 1000);
      if (seen !== events) throw new Error(`${checkouts[which]} counted ${seen} events, not ${events}`);
    }
  }
  const settled = times.map((t) => t.slice(2));
  const ratios = settled[0]!.map((x, i) => settled[1]![i]! / x);
  for (let i = 0; i < 2; i++) {
    console.log(`${'AB'[i]} ${checkouts[i]}: median ${median(settled[i]!).toFixed(0)} ms, least ${Math.min(...settled[i]!).toFixed(0)} ms  (runs: ${times[i]!.map((t) => t.toFixed(0)).join(' ')})`);
  }
  console.log(`B ÷ A per round: median ${median(ratios).toFixed(3)}, ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)} (user CPU time, ${events.toLocaleString('en-US')} events over ${keys.toLocaleString('en-US')} keys)`);
}

// Run as a script, not when a build is imported by another checkout's copy of it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
