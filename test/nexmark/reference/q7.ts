/**
 * q7, highest bid: per tumbling window of 10 s the highest price, then every bid at that price
 * whose `dateTime` is within `[window end - 10 s, window end]` — both ends inclusive, as the
 * query's BETWEEN: a bid at exactly a window's end belongs to the next window, yet also matches
 * this one's maximum (and then appears twice if it is the next window's maximum too). Rows
 * `{auction, price, bidder, dateTime, extra}` in the query's SELECT order (its sink table
 * names the second and third columns the other way round). A multiset, in input order.
 */
import type { Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { tumbleStart } from './windows.js';

export interface Q7Row {
  readonly auction: number;
  readonly price: number;
  readonly bidder: number;
  readonly dateTime: number;
  readonly extra: string;
}

export const Q7_SIZE_MS = 10_000;

export function q7(events: Iterable<NexmarkEvent>): Q7Row[] {
  const bids: Bid[] = [];
  const maxByWindow = new Map<number, number>();
  for (const e of events) {
    if (e.bid === null) continue;
    bids.push(e.bid);
    const start = tumbleStart(e.bid.dateTime, Q7_SIZE_MS);
    maxByWindow.set(start, Math.max(maxByWindow.get(start) ?? 0, e.bid.price));
  }
  const rows: Q7Row[] = [];
  for (const b of bids) {
    const start = tumbleStart(b.dateTime, Q7_SIZE_MS);
    // Its own window, and the previous one when the bid is exactly at that window's end.
    const windows = b.dateTime === start ? [start - Q7_SIZE_MS, start] : [start];
    for (const w of windows) {
      if (maxByWindow.get(w) === b.price) rows.push({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
    }
  }
  return rows;
}
