/**
 * q6, average selling price by seller: each auction's winning bid (as q9's), then per seller,
 * ordered by the winning bid's `dateTime` (then by auction id), one row per winning bid with the
 * average (BIGINT: truncated) of its price and the prices of up to 10 before it — Nexmark's
 * `ROWS BETWEEN 10 PRECEDING AND CURRENT ROW`, so up to 11 prices. Rows `{seller, avg_price}`,
 * by seller, then in that order.
 *
 * Nexmark's Flink SQL cannot run this query (its OVER window does not take the join's updates);
 * this is its bounded meaning: the over-window over the final winning bids.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { auctionsWithBids, winningBid } from './auction-bids.js';
import { avgBigint } from './sql-functions.js';
import { addTo } from './groups.js';

export interface Q6Row {
  readonly seller: number;
  readonly avg_price: number;
}

/** Rows per seller that the average covers: the current one and 10 preceding. */
export const Q6_ROWS = 11;

export function q6(events: Iterable<NexmarkEvent>): Q6Row[] {
  const bySeller = new Map<number, { auction: number; price: number; dateTime: number }[]>();
  for (const { auction, bids } of auctionsWithBids(events)) {
    const w = winningBid(bids);
    addTo(bySeller, auction.seller, { auction: auction.id, price: w.price, dateTime: w.dateTime });
  }
  const rows: Q6Row[] = [];
  for (const [seller, wins] of [...bySeller].sort(([a], [b]) => a - b)) {
    wins.sort((x, y) => x.dateTime - y.dateTime || x.auction - y.auction);
    wins.forEach((_, k) => {
      const window = wins.slice(Math.max(0, k - Q6_ROWS + 1), k + 1);
      rows.push({ seller, avg_price: avgBigint(window.reduce((s, w) => s + w.price, 0), window.length) });
    });
  }
  return rows;
}
