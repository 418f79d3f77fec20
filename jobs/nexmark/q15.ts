/**
 * Nexmark q15, bidding statistics report: per day (UTC), how many bids, distinct bidders and
 * distinct auctions there were, in all and per price rank. Rows `{day, total_bids, rank1_bids,
 * …, rank3_auctions}`, an upsert stream keyed by `day` (a row after each bid): the last row per
 * day is the result, as Nexmark's unwindowed GROUP BY gives.
 *
 *   npx flink run jobs/nexmark/q15.ts --events 10000000 [--out DIR | --print]
 */
import type { Bid } from 'flink-ts';
import { type BidStatistics, BidStatisticsFunction } from './bid-statistics.js';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

class DailyStatistics extends BidStatisticsFunction<string, { day: string } & BidStatistics> {
  protected row(b: Bid, stats: BidStatistics) {
    return { day: day(b.dateTime), ...stats };
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => day(b.dateTime))
  .process(new DailyStatistics())
  .name('statistics per day')
  .uid('q15-statistics');
sinkRows(rows, args);

await env.execute('Nexmark q15');
