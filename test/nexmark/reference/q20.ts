/**
 * q20, expand bid with auction: every bid joined with its auction, for auctions in category
 * 10 — a regular inner join on `bid.auction = auction.id` (a bid that arrives before its
 * auction joins too). Rows with the bid's columns, then the auction's, as Nexmark's sink table
 * names them; a multiset, in bid order.
 */
import type { Auction, Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

export interface Q20Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly bid_dateTime: number;
  readonly bid_extra: string;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly auction_dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly auction_extra: string;
}

export const Q20_CATEGORY = 10;

/** The q20 row of a bid and its auction. */
export function q20Row(b: Bid, a: Auction): Q20Row {
  return {
    auction: b.auction,
    bidder: b.bidder,
    price: b.price,
    channel: b.channel,
    url: b.url,
    bid_dateTime: b.dateTime,
    bid_extra: b.extra,
    itemName: a.itemName,
    description: a.description,
    initialBid: a.initialBid,
    reserve: a.reserve,
    auction_dateTime: a.dateTime,
    expires: a.expires,
    seller: a.seller,
    category: a.category,
    auction_extra: a.extra,
  };
}

export function q20(events: Iterable<NexmarkEvent>): Q20Row[] {
  const auctions = new Map<number, Auction>();
  const bids: Bid[] = [];
  for (const e of events) {
    if (e.auction !== null && e.auction.category === Q20_CATEGORY) auctions.set(e.auction.id, e.auction);
    else if (e.bid !== null) bids.push(e.bid);
  }
  const rows: Q20Row[] = [];
  for (const b of bids) {
    const a = auctions.get(b.auction);
    if (a !== undefined) rows.push(q20Row(b, a));
  }
  return rows;
}
