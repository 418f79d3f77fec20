/**
 * Nexmark q15, bidding statistics report: per day (UTC), how many bids, distinct bidders and
 * distinct auctions there were, in all and per price rank. Rows `{day, total_bids, rank1_bids,
 * …, rank3_auctions}`, an upsert stream keyed by `day` (a row after each bid): the last row per
 * day is the result, as Nexmark's unwindowed GROUP BY gives.
 *
 *   npx flink run jobs/nexmark/q15.ts --events 10000000 [--out DIR | --print]
 */
import type { Bid } from 'flink-ts';
import { type BidCounters, type BidStatistics, BidStatisticsFunction, withCounters } from './bid-statistics.js';
import { bidsOf, dayNumber, nexmarkJob, sinkRows, utcDay } from './common.js';

class DailyStatistics extends BidStatisticsFunction<number, { day: string } & BidStatistics> {
  protected row(b: Bid, _day: number, c: BidCounters) {
    return withCounters({ day: utcDay(b.dateTime) }, c);
  }
}

const { env, args, events } = nexmarkJob();

const rows = bidsOf(events)
  .keyBy((b) => dayNumber(b.dateTime))
  .process(new DailyStatistics())
  .name('statistics per day')
  .uid('q15-statistics');
sinkRows(rows, args);

await env.execute('Nexmark q15');
