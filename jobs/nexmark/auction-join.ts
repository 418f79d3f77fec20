/**
 * The join of q4, q9 and q20: each auction with the bids on it. Both are events of the one
 * Nexmark stream, so the stream keyed by auction id brings an auction and its bids to one keyed
 * function. As in Nexmark's SQL the join is regular (unwindowed): a bid can come before its
 * auction (Nexmark draws auction ids slightly ahead), so such bids wait in state until it comes.
 */
import {
  type Auction,
  type Bid,
  type Collector,
  type DataStream,
  type KeyedStream,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type ListState,
  ListStateDescriptor,
  type NexmarkEvent,
  type ValueState,
  ValueStateDescriptor,
} from 'flink-ts';

/** The auctions and bids of the stream (uid `<query>-filter`), keyed by auction id. */
export function auctionsAndBids(events: DataStream<NexmarkEvent>, query: string): KeyedStream<NexmarkEvent, number> {
  return events
    .filter((e) => e.person === null)
    .name('auctions and bids')
    .uid(`${query}-filter`)
    .keyBy((e) => (e.auction !== null ? e.auction.id : e.bid!.auction));
}

/**
 * Keeps what `keepAuction` takes of the key's auction and what `keepBid` takes of each bid that
 * came before it; calls `onAuction` when the auction comes (with those bids, which are then
 * dropped) and `onBid` for each later bid.
 */
export abstract class AuctionJoinFunction<A, B, O> extends KeyedProcessFunction<number, NexmarkEvent, O> {
  private auction!: ValueState<A>;
  private waiting!: ListState<B>;

  protected abstract keepAuction(a: Auction): A;
  protected abstract keepBid(b: Bid): B;
  protected abstract onAuction(a: A, earlierBids: readonly B[], out: Collector<O>): void;
  protected abstract onBid(a: A, b: B, out: Collector<O>): void;

  override open(): void {
    this.auction = this.getRuntimeContext().getState(new ValueStateDescriptor<A>('auction'));
    this.waiting = this.getRuntimeContext().getListState(new ListStateDescriptor<B>('bids-before-auction'));
  }

  processElement(e: NexmarkEvent, _ctx: KeyedProcessContext<number>, out: Collector<O>): void {
    if (e.auction !== null) {
      const a = this.keepAuction(e.auction);
      this.auction.update(a);
      this.onAuction(a, this.waiting.get(), out);
      this.waiting.clear();
    } else if (e.bid !== null) {
      const a = this.auction.value();
      if (a === undefined) this.waiting.add(this.keepBid(e.bid));
      else this.onBid(a, this.keepBid(e.bid), out);
    }
  }
}
