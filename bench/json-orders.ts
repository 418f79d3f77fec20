/**
 * A CPU-heavy keyed workload for the keyed-count bench: each record is an order as a JSON text
 * (≈ 1 KB: a customer and 8 line items); the job parses it, prices it (Σ price × quantity
 * over its items, in cents) and keeps, per customer, the number of orders and their total. The
 * parse is most of the work, a few µs per record: what parallelism should spread over cores.
 *
 * The texts are made once per size (one per customer, `keys` of them) and record i is the
 * order of customer `(i · 7919) mod keys`, so making a record costs nothing next to parsing it
 * and every customer's figures can be worked out in advance.
 */
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import { runJob } from '../test/helpers/run-job.js';

interface LineItem {
  readonly sku: string;
  readonly title: string;
  readonly priceCents: number;
  readonly quantity: number;
  readonly tags: readonly string[];
}

interface Order {
  readonly customer: string;
  readonly shipTo: { readonly street: string; readonly city: string; readonly zip: string };
  readonly items: readonly LineItem[];
}

interface Priced {
  readonly customer: string;
  readonly cents: number;
}

/** What a run saw: per-customer orders and totals, summed so that a wrong one shows. */
export interface OrderFacts {
  readonly orders: number;
  readonly customers: number;
  /** Σ over customers of their total in cents. */
  readonly cents: number;
  /** Σ over customers of orders × total: differs when an order went to the wrong customer. */
  readonly weighted: number;
}

const ITEMS = 8;

function orderOf(customer: number): Order {
  const items: LineItem[] = [];
  for (let k = 0; k < ITEMS; k++) {
    const n = customer * 31 + k * 17;
    items.push({
      sku: `SKU-${(n % 100_000).toString().padStart(6, '0')}`,
      title: `Item ${k} for customer ${customer}, size ${['S', 'M', 'L', 'XL'][n % 4]}`,
      priceCents: 99 + (n % 4_900),
      quantity: 1 + (n % 5),
      tags: ['bench', `k${k % 7}`, `c${customer % 13}`],
    });
  }
  return { customer: `customer-${customer}`, shipTo: { street: `${customer} Main Street`, city: 'Springfield', zip: `${10_000 + (customer % 90_000)}` }, items };
}

/** The order texts, one per customer. */
export function orderTexts(keys: number): string[] {
  return Array.from({ length: keys }, (_, c) => JSON.stringify(orderOf(c)));
}

/** The work per record: parse and price. */
export function price(text: string): Priced {
  const order = JSON.parse(text) as Order;
  let cents = 0;
  for (const item of order.items) cents += item.priceCents * item.quantity;
  return { customer: order.customer, cents };
}

const customerOf = (i: number, keys: number) => (i * 7919) % keys;

/** What a right run over `texts` ends with, worked out rather than measured. */
export function expectedOrderFacts(texts: readonly string[], events: number): OrderFacts {
  const keys = texts.length;
  const q = Math.floor(events / keys);
  const r = events % keys;
  let cents = 0;
  let weighted = 0;
  let customers = 0;
  for (let j = 0; j < keys; j++) {
    // 7919 is prime: indices j, j + keys, j + 2·keys, … are customer customerOf(j)'s orders,
    // one more of them for the first `r` values of j.
    const orders = q + (j < r ? 1 : 0);
    if (orders === 0) continue;
    customers++;
    const total = orders * price(texts[customerOf(j, keys)]!).cents;
    cents += total;
    weighted += orders * total;
  }
  return { orders: events, customers, cents, weighted };
}

/** The same work as a plain loop over a Map: the baseline. */
export function handWrittenOrders(texts: readonly string[], events: number): OrderFacts {
  const keys = texts.length;
  const totals = new Map<string, { orders: number; cents: number }>();
  for (let i = 0; i < events; i++) {
    const p = price(texts[customerOf(i, keys)]!);
    const t = totals.get(p.customer);
    if (t === undefined) totals.set(p.customer, { orders: 1, cents: p.cents });
    else {
      t.orders++;
      t.cents += p.cents;
    }
  }
  let cents = 0;
  let weighted = 0;
  for (const t of totals.values()) {
    cents += t.cents;
    weighted += t.orders * t.cents;
  }
  return { orders: events, customers: totals.size, cents, weighted };
}

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
