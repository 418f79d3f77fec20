/**
 * Nexmark q12, processing-time windows: bids per bidder per tumbling 10 s window of processing
 * time. Rows `{bidder, bid_count, starttime, endtime}`, one per bidder and window.
 *
 * Which bids share a window depends on the wall clock. Windows fire when the clock passes their
 * end; in a bounded run the input usually ends first, and processing-time timers not yet due are
 * dropped at end of input (as in Flink), so this job's trigger also fires a window when the input
 * ends (the end-of-input watermark): every bid is counted in exactly one window's row (see
 * processing-time-or-end-of-input.ts).
 *
 *   npx flink run jobs/nexmark/q12.ts --events 10000000 [--out DIR | --print]
 */
import { type Collector, Duration, type TimeWindow, TumblingProcessingTimeWindows } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';
import { ProcessingTimeOrEndOfInput } from './processing-time-or-end-of-input.js';

interface Q12Row {
  bidder: number;
  bid_count: number;
  starttime: number;
  endtime: number;
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => b.bidder)
  .window(TumblingProcessingTimeWindows.of(Duration.ofSeconds(10)))
  .trigger(new ProcessingTimeOrEndOfInput())
  .aggregate(
    { createAccumulator: () => 0, add: (_b, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
    (bidder: number, w: TimeWindow, counts: Iterable<number>, out: Collector<Q12Row>) => {
      for (const n of counts) out.collect({ bidder, bid_count: n, starttime: w.start, endtime: w.end });
    },
  )
  .name('bids per bidder')
  .uid('q12-counts');
sinkRows(rows, args);

await env.execute('Nexmark q12');
