import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { type Collector, DataGeneratorSource, ProcessFunction, type StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.js';
import { type ChannelSettings, JobExecution, type TaskMetricsReading } from '../../src/runtime/index.js';
import { TaskIOMetrics } from '../../src/runtime/metrics/io-metrics.js';
import { systemClock } from '../../src/util/clock.js';
import { capturePipeline } from '../helpers/run-job.js';

/** Runs the job to its end; returns what every task's metrics read then. */
async function runAndRead(
  build: (env: StreamExecutionEnvironment) => void,
  parallelism = 1,
  channels?: Partial<ChannelSettings>,
): Promise<TaskMetricsReading[]> {
  const pipeline = capturePipeline(build);
  const execution = new JobExecution({ jobId: 'io', jobGraph: compilePipeline(pipeline, { parallelism }), clock: systemClock, channels });
  await execution.run();
  return execution.readMetrics();
}

const op = (r: TaskMetricsReading, name: string) => {
  const found = r.operators.find((o) => o.name === name);
  assert.ok(found, `no operator ${name} in ${r.operators.map((o) => o.name).join(', ')}`);
  return found;
};
/** Per named operator of the task: `[numRecordsIn, numRecordsOut, sink]`. */
const counts = (r: TaskMetricsReading, ...names: string[]) =>
  Object.fromEntries(names.map((name) => [name, [op(r, name).numRecordsIn, op(r, name).numRecordsOut, op(r, name).sink]]));

test('records in and out are counted per operator along chains and per task at shuffles', async () => {
  const readings = await runAndRead((env) => {
    env
      .fromSequence(1, 1000)
      .map((i) => i * 2)
      .name('double')
      .filter((i) => i % 4 === 0)
      .name('quarter')
      .keyBy((i) => i % 7)
      .process({ processElement: (v: number, _ctx: unknown, out: { collect(x: number): void }) => out.collect(v) } as never)
      .name('pass')
      .addSink(() => {})
      .name('sink');
  });
  assert.equal(readings.length, 2);
  const [source, keyed] = readings as [TaskMetricsReading, TaskMetricsReading];
  assert.equal(source.source, true);
  assert.equal(source.numRecordsIn, 1000, 'a source task reads what its source emitted (FLIP-33)');
  assert.equal(source.numRecordsOut, 500, 'what its writer sent downstream');
  assert.deepEqual(counts(source, 'double', 'quarter'), { double: [1000, 1000, false], quarter: [1000, 500, false] });
  assert.equal(keyed.source, false);
  assert.equal(keyed.numRecordsIn, 500);
  assert.equal(keyed.numRecordsOut, 0, 'the chain ends in a sink: nothing leaves the task');
  // A sink shows as "Sink: <its name>", as in Flink.
  assert.deepEqual(counts(keyed, 'pass', 'Sink: sink'), { pass: [500, 500, false], 'Sink: sink': [500, 0, true] });
  // No watermark strategy, yet the input ended with the maximum watermark (as in Flink).
  assert.equal(keyed.currentInputWatermark, Number.MAX_SAFE_INTEGER, 'the end of input is the maximum watermark');
  assert.equal(source.currentInputWatermark, undefined, 'a source task has no input watermark');
});

class Positive extends ProcessFunction<number, number> {
  processElement(v: number, _ctx: unknown, out: Collector<number>): void {
    if (v > 0) out.collect(v);
  }
}

test('every kind of operator counts what it takes in, so each chained one shows its records', async () => {
  const readings = await runAndRead((env) => {
    env
      .fromSequence(1, 100)
      .flatMap((i: number) => [i, -i])
      .name('twice')
      .process(new Positive())
      .name('positive')
      .keyBy((i: number) => i % 3)
      .reduce((a: number, b: number) => a + b)
      .name('sum')
      .filter(() => true)
      .name('all')
      .addSink(() => {})
      .name('sink');
  });
  const [source, keyed] = readings as [TaskMetricsReading, TaskMetricsReading];
  // The source emitted 100; flatMap doubled them; the process kept the positive half.
  assert.deepEqual(
    source.operators.map((o) => [o.numRecordsIn, o.numRecordsOut]),
    [
      [100, 100],
      [100, 200],
      [200, 100],
    ],
  );
  assert.deepEqual(source.operators.slice(1).map((o) => o.name), ['twice', 'positive']);
  assert.deepEqual(
    keyed.operators.map((o) => [o.name, o.numRecordsIn, o.numRecordsOut]),
    [
      ['sum', 100, 100],
      ['all', 100, 100],
      ['Sink: sink', 100, 0],
    ],
  );
});

test('each parallel subtask counts its own records', async () => {
  const readings = await runAndRead((env) => {
    env.fromSequence(1, 900).rebalance().map((i) => i).addSink(() => {});
  }, 3);
  const mapTasks = readings.filter((r) => !r.source);
  assert.equal(mapTasks.length, 3);
  assert.equal(mapTasks.reduce((n, r) => n + r.numRecordsIn, 0), 900);
  assert.deepEqual(new Set(mapTasks.map((r) => r.subtask)), new Set([0, 1, 2]));
});

test('a task whose output channels are full is back-pressured, and the time is counted', async () => {
  const readings = await runAndRead((env) => {
    env
      .fromSource(new DataGeneratorSource((i) => i, 100_000), WatermarkStrategy.noWatermarks(), 'fast')
      .keyBy((i) => i % 4)
      .addSink(() => {});
    // One source step emits 16 batches of 64, filling the channel; the sink takes one per step.
  }, 1, { batchSize: 64, channelCapacity: 16 });
  const source = readings.find((r) => r.source)!;
  assert.ok(source.backPressuredMs > 0, `back-pressured ${source.backPressuredMs} ms`);
  const sink = readings.find((r) => !r.source)!;
  assert.equal(sink.backPressuredMs, 0, 'a sink task has no output to be full');
});

test('back pressure is timed between its transitions and shows while it lasts', () => {
  const m = new TaskIOMetrics(0, 0, 0, false, () => 0, () => undefined);
  assert.equal(m.read().isBackPressured, false);
  m.backPressured();
  m.backPressured();
  assert.equal(m.read().isBackPressured, true);
  m.notBackPressured();
  const after = m.read();
  assert.equal(after.isBackPressured, false);
  const total = after.backPressuredMs;
  m.notBackPressured();
  assert.equal(m.read().backPressuredMs, total, 'time stops counting once the channels have room');
});

test('every operator with a collect (or, with two inputs, processElement1/2) counts what it takes in (a new operator must too)', () => {
  const dir = fileURLToPath(new URL('../../src/runtime/', import.meta.url));
  const missing: string[] = [];
  for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/^\s{2}(?:override\s+)?(?:collect|processElement[12])\([^)]*\)[^{]*\{\n(.*)\n/gm)) {
      if (!/extends \w*Operator\b/.test(text)) continue;
      // A two-input operator takes no records through collect: it refuses them.
      if (m[1]!.trim().startsWith('throw ')) continue;
      if (m[1]!.trim() !== 'this.numRecordsIn++;') missing.push(file);
    }
  }
  assert.deepEqual(missing, []);
});
