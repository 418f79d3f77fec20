/**
 * The aggregate of q15 and q16 as keyed state: per key, bids and distinct bidders and auctions,
 * in all and per price rank (rank 1: price < 10,000; rank 2: < 1,000,000; rank 3: the rest).
 * Distinct counts work as Flink SQL's do: a map from each bidder (or auction) to the set of
 * filters it has passed, as bits, and a counter per filter.
 */
import { type Bid, type Collector, KeyedProcessFunction, type KeyedProcessContext, type MapState, MapStateDescriptor, type ValueState, ValueStateDescriptor } from 'flink-ts';

export interface BidStatistics {
  total_bids: number;
  rank1_bids: number;
  rank2_bids: number;
  rank3_bids: number;
  total_bidders: number;
  rank1_bidders: number;
  rank2_bidders: number;
  rank3_bidders: number;
  total_auctions: number;
  rank1_auctions: number;
  rank2_auctions: number;
  rank3_auctions: number;
}

const rankOf = (price: number) => (price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3);

/** Counts a key's bids and emits `row(bid, counts)` after each one: an upsert stream on the key. */
export abstract class BidStatisticsFunction<K, R> extends KeyedProcessFunction<K, Bid, R> {
  /** bids, bidders, auctions: 4 counters each (total, rank 1, 2, 3). */
  private counts!: ValueState<number[]>;
  private bidders!: MapState<number, number>;
  private auctions!: MapState<number, number>;

  override open(): void {
    const ctx = this.getRuntimeContext();
    this.counts = ctx.getState(new ValueStateDescriptor<number[]>('counts'));
    this.bidders = ctx.getMapState(new MapStateDescriptor<number, number>('bidder-filters'));
    this.auctions = ctx.getMapState(new MapStateDescriptor<number, number>('auction-filters'));
  }

  /** The output row of `bid`'s key, given its counts so far. */
  protected abstract row(bid: Bid, stats: BidStatistics): R;

  processElement(b: Bid, _ctx: KeyedProcessContext<K>, out: Collector<R>): void {
    const c = [...(this.counts.value() ?? new Array<number>(12).fill(0))];
    const rank = rankOf(b.price);
    c[0]!++;
    c[rank]!++;
    countDistinct(this.bidders, b.bidder, rank, c, 4);
    countDistinct(this.auctions, b.auction, rank, c, 8);
    this.counts.update(c);
    out.collect(
      this.row(b, {
        total_bids: c[0]!,
        rank1_bids: c[1]!,
        rank2_bids: c[2]!,
        rank3_bids: c[3]!,
        total_bidders: c[4]!,
        rank1_bidders: c[5]!,
        rank2_bidders: c[6]!,
        rank3_bidders: c[7]!,
        total_auctions: c[8]!,
        rank1_auctions: c[9]!,
        rank2_auctions: c[10]!,
        rank3_auctions: c[11]!,
      }),
    );
  }
}

/** Counts `value` once per filter (total, its rank) it has not passed before. */
function countDistinct(seen: MapState<number, number>, value: number, rank: number, counts: number[], at: number): void {
  const before = seen.get(value) ?? 0;
  const after = before | 1 | (1 << rank);
  if (after === before) return;
  if ((before & 1) === 0) counts[at]!++;
  if ((before & (1 << rank)) === 0) counts[at + rank]!++;
  seen.put(value, after);
}
