/**
 * q9, winning bids: every auction with a bid in time, with its winning bid (highest price, then
 * earliest, then first to arrive; see auction-bids.ts). The final table, one row per auction,
 * in auction order.
 */
import type { Auction, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { auctionsWithBids, winningBid } from './auction-bids.js';

/** The auction's own fields, in its order, then its winning bid's. */
export type Q9Row = Auction & {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly bid_dateTime: number;
  readonly bid_extra: string;
};

export function q9(events: Iterable<NexmarkEvent>): Q9Row[] {
  return auctionsWithBids(events).map(({ auction: a, bids }) => {
    const b = winningBid(bids);
    return {
      id: a.id,
      itemName: a.itemName,
      description: a.description,
      initialBid: a.initialBid,
      reserve: a.reserve,
      dateTime: a.dateTime,
      expires: a.expires,
      seller: a.seller,
      category: a.category,
      extra: a.extra,
      auction: b.auction,
      bidder: b.bidder,
      price: b.price,
      bid_dateTime: b.dateTime,
      bid_extra: b.extra,
    };
  });
}
