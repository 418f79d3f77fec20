/**
 * The CPU-heavy keyed job of the keyed-count bench (see json-orders-data.ts for the workload),
 * run in-process by the engine.
 */
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import { runJob } from '../test/helpers/run-job.js';
import { type OrderFacts, type Priced, customerOf, price } from './json-orders-data.js';

/** Summed over the subtasks of one engine run, as each customer's figures change. */
let engineFacts = { orders: 0, customers: 0, cents: 0, weighted: 0 };

class Totals extends KeyedProcessFunction<string, Priced, never> {
  private orders!: ValueState<number>;
  private cents!: ValueState<number>;
  override open(): void {
    this.orders = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('orders', 0));
    this.cents = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('cents', 0));
  }
  processElement(p: Priced): void {
    const orders = this.orders.value()!;
    const cents = this.cents.value()!;
    this.orders.update(orders + 1);
    this.cents.update(cents + p.cents);
    // weighted = Σ orders × cents: this order changes its customer's term from orders·cents.
    engineFacts.weighted += (orders + 1) * (cents + p.cents) - orders * cents;
    engineFacts.cents += p.cents;
    engineFacts.orders++;
    if (orders === 0) engineFacts.customers++;
  }
}

/** The job: orders → map(parse and price) → keyBy(customer) → per-customer totals in ValueState. */
export async function engineOrders(texts: readonly string[], events: number, parallelism: number): Promise<OrderFacts> {
  engineFacts = { orders: 0, customers: 0, cents: 0, weighted: 0 };
  const keys = texts.length;
  await runJob(
    (env) => {
      // As every bench job: object reuse on (records handed on, not copied; see the README's "Object reuse").
      env.getConfig().enableObjectReuse();
      env
        .fromSource(new DataGeneratorSource((i) => texts[customerOf(i, keys)]!, events), WatermarkStrategy.noWatermarks(), 'orders')
        .map(price)
        .keyBy((p) => p.customer)
        .process(new Totals())
        .addSink(() => {});
    },
    { parallelism },
  );
  return engineFacts;
}
