/**
 * Nexmark q7, highest bid: per tumbling window of 10 s (event time) the highest price, and every
 * bid at that price whose `dateTime` is BETWEEN the window's end − 10 s and its end — both ends
 * inclusive, so a bid exactly at a window's end belongs to the next window yet also matches this
 * one's highest price. Rows `{auction, price, bidder, dateTime, extra}` in the query's SELECT
 * order.
 *
 * One window operator over all bids (`windowAll`, parallelism 1, as the query's global MAX):
 * windows of 10 s + 1 ms every 10 s hold a tumbling window's bids plus those exactly at its end;
 * the highest price is taken over the tumbling window's own bids, and every bid of the longer
 * window at that price is a row — the query's join of the bids with their window's maximum,
 * without a second input.
 *
 *   npx flink run jobs/nexmark/q7.ts --events 10000000 [--out DIR | --print]
 */
import { type Bid, type Collector, Duration, ProcessAllWindowFunction, type ProcessAllWindowContext, SlidingEventTimeWindows, type TimeWindow } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

interface Q7Row {
  auction: number;
  price: number;
  bidder: number;
  dateTime: number;
  extra: string;
}

const SIZE_MS = 10_000;

class HighestBids extends ProcessAllWindowFunction<Bid, Q7Row, TimeWindow> {
  process(ctx: ProcessAllWindowContext<TimeWindow>, bids: Iterable<Bid>, out: Collector<Q7Row>): void {
    const end = ctx.window().start + SIZE_MS;
    let max: number | undefined;
    for (const b of bids) if (b.dateTime < end && (max === undefined || b.price > max)) max = b.price;
    if (max === undefined) return;
    for (const b of bids) {
      if (b.price === max) out.collect({ auction: b.auction, price: b.price, bidder: b.bidder, dateTime: b.dateTime, extra: b.extra });
    }
  }
}

const { env, args, events } = nexmarkJob({ eventTime: true });

const rows = bidsOf(events)
  .windowAll(SlidingEventTimeWindows.of(Duration.ofMillis(SIZE_MS + 1), Duration.ofMillis(SIZE_MS)))
  .process(new HighestBids())
  .name('highest bids')
  .uid('q7-highest');
sinkRows(rows, args);

await env.execute('Nexmark q7');
