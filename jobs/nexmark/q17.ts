/**
 * Nexmark q17, auction statistics report: per auction and day (UTC), its bids in all and per
 * price rank, and the lowest, highest, average (BIGINT: truncated) and total price. Rows
 * `{auction, day, total_bids, rank1_bids, rank2_bids, rank3_bids, min_price, max_price,
 * avg_price, sum_price}`, an upsert stream keyed by auction and day: the last row per key is
 * the result.
 *
 *   npx flink run jobs/nexmark/q17.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type Collector, KeyedProcessFunction, type KeyedProcessContext, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { bidsOf, dayNumber, nexmarkJob, sinkRows, utcDay } from './common.js';

interface Q17Row {
  auction: number;
  day: string;
  total_bids: number;
  rank1_bids: number;
  rank2_bids: number;
  rank3_bids: number;
  min_price: number;
  max_price: number;
  avg_price: number;
  sum_price: number;
}

class AuctionStatistics extends KeyedProcessFunction<number, Bid, Q17Row> {
  private stats!: ValueState<Q17Row>;

  override open(): void {
    this.stats = this.getRuntimeContext().getState(new ValueStateDescriptor<Q17Row>('statistics'));
  }

  processElement(b: Bid, _ctx: KeyedProcessContext<number>, out: Collector<Q17Row>): void {
    const s = this.stats.value();
    const total = (s?.total_bids ?? 0) + 1;
    const sum = (s?.sum_price ?? 0) + b.price;
    const next: Q17Row = {
      auction: b.auction,
      day: utcDay(b.dateTime),
      total_bids: total,
      rank1_bids: (s?.rank1_bids ?? 0) + (b.price < 10_000 ? 1 : 0),
      rank2_bids: (s?.rank2_bids ?? 0) + (b.price >= 10_000 && b.price < 1_000_000 ? 1 : 0),
      rank3_bids: (s?.rank3_bids ?? 0) + (b.price >= 1_000_000 ? 1 : 0),
      min_price: Math.min(s?.min_price ?? b.price, b.price),
      max_price: Math.max(s?.max_price ?? b.price, b.price),
      avg_price: Math.trunc(sum / total),
      sum_price: sum,
    };
    this.stats.update(next);
    out.collect(next);
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  // Auction and day as one number (day numbers stay below 10^5 for the next 200 years).
  .keyBy((b) => b.auction * 100_000 + dayNumber(b.dateTime))
  .process(new AuctionStatistics())
  .name('statistics per auction and day')
  .uid('q17-statistics');
sinkRows(rows, args);

await env.execute('Nexmark q17');
