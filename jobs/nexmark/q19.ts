/**
 * Nexmark q19, auction top-10 price: per auction, its 10 highest bids by price, ranked 1 … 10;
 * among equal prices the earlier bid ranks higher (as Flink SQL's Top-N). Rows: the bid's
 * columns and `rank_number`, an upsert stream keyed by auction and rank: a new bid emits every
 * rank it moved; the last row per (auction, rank_number) is the result.
 *
 *   npx flink run jobs/nexmark/q19.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type Collector, KeyedProcessFunction, type KeyedProcessContext, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

type Q19Row = Bid & { rank_number: number };

const TOP = 10;

class TopBids extends KeyedProcessFunction<number, Bid, Q19Row> {
  private top!: ValueState<Bid[]>;

  override open(): void {
    this.top = this.getRuntimeContext().getState(new ValueStateDescriptor<Bid[]>('top-bids'));
  }

  processElement(b: Bid, _ctx: KeyedProcessContext<number>, out: Collector<Q19Row>): void {
    const top = this.top.value() ?? [];
    // After every bid of an equal price: the earlier one keeps the higher rank.
    let at = top.findIndex((t) => t.price < b.price);
    if (at < 0) at = top.length;
    if (at >= TOP) return;
    const next = [...top.slice(0, at), b, ...top.slice(at, TOP - 1)];
    this.top.update(next);
    for (let k = at; k < next.length; k++) {
      const t = next[k]!;
      out.collect({ auction: t.auction, bidder: t.bidder, price: t.price, channel: t.channel, url: t.url, dateTime: t.dateTime, extra: t.extra, rank_number: k + 1 });
    }
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => b.auction)
  .process(new TopBids())
  .name('top 10')
  .uid('q19-top-n');
sinkRows(rows, args);

await env.execute('Nexmark q19');
