/**
 * q4, average price for a category: per category, the average (BIGINT: truncated) of the
 * winning prices of its auctions — an auction's winning price is its highest bid in time (see
 * auction-bids.ts); auctions without one do not count. Row `{id, final}` as Nexmark's sink table
 * names them: `id` is the category, `final` the average. The final table, by category.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { auctionsWithBids } from './auction-bids.js';
import { avgBigint } from './sql-functions.js';

export interface Q4Row {
  readonly id: number;
  readonly final: number;
}

export function q4(events: Iterable<NexmarkEvent>): Q4Row[] {
  const byCategory = new Map<number, { sum: number; count: number }>();
  for (const { auction, bids } of auctionsWithBids(events)) {
    const max = bids.reduce((m, b) => Math.max(m, b.price), 0);
    const agg = byCategory.get(auction.category) ?? { sum: 0, count: 0 };
    agg.sum += max;
    agg.count++;
    byCategory.set(auction.category, agg);
  }
  return [...byCategory]
    .sort(([a], [b]) => a - b)
    .map(([category, { sum, count }]) => ({ id: category, final: avgBigint(sum, count) }));
}
