/**
 * Nexmark q11, user sessions: per bidder, sessions of bids at most 10 s apart (event time),
 * and how many bids each has. Rows `{bidder, bid_count, starttime, endtime}`, one per session
 * (endtime: the last bid + 10 s), when the watermark passes its end.
 *
 * Event-time session windows with an incremental count, merged as bids bridge sessions.
 *
 *   npx flink run jobs/nexmark/q11.ts --events 10000000 [--out DIR | --print]
 */
import { type Collector, Duration, EventTimeSessionWindows, type TimeWindow } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

interface Q11Row {
  bidder: number;
  bid_count: number;
  starttime: number;
  endtime: number;
}

const { env, args, events } = nexmarkJob({ eventTime: true });

const rows = bidsOf(events)
  .keyBy((b) => b.bidder)
  .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(10)))
  .aggregate(
    { createAccumulator: () => 0, add: (_b, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b },
    (bidder: number, w: TimeWindow, counts: Iterable<number>, out: Collector<Q11Row>) => {
      for (const n of counts) out.collect({ bidder, bid_count: n, starttime: w.start, endtime: w.end });
    },
  )
  .name('sessions')
  .uid('q11-sessions');
sinkRows(rows, args);

await env.execute('Nexmark q11');
