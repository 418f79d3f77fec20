/**
 * Nexmark q10, log to file system: every bid into files partitioned by the day and minute of
 * its time in UTC, `dt=yyyy-MM-dd/hm=HH%3Amm/part-…` (Nexmark writes CSV into a partitioned
 * file system table; here JSON lines into FileSink buckets, exactly-once). The partition columns
 * are in the path, not in the rows, as in Flink's file system sink, which escapes a partition
 * value's `:` (and other characters Hive escapes) as `%3A`: the directory of `hm` `00:00` is
 * `hm=00%3A00`.
 *
 *   npx flink run jobs/nexmark/q10.ts --events 10000000 [--out DIR]   (default DIR out/nexmark-q10)
 */
import { bidsOf, nexmarkJob, sinkRows, utcDay, utcHourMinute } from './common.js';

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))
  .name('project')
  .uid('q10-project');

let partitionMinute = Number.NaN;
let partitionPath = '';

/**
 * `dt=2015-07-15/hm=00%3A00` from `2015-07-15T00:00:00.000Z`. Bids come in time order, so the path
 * is made once per minute rather than formatted per row.
 */
const partition = (row: { dateTime: number }) => {
  const minute = Math.floor(row.dateTime / 60_000);
  if (minute !== partitionMinute) {
    partitionPath = `dt=${utcDay(row.dateTime)}/hm=${utcHourMinute(row.dateTime).replace(':', '%3A')}`;
    partitionMinute = minute;
  }
  return partitionPath;
};
sinkRows(rows, { ...args, out: args.out ?? 'out/nexmark-q10' }, partition);

await env.execute('Nexmark q10');
