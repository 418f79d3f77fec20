import { compilePipeline } from '../src/cluster/compile-pipeline.js';
import { type AggregateFunction, type Collector, DataGeneratorSource, Duration, SlidingEventTimeWindows, type TimeWindow, TumblingEventTimeWindows, WatermarkStrategy } from '../src/index.js';
import { JobExecution } from '../src/runtime/index.js';
import { systemClock } from '../src/util/clock.js';
import { capturePipeline } from '../test/helpers/run-job.js';
interface Event { readonly key: number; readonly amount: number; readonly time: number }
const N = Number(process.argv[2] ?? 10_000_000);
const kind = process.argv[3] ?? 'tumbling';
const keys = 1000;
const generator = (i: number): Event => ({ key: (i * 7919) % keys, amount: i & 7, time: i });
const count: AggregateFunction<Event, number, number> = { createAccumulator: () => 0, add: (_e, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };
let results = 0, total = 0;
async function once() {
  const pipeline = capturePipeline((env) => {
    const keyed = env.fromSource(new DataGeneratorSource(generator, N, {}), WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.time), 'events').uid('events').keyBy((e) => e.key);
    if (kind === 'none') { keyed.filter(() => false).addSink(() => {}); return; }
    if (kind === 'nokey') { env.fromSource(new DataGeneratorSource(generator, N, {}), WatermarkStrategy.forMonotonousTimestamps<Event>().withTimestampAssigner((e) => e.time), 'events2').filter(() => false).addSink(() => {}); return; }
    const w = kind === 'tumbling' ? keyed.window(TumblingEventTimeWindows.of(Duration.ofMillis(Number(process.env.WIN ?? 60000)))) : keyed.window(SlidingEventTimeWindows.of(Duration.ofMillis(60000), Duration.ofMillis(10000)));
    w.aggregate(count, (key: number, win: TimeWindow, values: Iterable<number>, _o: Collector<never>) => { for (const v of values) { results++; total += v; } }).uid('windows').addSink(() => {}).uid('sink');
  }, 'prof');
  const jobGraph = compilePipeline(pipeline, { parallelism: 1 });
  const execution = new JobExecution({ jobId: 'bench', jobGraph, clock: systemClock });
  const t0 = performance.now(); const c0 = process.cpuUsage();
  await execution.run();
  return process.env.CPU ? process.cpuUsage(c0).user / 1000 : performance.now() - t0;
}
const reps = Number(process.argv[4] ?? 3);
for (let r = 0; r < reps; r++) { const ms = await once(); console.log(`${kind}: ${(N / ms / 1000).toFixed(2)} M ev/s (${ms.toFixed(0)} ms) results=${results} total=${total}`); results = 0; total = 0; }
