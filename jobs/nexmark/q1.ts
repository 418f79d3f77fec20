/**
 * Nexmark q1, currency conversion: every bid with its price in euros (0.908 × dollars). The
 * price is a DECIMAL(23, 3) in Nexmark's SQL; here it is `price * 908 / 1000`, the double
 * nearest to that decimal, which prints as it (`0.908 * price` would print 98.06400000000001).
 *
 *   npx flink run jobs/nexmark/q1.ts --events 10000000 [--out DIR | --print]
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: (b.price * 908) / 1000, dateTime: b.dateTime, extra: b.extra }))
  .name('to euro')
  .uid('q1-to-euro');
sinkRows(rows, args);

await env.execute('Nexmark q1');
