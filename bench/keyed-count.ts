/**
 * Keyed count: N generated events over K keys, each event adding one to its key's count.
 * The same work four ways: a hand-written loop over a Map (the baseline), a node:stream
 * pipeline, and the engine at parallelism 1 and 2 (keyBy → KeyedProcessFunction with a
 * ValueState per key).
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
import { measure, report } from './harness.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 10_000_000);
const KEYS = 100_000;

interface Event {
  readonly key: number;
  readonly amount: number;
}

const generate = (i: number): Event => ({ key: (i * 7919) % KEYS, amount: i & 7 });

function handWritten(): void {
  const counts = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    const e = generate(i);
    counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
  }
  if (counts.size !== KEYS) throw new Error('hand-written loop miscounted');
}

async function nodeStreams(): Promise<void> {
  let i = 0;
  const counts = new Map<number, number>();
  await pipeline(
    new Readable({
      objectMode: true,
      highWaterMark: 1024,
      read() {
        for (let n = 0; n < 1024 && i < EVENTS; n++) this.push(generate(i++));
        if (i >= EVENTS) this.push(null);
      },
    }),
    new Writable({
      objectMode: true,
      highWaterMark: 1024,
      write(e: Event, _enc, done) {
        counts.set(e.key, (counts.get(e.key) ?? 0) + 1);
        done();
      },
    }),
  );
  if (counts.size !== KEYS) throw new Error('node:stream pipeline miscounted');
}

let engineTotal = 0;

class Count extends KeyedProcessFunction<number, Event, never> {
  private count!: ValueState<number>;
  private seen = 0;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(): void {
    this.count.update(this.count.value()! + 1);
    this.seen++;
  }
  override close(): void {
    engineTotal += this.seen;
  }
}

async function engine(parallelism: number): Promise<void> {
  engineTotal = 0;
  await runJob(
    (env) => {
      env
        .fromSource(new DataGeneratorSource(generate, EVENTS), WatermarkStrategy.noWatermarks(), 'events')
        .keyBy((e) => e.key)
        .process(new Count())
        .addSink(() => {});
    },
    { parallelism },
  );
  if (engineTotal !== EVENTS) throw new Error(`engine counted ${engineTotal} of ${EVENTS}`);
}

export async function keyedCountBench(): Promise<void> {
  const baseline = await measure('hand-written loop', EVENTS, handWritten);
  const others = [
    await measure('engine p=1', EVENTS, () => engine(1)),
    await measure('engine p=2', EVENTS, () => engine(2)),
    await measure('node:stream pipeline', EVENTS, nodeStreams, 1),
  ];
  report(`keyed count: ${EVENTS / 1e6}M events, ${KEYS / 1000}k keys (best of 3 after warm-up)`, baseline, others);
}
