/**
 * Nexmark q14, calculation: bids whose euro price lies strictly between 1,000,000 and
 * 50,000,000, with that price, the part of day of their hour in UTC (`dayTime` 8–18,
 * `nightTime` up to 6 and from 20, else `otherTime`) and the number of `c`s in `extra`
 * (Nexmark's `count_char` function).
 *
 *   npx flink run jobs/nexmark/q14.ts --events 10000000 [--out DIR | --print]
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function bidTimeType(t: number): string {
  const hour = Math.floor((t % DAY_MS) / HOUR_MS);
  return hour >= 8 && hour <= 18 ? 'dayTime' : hour <= 6 || hour >= 20 ? 'nightTime' : 'otherTime';
}

function countChar(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) n++;
  return n;
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  // 0.908 · price compared exactly, in integers: 908 · price against 10^9 and 5 · 10^10.
  .filter((b) => b.price * 908 > 1_000_000_000 && b.price * 908 < 50_000_000_000)
  .name('price range')
  .uid('q14-filter')
  .map((b) => ({
    auction: b.auction,
    bidder: b.bidder,
    price: (b.price * 908) / 1000,
    bidTimeType: bidTimeType(b.dateTime),
    dateTime: b.dateTime,
    extra: b.extra,
    c_counts: countChar(b.extra, 'c'),
  }))
  .name('calculate')
  .uid('q14-calculate');
sinkRows(rows, args);

await env.execute('Nexmark q14');
