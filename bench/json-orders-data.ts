/**
 * A CPU-heavy keyed workload for the keyed-count bench: each record is an order as a JSON text
 * (≈ 1 KB: a customer and 8 line items); the job parses it, prices it (Σ price × quantity
 * over its items, in cents) and keeps, per customer, the number of orders and their total. The
 * parse is most of the work, a few µs per record: what parallelism should spread over cores.
 *
 * This module is plain data and arithmetic, no engine: bench/keyed-count-job.ts (a job file,
 * which imports the engine as 'flink-ts') uses it as well as the in-process runs.
 *
 * The texts are made once per size (one per customer, `keys` of them) and record i is the
 * order of customer `(i · 7919) mod keys`, so making a record costs nothing next to parsing it
 * and every customer's figures can be worked out in advance.
 */

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

export interface Priced {
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

/** The customer of order i. */
export const customerOf = (i: number, keys: number): number => (i * 7919) % keys;

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

