/**
 * The job of bench/experiments/workers.ts: `events` generated events over `keys` keys, keyBy →
 * a count per key in ValueState; with `heavy`, each event is a JSON string parsed before the
 * keyBy and its fields summed per key (a few µs of work per record).
 *
 *   flink run [-p P] [-D taskmanager.numberOfTaskSlots=S] keyed-count-job.ts <events> <keys> light|heavy
 */
import { DataGeneratorSource, KeyedProcessFunction, StreamExecutionEnvironment, type ValueState, ValueStateDescriptor, WatermarkStrategy } from 'flink-ts';

const [eventsArg = '2000000', keysArg = '10000', kind = 'light'] = process.argv.slice(2);
const events = Number(eventsArg);
const keys = Number(keysArg);

interface Reading {
  readonly key: number;
  readonly amount: number;
}

class CountPerKey extends KeyedProcessFunction<number, Reading, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0));
  }
  processElement(r: Reading): void {
    this.count.update(this.count.value()! + r.amount);
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const source = env.fromSource(new DataGeneratorSource((i: number) => i, events), WatermarkStrategy.noWatermarks(), 'gen').uid('gen');
const readings =
  kind === 'heavy'
    ? source
        .map((i: number) => JSON.stringify({ key: (i * 7919) % keys, amount: 1, tags: ['a', 'b', 'c'], at: { s: i, ms: i % 1000 }, note: 'x'.repeat(40) }))
        .uid('render')
        .map((s: string) => {
          const o = JSON.parse(s) as { key: number; amount: number; tags: string[]; note: string };
          return { key: o.key, amount: o.amount + (o.tags.length + o.note.length) * 0 };
        })
        .uid('parse')
    : source.map((i: number): Reading => ({ key: (i * 7919) % keys, amount: 1 })).uid('event');
readings
  .keyBy((r: Reading) => r.key)
  .process(new CountPerKey())
  .uid('count');
await env.execute(`keyed-count-${kind}`);
