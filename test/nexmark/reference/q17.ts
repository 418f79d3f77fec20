/**
 * q17, auction statistics report: per auction and day (UTC), its bids in all and per price rank,
 * and the lowest, highest, average (BIGINT: truncated) and total price. Rows `{auction, day,
 * total_bids, rank1_bids, rank2_bids, rank3_bids, min_price, max_price, avg_price, sum_price}`;
 * the final table, by auction, then day.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { priceRank } from './bid-statistics.js';
import { avgBigint, formatDay } from './sql-functions.js';

export interface Q17Row {
  readonly auction: number;
  readonly day: string;
  readonly total_bids: number;
  readonly rank1_bids: number;
  readonly rank2_bids: number;
  readonly rank3_bids: number;
  readonly min_price: number;
  readonly max_price: number;
  readonly avg_price: number;
  readonly sum_price: number;
}

export function q17(events: Iterable<NexmarkEvent>): Q17Row[] {
  const groups = new Map<string, { auction: number; day: string; ranks: number[]; min: number; max: number; sum: number }>();
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    const day = formatDay(b.dateTime);
    const key = `${b.auction},${day}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { auction: b.auction, day, ranks: [0, 0, 0, 0], min: b.price, max: b.price, sum: 0 }));
    g.ranks[0]!++;
    g.ranks[priceRank(b.price)]!++;
    g.min = Math.min(g.min, b.price);
    g.max = Math.max(g.max, b.price);
    g.sum += b.price;
  }
  return [...groups.values()]
    .sort((a, b) => a.auction - b.auction || (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map((g) => ({
      auction: g.auction,
      day: g.day,
      total_bids: g.ranks[0]!,
      rank1_bids: g.ranks[1]!,
      rank2_bids: g.ranks[2]!,
      rank3_bids: g.ranks[3]!,
      min_price: g.min,
      max_price: g.max,
      avg_price: avgBigint(g.sum, g.ranks[0]!),
      sum_price: g.sum,
    }));
}
