/**
 * Nexmark q18, find last bid: per bidder and auction, the latest bid by `dateTime`; among equal
 * times the one that arrived last (as Flink SQL's keep-last-row deduplication). Rows: the bid's
 * columns, an upsert stream keyed by bidder and auction: the last row per key is the result.
 *
 *   npx flink run jobs/nexmark/q18.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type Collector, KeyedProcessFunction, type KeyedProcessContext, type ValueState, ValueStateDescriptor } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

class LastBid extends KeyedProcessFunction<string, Bid, Bid> {
  private lastTime!: ValueState<number>;

  override open(): void {
    this.lastTime = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last-bid-time'));
  }

  processElement(b: Bid, _ctx: KeyedProcessContext<string>, out: Collector<Bid>): void {
    const last = this.lastTime.value();
    if (last !== undefined && b.dateTime < last) return;
    this.lastTime.update(b.dateTime);
    out.collect(b);
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => `${b.bidder} ${b.auction}`)
  .process(new LastBid())
  .name('last bid')
  .uid('q18-deduplicate');
sinkRows(rows, args);

await env.execute('Nexmark q18');
