/**
 * Nexmark q4, average price for a category: per category, the average of the winning prices of
 * its auctions, where an auction's winning price is its highest bid made while it was open
 * (`dateTime <= bid time <= expires`). Rows `{id, final}` as Nexmark's sink table names them:
 * `id` is the category, `final` the average (BIGINT, so truncated).
 *
 * Nexmark's SQL is a regular join and two aggregations, an updating result; so is this job: the
 * first keyed function (by auction) tracks each auction's highest bid in time and sends every
 * change of it; the second (by category) folds the changes into a sum and a count and emits the
 * category's new average. The output is an upsert stream keyed by `id`: the last row per
 * category is the result.
 *
 *   npx flink run jobs/nexmark/q4.ts --events 10000000 [--out DIR | --print]
 */
import {
  type Auction,
  type Bid,
  type Collector,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type ValueState,
  ValueStateDescriptor,
} from 'flink-ts';
import { AuctionJoinFunction, auctionsAndBids } from './auction-join.js';
import { nexmarkJob, sinkRows } from './common.js';

interface OpenAuction {
  dateTime: number;
  expires: number;
  category: number;
}
interface TimedPrice {
  price: number;
  dateTime: number;
}
/** An auction's winning price went from `previous` (null: it had none) to `price`. */
interface WinningPriceChange {
  category: number;
  previous: number | null;
  price: number;
}

const inTime = (b: TimedPrice, a: OpenAuction) => b.dateTime >= a.dateTime && b.dateTime <= a.expires;

class WinningPrice extends AuctionJoinFunction<OpenAuction, TimedPrice, WinningPriceChange> {
  private highest!: ValueState<number>;

  override open(): void {
    super.open();
    this.highest = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('highest'));
  }

  protected keepAuction(a: Auction): OpenAuction {
    return { dateTime: a.dateTime, expires: a.expires, category: a.category };
  }

  protected keepBid(b: Bid): TimedPrice {
    return { price: b.price, dateTime: b.dateTime };
  }

  protected onAuction(a: OpenAuction, earlierBids: readonly TimedPrice[], out: Collector<WinningPriceChange>): void {
    for (const b of earlierBids) this.onBid(a, b, out);
  }

  protected onBid(a: OpenAuction, b: TimedPrice, out: Collector<WinningPriceChange>): void {
    const highest = this.highest.value();
    if (!inTime(b, a) || (highest !== undefined && b.price <= highest)) return;
    this.highest.update(b.price);
    out.collect({ category: a.category, previous: highest ?? null, price: b.price });
  }
}

class AverageByCategory extends KeyedProcessFunction<number, WinningPriceChange, { id: number; final: number }> {
  private sum!: ValueState<number>;
  private count!: ValueState<number>;

  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('sum', 0));
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }

  processElement(c: WinningPriceChange, _ctx: KeyedProcessContext<number>, out: Collector<{ id: number; final: number }>): void {
    const count = this.count.value()! + (c.previous === null ? 1 : 0);
    const sum = this.sum.value()! + c.price - (c.previous ?? 0);
    this.count.update(count);
    this.sum.update(sum);
    out.collect({ id: c.category, final: Math.trunc(sum / count) });
  }
}

const { env, args, events } = nexmarkJob();

const rows = auctionsAndBids(events, 'q4')
  .process(new WinningPrice())
  .name('winning price')
  .uid('q4-winning-price')
  .keyBy((c) => c.category)
  .process(new AverageByCategory())
  .name('average by category')
  .uid('q4-average');
sinkRows(rows, args);

await env.execute('Nexmark q4');
