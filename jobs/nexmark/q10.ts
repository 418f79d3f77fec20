/**
 * Nexmark q10, log to file system: every bid into files partitioned by the day and minute of
 * its time in UTC, `dt=yyyy-MM-dd/hm=HH:mm/part-…` (Nexmark writes CSV into a partitioned
 * file system table; here JSON lines into FileSink buckets, exactly-once). The partition columns
 * are in the path, not in the rows, as in Flink's file system sink.
 *
 *   npx flink run jobs/nexmark/q10.ts --events 10000000 [--out DIR]   (default DIR out/nexmark-q10)
 */
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))
  .name('project')
  .uid('q10-project');

/** `dt=2015-07-15/hm=00:00` from `2015-07-15T00:00:00.000Z`. */
const partition = (row: { dateTime: number }) => {
  const iso = new Date(row.dateTime).toISOString();
  return `dt=${iso.slice(0, 10)}/hm=${iso.slice(11, 16)}`;
};
sinkRows(rows, { ...args, out: args.out ?? 'out/nexmark-q10' }, partition);

await env.execute('Nexmark q10');
