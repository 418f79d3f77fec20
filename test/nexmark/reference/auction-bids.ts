/**
 * The join at the heart of q4, q6 and q9: each auction with the bids on it made while it was
 * open (`auction.dateTime <= bid.dateTime <= auction.expires`, both ends inclusive). A regular
 * join: a bid that arrives before its auction counts too.
 */
import type { Auction, Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { addTo } from './groups.js';

/** An auction and its bids in time, in input order. */
export interface AuctionWithBids {
  readonly auction: Auction;
  readonly bids: Bid[];
}

/** Every auction that has at least one bid in time, in auction order. */
export function auctionsWithBids(events: Iterable<NexmarkEvent>): AuctionWithBids[] {
  const auctions = new Map<number, Auction>();
  const bidsByAuction = new Map<number, Bid[]>();
  for (const e of events) {
    if (e.auction !== null) auctions.set(e.auction.id, e.auction);
    else if (e.bid !== null) addTo(bidsByAuction, e.bid.auction, e.bid);
  }
  const out: AuctionWithBids[] = [];
  for (const auction of auctions.values()) {
    const bids = (bidsByAuction.get(auction.id) ?? []).filter((b) => b.dateTime >= auction.dateTime && b.dateTime <= auction.expires);
    if (bids.length > 0) out.push({ auction, bids });
  }
  return out;
}

/**
 * The winning bid among `bids` (in input order): the highest price, then the earliest
 * `dateTime` (q9's `ORDER BY price DESC, dateTime ASC`), then the first to arrive.
 */
export function winningBid(bids: readonly Bid[]): Bid {
  let best = bids[0]!;
  for (const b of bids) if (b.price > best.price || (b.price === best.price && b.dateTime < best.dateTime)) best = b;
  return best;
}
