/**
 * The aggregate of q15 and q16: bids, distinct bidders and distinct auctions, in all and per
 * price rank (rank 1: price < 10,000; rank 2: 10,000 ≤ price < 1,000,000; rank 3: above).
 */
import type { Bid } from '../../../src/connectors/nexmark/index.js';

/** The counts, named as Nexmark's sink columns. */
export interface BidStatistics {
  readonly total_bids: number;
  readonly rank1_bids: number;
  readonly rank2_bids: number;
  readonly rank3_bids: number;
  readonly total_bidders: number;
  readonly rank1_bidders: number;
  readonly rank2_bidders: number;
  readonly rank3_bidders: number;
  readonly total_auctions: number;
  readonly rank1_auctions: number;
  readonly rank2_auctions: number;
  readonly rank3_auctions: number;
}

/** 1, 2 or 3. */
export function priceRank(price: number): 1 | 2 | 3 {
  return price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3;
}

const SLOTS = ['total', 'rank1', 'rank2', 'rank3'] as const;

/** Collects one group's bids. */
export class BidStatisticsAccumulator {
  private readonly bids = [0, 0, 0, 0];
  private readonly bidders = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
  private readonly auctions = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];

  add(b: Bid): void {
    for (const slot of [0, priceRank(b.price)]) {
      this.bids[slot]!++;
      this.bidders[slot]!.add(b.bidder);
      this.auctions[slot]!.add(b.auction);
    }
  }

  result(): BidStatistics {
    const counts = { bids: this.bids, bidders: this.bidders.map((s) => s.size), auctions: this.auctions.map((s) => s.size) };
    const row: Record<string, number> = {};
    // Field order as the query's SELECT: total, rank1 … rank3 of bids, then bidders, then auctions.
    for (const [what, n] of Object.entries(counts)) SLOTS.forEach((slot, i) => (row[`${slot}_${what}`] = n[i]!));
    return row as unknown as BidStatistics;
  }
}
