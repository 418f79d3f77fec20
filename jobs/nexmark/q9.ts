/**
 * Nexmark q9, winning bids: every auction with its winning bid — the highest bid made while it
 * was open (`dateTime <= bid time <= expires`), the earliest among equal prices, then the first
 * to arrive. Rows: the auction's columns, then `auction, bidder, price, bid_dateTime, bid_extra`.
 *
 * Nexmark's SQL (a join and ROW_NUMBER) gives an updating result; so does this job: one keyed
 * function by auction id keeps the auction and its best bid so far. The output is an upsert
 * stream keyed by `id`: the last row per auction is the result.
 *
 *   npx flink run jobs/nexmark/q9.ts --events 10000000 [--out DIR | --print]
 */
import { type Auction, type Bid, type Collector, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { AuctionJoinFunction, auctionsAndBids } from './auction-join.js';
import { nexmarkJob, sinkRows } from './common.js';
import { beatsBest } from './winning-bid.js';

/** The auction's columns, then the bid's (written out: `{...a, more}` costs microseconds a row). */
function row(a: Auction, b: Bid) {
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
}
type Q9Row = ReturnType<typeof row>;

class WinningBid extends AuctionJoinFunction<Auction, Bid, Q9Row> {
  private best!: ValueState<Bid>;

  override open(): void {
    super.open();
    this.best = this.getRuntimeContext().getState(new ValueStateDescriptor<Bid>('best-bid'));
  }

  protected keepAuction(a: Auction): Auction {
    return a;
  }

  protected keepBid(b: Bid): Bid {
    return b;
  }

  protected onAuction(a: Auction, earlierBids: readonly Bid[], out: Collector<Q9Row>): void {
    for (const b of earlierBids) this.onBid(a, b, out);
  }

  protected onBid(a: Auction, b: Bid, out: Collector<Q9Row>): void {
    const best = this.best.value();
    const inTime = b.dateTime >= a.dateTime && b.dateTime <= a.expires;
    if (!inTime || !beatsBest(b, best)) return;
    this.best.update(b);
    out.collect(row(a, b));
  }
}

const { env, args, events } = nexmarkJob();

const rows = auctionsAndBids(events, 'q9').process(new WinningBid()).name('winning bid').uid('q9-winning-bid');
sinkRows(rows, args);

await env.execute('Nexmark q9');
