/**
 * Where the keyed count's time goes: the same events through a growing part of the work, each
 * part in a fresh process (its own JIT) pinned to one CPU, timed as user CPU per run. The median
 * and least of the runs after the first two are reported, and what each step adds per event:
 *
 *   generator      the bench's generator alone (its `% keys` goes through doubles)
 *   chained        source → map → sink in one task: no shuffle (V8 drops the event object)
 *   keyBy          source → keyBy → process without state: the shuffle's batch, the keyed task
 *   keyBy + state  the bench's engine p=1: a ValueState read and written per event
 *   …, reuse off   the same two engine parts with `pipeline.object-reuse` off, the default:
 *                  the chained job copies each event for its map and for its sink, the keyed
 *                  job into the keyBy's batch (the other parts run with it on, as the bench)
 *   loop           the bench's hand-written Map loop (its own function)
 *   node:stream    the bench's node:stream pipeline (ditto)
 *
 *   node --import tsx bench/experiments/keyed-count-parts.ts [events=10000000] [keys=100000] [runs=7]
 *
 * The README's per-record path quotes a run of it (10M events over 100k keys, medians: generator
 * 94 ms, chained 98, keyBy 279, keyBy + state 616, loop 516, node:stream 1,194, on the 2-vCPU
 * VM). Figures move with the host by 5–10% between minutes; compare parts within one run. The
 * bench's own figures are wall time, its subjects alternating in one process.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DataGeneratorSource, KeyedProcessFunction, type ValueState, ValueStateDescriptor, WatermarkStrategy } from '../../src/index.js';
import { runJob } from '../../test/helpers/run-job.js';
import { type Event, generator } from '../keyed-count-events.js';
import { handWritten, nodeStream } from '../keyed-count.bench.js';

const PARTS = ['generator', 'chained', 'keyBy', 'keyBy + state', 'loop', 'node:stream', 'chained, reuse off', 'keyBy + state, reuse off'] as const;
type Part = (typeof PARTS)[number];

let counted = 0;

class Count extends KeyedProcessFunction<number, Event, never> {
  private count!: ValueState<number>;
  constructor(private readonly withState: boolean) {
    super();
  }
  override open(): void {
    if (this.withState) this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(): void {
    if (this.withState) this.count.update(this.count.value()! + 1);
    counted++;
  }
}

/** Runs `part` over `events` events once; returns how many events it saw. */
async function runPart(part: Part, events: number, keys: number): Promise<number> {
  counted = 0;
  const generate = generator(keys);
  if (part === 'loop') return handWritten({ events, keys }).events;
  if (part === 'node:stream') return (await nodeStream({ events, keys })).events;
  if (part === 'generator') {
    let sum = 0;
    for (let i = 0; i < events; i++) {
      sum += generate(i).key;
      counted++;
    }
    if (sum < 0) throw new Error('unreachable: keys are not negative');
  } else {
    await runJob(
      (env) => {
        // As the bench runs it, but for the parts that measure the default.
        if (!part.endsWith('reuse off')) env.getConfig().enableObjectReuse();
        const source = env.fromSource(new DataGeneratorSource(generate, events), WatermarkStrategy.noWatermarks(), 'events');
        if (part.startsWith('chained')) {
          source
            .map((e) => {
              counted++;
              return e;
            })
            .addSink(() => {});
        } else {
          source
            .keyBy((e) => e.key)
            .process(new Count(part.startsWith('keyBy + state')))
            .addSink(() => {});
        }
      },
      { parallelism: 1 },
    );
  }
  return counted;
}

/** In a child process: `runs` runs of one part, each run's user CPU in ms, one per line. */
async function child(part: Part, events: number, keys: number, runs: number): Promise<void> {
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    const seen = await runPart(part, events, keys);
    const ms = process.cpuUsage(before).user / 1000;
    if (seen !== events) throw new Error(`${part} saw ${seen} events, not ${events}`);
    process.stdout.write(`${ms}\n`);
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function parent(events: number, keys: number, runs: number): void {
  const script = fileURLToPath(import.meta.url);
  const pin = spawnSync('taskset', ['--version']).status === 0;
  const medians = new Map<Part, number>();
  for (const part of PARTS) {
    const args = ['--import', 'tsx', script, '--part', part, String(events), String(keys), String(runs)];
    const r = pin ? spawnSync('taskset', ['-c', '0', process.execPath, ...args], { encoding: 'utf8' }) : spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${part} failed:\n${r.stderr}`);
    const times = r.stdout.trim().split('\n').map(Number);
    // The first two runs compile the code; node:stream's first run is often its fastest (later
    // runs collect the earlier runs' Maps), so the median, not the least, stands for a part.
    const settled = times.length > 2 ? times.slice(2) : times;
    medians.set(part, median(settled));
    console.log(`${part.padEnd(24)} median ${median(settled).toFixed(0).padStart(5)} ms, least ${Math.min(...settled).toFixed(0).padStart(5)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(' ')})`);
  }
  const perEvent = (a: Part, b: Part) => (((medians.get(a)! - medians.get(b)!) * 1e6) / events).toFixed(1);
  console.log(`the keyBy adds ${perEvent('keyBy', 'chained')} ns an event over the chained job; the state ${perEvent('keyBy + state', 'keyBy')} ns over the keyBy (medians)`);
  const engine = medians.get('keyBy + state')!;
  for (const part of ['chained', 'keyBy + state'] as const) {
    const off = medians.get(`${part}, reuse off`)!;
    const on = medians.get(part)!;
    console.log(`${part}: object reuse off adds ${perEvent(`${part}, reuse off`, part)} ns an event (${(off / on).toFixed(2)}× the time with it on)`);
  }
  console.log(`keyBy + state (the bench's engine p=1): ${(medians.get('node:stream')! / engine).toFixed(2)}× node:stream, ${(medians.get('loop')! / engine).toFixed(2)}× the loop, by median CPU time${pin ? ' (each process pinned to cpu0)' : ''}`);
}

const argv = process.argv.slice(2);
if (argv[0] === '--part') {
  const [, part, events, keys, runs] = argv;
  if (!PARTS.includes(part as Part)) throw new Error(`unknown part ${part}`);
  await child(part as Part, Number(events), Number(keys), Number(runs));
} else {
  const [events = 10_000_000, keys = 100_000, runs = 7] = argv.map(Number);
  parent(events, keys, runs);
}
