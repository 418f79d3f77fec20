/**
 * Nexmark q5, hot items: per sliding window of 10 s every 2 s (event time), the auctions with
 * the most bids — every auction whose count equals the window's highest, ties included. Rows
 * `{auction, num, starttime, endtime}` (Nexmark's sink keeps auction and num; the window bounds
 * make rows checkable), one per hot auction and window.
 *
 * Two windowed stages, as the query's two aggregations: bids per auction in sliding windows
 * (an incremental count per auction and window), then, keyed by window, the highest counts —
 * the first stage's results carry their window's `maxTimestamp()`, so a tumbling window of the
 * slide's size collects exactly one sliding window's counts.
 *
 *   npx flink run jobs/nexmark/q5.ts --events 10000000 [--out DIR | --print]
 */
import { type Collector, Duration, ProcessWindowFunction, type ProcessWindowContext, SlidingEventTimeWindows, type TimeWindow, TumblingEventTimeWindows } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

interface Q5Row {
  auction: number;
  num: number;
  starttime: number;
  endtime: number;
}

const SIZE = Duration.ofSeconds(10);
const SLIDE = Duration.ofSeconds(2);

/** The rows of one sliding window's counts whose count is the highest. */
class HotItems extends ProcessWindowFunction<Q5Row, Q5Row, number, TimeWindow> {
  process(_start: number, _ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<Q5Row>, out: Collector<Q5Row>): void {
    let max = 0;
    for (const c of counts) max = Math.max(max, c.num);
    for (const c of counts) if (c.num === max) out.collect(c);
  }
}

const { env, args, events } = nexmarkJob({ eventTime: true });

const counts = bidsOf(events)
  .keyBy((b) => b.auction)
  .window(SlidingEventTimeWindows.of(SIZE, SLIDE))
  .aggregate(
    { createAccumulator: () => 0, add: (_b, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
    (auction: number, w: TimeWindow, num: Iterable<number>, out: Collector<Q5Row>) => {
      for (const n of num) out.collect({ auction, num: n, starttime: w.start, endtime: w.end });
    },
  )
  .name('bids per auction')
  .uid('q5-counts');

const rows = counts
  .keyBy((c) => c.starttime)
  .window(TumblingEventTimeWindows.of(SLIDE))
  .process(new HotItems())
  .name('hot items')
  .uid('q5-max');
sinkRows(rows, args);

await env.execute('Nexmark q5');
