/**
 * Nexmark q2, selection: `{auction, price}` of the bids on every 123rd auction.
 *
 *   npx flink run jobs/nexmark/q2.ts --events 10000000 [--out DIR | --print]
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .filter((b) => b.auction % 123 === 0)
  .name('every 123rd auction')
  .uid('q2-filter')
  .map((b) => ({ auction: b.auction, price: b.price }))
  .name('project')
  .uid('q2-project');
sinkRows(rows, args);

await env.execute('Nexmark q2');
