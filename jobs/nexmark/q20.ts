/**
 * Nexmark q20, expand bid with auction: every bid joined with its auction, for auctions in
 * category 10. Rows with the bid's columns, then the auction's, named as Nexmark's sink table.
 *
 * A regular inner join, as in Nexmark's SQL: a bid that comes before its auction joins too. One
 * keyed function by auction id keeps each category-10 auction (and a mark for the others, whose
 * bids are then dropped at once).
 *
 *   npx flink run jobs/nexmark/q20.ts --events 10000000 [--out DIR | --print]
 */
import type { Auction, Bid, Collector } from 'flink-ts';
import { AuctionJoinFunction, auctionsAndBids } from './auction-join.js';
import { nexmarkJob, sinkRows } from './common.js';

const CATEGORY = 10;

function joined(b: Bid, a: Auction) {
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
type Q20Row = ReturnType<typeof joined>;

/** Keeps a category-10 auction, or `null` for an auction of another category. */
class ExpandBids extends AuctionJoinFunction<Auction | null, Bid, Q20Row> {
  protected keepAuction(a: Auction): Auction | null {
    return a.category === CATEGORY ? a : null;
  }

  protected keepBid(b: Bid): Bid {
    return b;
  }

  protected onAuction(a: Auction | null, earlierBids: readonly Bid[], out: Collector<Q20Row>): void {
    for (const b of earlierBids) this.onBid(a, b, out);
  }

  protected onBid(a: Auction | null, b: Bid, out: Collector<Q20Row>): void {
    if (a !== null) out.collect(joined(b, a));
  }
}

const { env, args, events } = nexmarkJob();

const rows = auctionsAndBids(events, 'q20').process(new ExpandBids()).name('join').uid('q20-join');
sinkRows(rows, args);

await env.execute('Nexmark q20');
