/**
 * Nexmark q0, pass through: every bid as `{auction, bidder, price, dateTime, extra}`. It
 * measures the source and the engine: nothing but a projection.
 *
 *   npx flink run jobs/nexmark/q0.ts --events 10000000 [--out DIR | --print]
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))
  .name('project')
  .uid('q0-project');
sinkRows(rows, args);

await env.execute('Nexmark q0');
