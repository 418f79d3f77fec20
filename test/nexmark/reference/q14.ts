/**
 * q14, calculation: bids whose euro price (`0.908 * price`) lies strictly between 1,000,000
 * and 50,000,000, with that price, the part of day of their hour (UTC; `dayTime` 8–18,
 * `nightTime` 0–6 and 20–23, `otherTime` 7 and 19) and how many `c`s their extra holds. Rows
 * `{auction, bidder, price, bidTimeType, dateTime, extra, c_counts}`, in input order.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { countChar, hourOf, toEuro } from './sql-functions.js';

export interface Q14Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly bidTimeType: 'dayTime' | 'nightTime' | 'otherTime';
  readonly dateTime: number;
  readonly extra: string;
  readonly c_counts: number;
}

export function bidTimeType(t: number): Q14Row['bidTimeType'] {
  const h = hourOf(t);
  return h >= 8 && h <= 18 ? 'dayTime' : h <= 6 || h >= 20 ? 'nightTime' : 'otherTime';
}

export function q14(events: Iterable<NexmarkEvent>): Q14Row[] {
  const rows: Q14Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    // Compared exactly: 0.908·price > 10^6 ⟺ 908·price > 10^9, an integer comparison.
    if (!(b.price * 908 > 1_000_000_000 && b.price * 908 < 50_000_000_000)) continue;
    rows.push({
      auction: b.auction,
      bidder: b.bidder,
      price: toEuro(b.price),
      bidTimeType: bidTimeType(b.dateTime),
      dateTime: b.dateTime,
      extra: b.extra,
      c_counts: countChar(b.extra, 'c'),
    });
  }
  return rows;
}
