/**
 * Nexmark q22, get URL directories: every bid with the first three directories of its URL
 * (SQL's `SPLIT_INDEX(url, '/', 3…5)`: null where the URL has fewer parts).
 *
 *   npx flink run jobs/nexmark/q22.ts --events 10000000 [--out DIR | --print]
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .map((b) => {
    const parts = b.url.split('/');
    return { auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, dir1: parts[3] ?? null, dir2: parts[4] ?? null, dir3: parts[5] ?? null };
  })
  .name('url directories')
  .uid('q22-directories');
sinkRows(rows, args);

await env.execute('Nexmark q22');
