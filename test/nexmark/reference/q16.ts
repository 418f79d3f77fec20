/**
 * q16, channel statistics report: per channel and day (UTC), the latest minute (`HH:mm`, the
 * largest as a string) and q15's counts. Rows `{channel, day, minute, ...counts}`; the final
 * table, by channel, then day.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { type BidStatistics, BidStatisticsAccumulator } from './bid-statistics.js';
import { formatDay, formatHourMinute } from './sql-functions.js';

export type Q16Row = { readonly channel: string; readonly day: string; readonly minute: string } & BidStatistics;

export function q16(events: Iterable<NexmarkEvent>): Q16Row[] {
  const groups = new Map<string, { channel: string; day: string; minute: string; acc: BidStatisticsAccumulator }>();
  for (const e of events) {
    if (e.bid === null) continue;
    const day = formatDay(e.bid.dateTime);
    const minute = formatHourMinute(e.bid.dateTime);
    const key = `${e.bid.channel}\u0000${day}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { channel: e.bid.channel, day, minute, acc: new BidStatisticsAccumulator() }));
    if (minute > g.minute) g.minute = minute;
    g.acc.add(e.bid);
  }
  return [...groups.values()]
    .sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map((g) => ({ channel: g.channel, day: g.day, minute: g.minute, ...g.acc.result() }));
}
