/**
 * Hand-made Nexmark events for tests: give the fields that matter, the rest get plain defaults.
 * Times are small numbers of ms (the epoch as the base) unless a test needs a real date.
 */
import type { Auction, Bid, NexmarkEvent, Person } from '../../src/connectors/nexmark/index.js';

/** `defaults` overridden by `given`, keeping the defaults' key order (the generator's). */
function inOrderOf<T extends object>(defaults: T, given: Partial<T>): T {
  const out = { ...defaults };
  for (const k of Object.keys(out) as (keyof T)[]) if (given[k] !== undefined) out[k] = given[k] as T[keyof T];
  return out;
}

export function person(p: Partial<Person> & { id: number }): NexmarkEvent {
  const d: Person = { id: p.id, name: 'Peter Smith', emailAddress: 'a@b.com', creditCard: '0000 0000 0000 0000', city: 'Boise', state: 'ID', dateTime: 0, extra: '' };
  const v = inOrderOf(d, p);
  return { type: 'person', person: v, auction: null, bid: null, dateTime: v.dateTime };
}

export function auction(a: Partial<Auction> & { id: number }): NexmarkEvent {
  const d: Auction = {
    id: a.id,
    itemName: 'item',
    description: 'desc',
    initialBid: 100,
    reserve: 200,
    dateTime: 0,
    expires: 1_000,
    seller: 1000,
    category: 10,
    extra: '',
  };
  const v = inOrderOf(d, a);
  return { type: 'auction', person: null, auction: v, bid: null, dateTime: v.dateTime };
}

export function bid(b: Partial<Bid> & { auction: number }): NexmarkEvent {
  const d: Bid = { auction: b.auction, bidder: 1001, price: 100, channel: 'Google', url: 'https://www.nexmark.com/a/b/c/item.htm?query=1', dateTime: 0, extra: '' };
  const v = inOrderOf(d, b);
  return { type: 'bid', person: null, auction: null, bid: v, dateTime: v.dateTime };
}

/** Rows as sorted JSON lines: a multiset to compare order-free. */
export function multiset(rows: readonly object[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}
