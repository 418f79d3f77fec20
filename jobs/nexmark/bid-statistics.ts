/**
 * The aggregate of q15 and q16 as keyed state: per key, bids and distinct bidders and auctions,
 * in all and per price rank (rank 1: price < 10,000; rank 2: < 1,000,000; rank 3: the rest).
 * Distinct counts work as Flink SQL's do: a map from each bidder (or auction) to the set of
 * filters it has passed, as bits, and a counter per filter.
 */
import { type Bid, type Collector, KeyedProcessFunction, type KeyedProcessContext, type MapState, MapStateDescriptor, type ValueState, ValueStateDescriptor } from 'flink-ts';

/** The counters, in the order of Nexmark's columns (`total_bids` … `rank3_auctions`). */
export type BidCounters = readonly number[];

/** The counter columns of q15 and q16, named as Nexmark's sink tables. */
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

/**
 * `keys` (the row's first columns) with the counter columns added after them, in place: adding
 * fields in a fixed order is cheap, where a spread (`{...keys, ...counts}`) costs far more a row.
 */
export function withCounters<T extends object>(keys: T, c: BidCounters): T & BidStatistics {
  const row = keys as T & BidStatistics;
  row.total_bids = c[0]!;
  row.rank1_bids = c[1]!;
  row.rank2_bids = c[2]!;
  row.rank3_bids = c[3]!;
  row.total_bidders = c[4]!;
  row.rank1_bidders = c[5]!;
  row.rank2_bidders = c[6]!;
  row.rank3_bidders = c[7]!;
  row.total_auctions = c[8]!;
  row.rank1_auctions = c[9]!;
  row.rank2_auctions = c[10]!;
  row.rank3_auctions = c[11]!;
  return row;
}

const rankOf = (price: number) => (price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3);

/**
 * Counts a key's bids and emits `row(bid, key, counters)` after each one: an upsert stream on
 * the key. Counters: bids, distinct bidders, distinct auctions; each total, rank 1, 2, 3.
 */
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

  /** The output row of `bid`'s key, given its counters so far. */
  protected abstract row(bid: Bid, key: K, counters: BidCounters): R;

  processElement(b: Bid, ctx: KeyedProcessContext<K>, out: Collector<R>): void {
    const c = [...(this.counts.value() ?? new Array<number>(12).fill(0))];
    const rank = rankOf(b.price);
    c[0]!++;
    c[rank]!++;
    countDistinct(this.bidders, b.bidder, rank, c, 4);
    countDistinct(this.auctions, b.auction, rank, c, 8);
    this.counts.update(c);
    out.collect(this.row(b, ctx.getCurrentKey(), c));
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
