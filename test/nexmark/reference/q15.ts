/**
 * q15, bidding statistics report: per day (UTC), bids and distinct bidders and auctions, in all
 * and per price rank (see bid-statistics.ts). Rows `{day, ...counts}`; the final table (an
 * unwindowed GROUP BY), by day.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { type BidStatistics, BidStatisticsAccumulator } from './bid-statistics.js';
import { formatDay } from './sql-functions.js';

export type Q15Row = { readonly day: string } & BidStatistics;

export function q15(events: Iterable<NexmarkEvent>): Q15Row[] {
  const days = new Map<string, BidStatisticsAccumulator>();
  for (const e of events) {
    if (e.bid === null) continue;
    const day = formatDay(e.bid.dateTime);
    let acc = days.get(day);
    if (acc === undefined) days.set(day, (acc = new BidStatisticsAccumulator()));
    acc.add(e.bid);
  }
  return [...days.keys()].sort().map((day) => ({ day, ...days.get(day)!.result() }));
}
