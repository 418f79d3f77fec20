/**
 * Two builds of the engine compared in one process: the bench's keyed count (engine p=1, keyBy →
 * ValueState, object reuse on, each subtask's counts read from its keyed state at its end: the
 * job `npm run bench -- keyed-count` times as "engine p=1") run by each checkout's own code — its
 * `src/` and its copy of this file's job — in alternating rounds, CPU time (user, and user +
 * system) and wall time per run, and the ratio of the second build's to the first's in each round.
 *
 *   node --import tsx bench/experiments/ab-builds.ts <checkout A> <checkout B> [events=10000000] [keys=100000] [rounds=10]
 *
 * Why one process: this VM's speed moves by up to 2× within minutes, and memory-bound code (the
 * engine, node:stream) much more than the rest (an integer loop held within 3% while the columnar
 * encode went from 27 to 43 ns a record). Alternating whole processes compares different minutes;
 * alternating rounds in one process compares neighbouring seconds. Each build keeps its own job
 * class and generator (this file and the bench's events module, each loaded from its checkout):
 * one job class shared by both builds would see both builds' state objects at its call sites
 * and make them polymorphic. A checkout whose copy of this file runs another job (before
 * {@link JOB} was set, it ran the count with object reuse off and a counter per record instead
 * of the read at the end) is refused: copy this file into it first.
 *
 * Two checkouts of the same commit measure the method's own spread: in a slow stretch of this
 * VM, median ratio 1.029, rounds 0.969–1.112 — so a difference under ~3% is not one. (The same
 * checkout given twice shares one engine between two copies of the job: a check of the script,
 * not a control.) Run it both ways round: the same pair of builds has given 1.085 one way and
 * 1 ÷ 1.004 the other, so one order alone can favour a build. The first two rounds (compiling)
 * are left out of the figures. The bench's figures are wall time: a run's system time (page
 * faults of fresh memory: ~10 µs a page on this VM) counts there too.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataGeneratorSource, KeyedProcessFunction, type ValueState, ValueStateDescriptor, WatermarkStrategy } from '../../src/index.js';
import type { KeyedStateBackend } from '../../src/state/index.js';
import { runJob } from '../../test/helpers/run-job.js';
import { type Event, generator } from '../keyed-count-events.js';
import { median } from '../harness/figures.js';


/** What this file's job is: a checkout whose copy says otherwise (or nothing) is refused. */
export const JOB = 'keyed-count engine p=1, object reuse on, counts read at the end';

const COUNT = new ValueStateDescriptor<number>('count', 0);

/** What one run counted, over its subtasks: events and keys. */
let counted = { events: 0, keys: 0 };

/** The bench's Count (keyed-count.bench.ts): one read and write per event, the counts read once at the end. */
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
      counted.events += (state as ValueState<number>).value()!;
      counted.keys++;
    });
  }
}

/** The keyed count over `events` events and `keys` keys by this checkout's engine, as the bench runs it; what it counted. */
export async function keyedCount(events: number, keys: number): Promise<{ events: number; keys: number }> {
  counted = { events: 0, keys: 0 };
  await runJob(
    (env) => {
      env.getConfig().enableObjectReuse();
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
  const modules = await Promise.all(
    checkouts.map(async (dir, i) => {
      const url = `${pathToFileURL(`${dir}/bench/experiments/ab-builds.ts`).href}?build=${i}`;
      return (await import(url)) as { JOB?: string; keyedCount: typeof keyedCount };
    }),
  );
  const other = checkouts.find((_, i) => modules[i]!.JOB !== JOB);
  if (other !== undefined) {
    console.error(`${other}'s bench/experiments/ab-builds.ts runs another job than this one: copy this file there first.`);
    process.exitCode = 1;
    return;
  }
  const builds = modules.map((m) => m.keyedCount);
  const measures = ['user CPU', 'user + system CPU', 'wall'] as const;
  const times = measures.map((): number[][] => [[], []]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < 2; k++) {
      const which = (k + r) % 2; // A first in even rounds, B first in odd ones
      const before = process.cpuUsage();
      const start = performance.now();
      const seen = await builds[which]!(events, keys);
      const wall = performance.now() - start;
      const cpu = process.cpuUsage(before);
      [cpu.user / 1000, (cpu.user + cpu.system) / 1000, wall].forEach((t, m) => times[m]![which]!.push(t));
      if (seen.events !== events || seen.keys !== Math.min(events, keys)) throw new Error(`${checkouts[which]} counted ${seen.events} events over ${seen.keys} keys, not ${events} over ${Math.min(events, keys)}`);
    }
  }
  for (let i = 0; i < 2; i++) console.log(`${'AB'[i]} ${checkouts[i]}: user CPU per run ${times[0]![i]!.map((t) => t.toFixed(0)).join(' ')} ms`);
  measures.forEach((name, m) => {
    const settled = times[m]!.map((t) => t.slice(2));
    const ratios = settled[0]!.map((x, i) => settled[1]![i]! / x);
    console.log(`${name}: A median ${median(settled[0]!).toFixed(0)} ms (least ${Math.min(...settled[0]!).toFixed(0)}), B median ${median(settled[1]!).toFixed(0)} ms (least ${Math.min(...settled[1]!).toFixed(0)}); B ÷ A per round: median ${median(ratios).toFixed(3)}, ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`);
  });
  console.log(`(${events.toLocaleString('en-US')} events over ${keys.toLocaleString('en-US')} keys, ${rounds} rounds, the first two left out)`);
}

// Run as a script, not when a build is imported by another checkout's copy of it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main(process.argv.slice(2));
