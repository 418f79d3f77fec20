/**
 * The keyed-count bench's two jobs as a job file, for runs through `flink run` — on worker
 * threads, whose workers import the job file (an in-process job has no file to import):
 *
 *   flink run -p P [-D taskmanager.numberOfTaskSlots=S] bench/keyed-count-job.ts count <events> <keys> <factsDir>
 *   flink run -p P [-D taskmanager.numberOfTaskSlots=S] bench/keyed-count-job.ts orders <orders> <customers> <factsDir>
 *
 * `count`: event i = { key: (i · 7919) mod keys, amount } → keyBy(key) → a count per key in
 * ValueState (as keyed-count.bench.ts in-process). `orders`: the JSON orders of
 * json-orders-data.ts → map(parse and price) → keyBy(customer) → orders and total per customer.
 *
 * When its input ends, each keyed subtask writes `<factsDir>/<subtask>.json`: what it counted
 * (for the bench to check against the worked-out figures), whether it ran on a worker thread,
 * when (epoch ms) it took its first record and when its input ended, and the CPU time the whole
 * process spent in between.
 */
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { DataGeneratorSource, KeyedProcessFunction, StreamExecutionEnvironment, type ValueState, ValueStateDescriptor, WatermarkStrategy } from 'flink-ts';
import { type Priced, customerOf, orderTexts, price } from './json-orders-data.js';
import { type Event, generator } from './keyed-count-events.js';

/** What one keyed subtask writes: the sums are the bench's (CountFacts or OrderFacts). */
export interface SubtaskFacts {
  readonly subtask: number;
  readonly onWorker: boolean;
  readonly firstRecordAt: number;
  readonly endAt: number;
  /** CPU time (user + system) of the whole process, all its threads, from this subtask's first record to its end, in ms. */
  readonly processCpuMs: number;
  readonly sums: Record<string, number>;
}

const [kind, nArg, keysArg, factsDir] = process.argv.slice(2);
if ((kind !== 'count' && kind !== 'orders') || !factsDir) {
  throw new Error('usage: keyed-count-job.ts count|orders <records> <keys> <factsDir>');
}
const n = Number(nArg);
const keys = Number(keysArg);
const now = () => performance.timeOrigin + performance.now();
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Keeps this subtask's sums and writes them, with its times, when its input ends. */
abstract class Reporting<K, I> extends KeyedProcessFunction<K, I, never> {
  protected readonly sums: Record<string, number> = {};
  private firstRecordAt = 0;
  private cpuAtFirstRecord: NodeJS.CpuUsage | undefined;

  protected started(): void {
    if (this.firstRecordAt === 0) {
      this.firstRecordAt = now();
      this.cpuAtFirstRecord = process.cpuUsage();
    }
  }

  override close(): void {
    const facts: SubtaskFacts = {
      subtask: this.getRuntimeContext().getIndexOfThisSubtask(),
      onWorker: !isMainThread,
      firstRecordAt: this.firstRecordAt,
      endAt: now(),
      processCpuMs: cpuMs(process.cpuUsage(this.cpuAtFirstRecord)),
      sums: this.sums,
    };
    writeFileSync(join(factsDir!, `${facts.subtask}.json`), JSON.stringify(facts));
  }
}

/** The subtask's state backend, behind its runtime context: internal, reached only to read the counts at the end (see Count). */
interface BackendBehindContext {
  readonly keyedBackend: { applyToAllKeys(d: ValueStateDescriptor<number>, fn: (key: unknown, state: ValueState<number>) => void): void };
}

const COUNT = new ValueStateDescriptor<number>('count', 0);

/**
 * One ValueState read and write per event; the counts are read from the subtask's keyed state
 * when its input has ended (as keyed-count.bench.ts's in-process job does, and as the baselines
 * read their Map at the end), not tallied per event.
 */
class Count extends Reporting<number, Event> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(COUNT);
  }
  processElement(): void {
    this.started();
    this.count.update(this.count.value()! + 1);
  }
  override close(): void {
    const s = Object.assign(this.sums, { events: 0, keys: 0, sumOfSquares: 0 });
    (this.getRuntimeContext() as unknown as BackendBehindContext).keyedBackend.applyToAllKeys(COUNT, (_key, state) => {
      const c = state.value()!;
      s.events += c;
      s.keys++;
      s.sumOfSquares += c * c;
    });
    super.close();
  }
}

class Totals extends Reporting<string, Priced> {
  private orders!: ValueState<number>;
  private cents!: ValueState<number>;
  override open(): void {
    this.orders = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('orders', 0));
    this.cents = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('cents', 0));
    Object.assign(this.sums, { orders: 0, customers: 0, cents: 0, weighted: 0 });
  }
  processElement(p: Priced): void {
    this.started();
    const orders = this.orders.value()!;
    const cents = this.cents.value()!;
    this.orders.update(orders + 1);
    this.cents.update(cents + p.cents);
    const s = this.sums;
    s.weighted! += (orders + 1) * (cents + p.cents) - orders * cents;
    s.cents! += p.cents;
    s.orders!++;
    if (orders === 0) s.customers!++;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
// As every bench job: object reuse on (records handed on, not copied; see the README's "Object reuse").
env.getConfig().enableObjectReuse();
if (kind === 'count') {
  env
    .fromSource(new DataGeneratorSource(generator(keys), n), WatermarkStrategy.noWatermarks(), 'events')
    .uid('events')
    .keyBy((e: Event) => e.key)
    .process(new Count())
    .uid('count');
} else {
  const texts = orderTexts(keys);
  env
    .fromSource(new DataGeneratorSource((i: number) => texts[customerOf(i, keys)]!, n), WatermarkStrategy.noWatermarks(), 'orders')
    .uid('orders')
    .map(price)
    .uid('price')
    .keyBy((p: Priced) => p.customer)
    .process(new Totals())
    .uid('totals');
}
await env.execute(`keyed-count-${kind}`);
