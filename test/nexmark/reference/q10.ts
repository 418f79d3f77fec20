/**
 * q10, log to file system: every bid with its partition, `dt` (`yyyy-MM-dd`) and `hm` (`HH:mm`)
 * of its time in UTC, in input order. Rows `{auction, bidder, price, dateTime, extra, dt, hm}`;
 * a job writes each into the directory `dt=<dt>/hm=<hm>`, the values escaped as Flink's
 * partitioned file sink escapes them (`hm=00%3A00`).
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import type { Q0Row } from './q0.js';
import { formatDay, formatHourMinute } from './sql-functions.js';

export type Q10Row = Q0Row & { readonly dt: string; readonly hm: string };

export function q10(events: Iterable<NexmarkEvent>): Q10Row[] {
  const rows: Q10Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    // Written out rather than spread: a spread row costs several times more here.
    rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra, dt: formatDay(b.dateTime), hm: formatHourMinute(b.dateTime) });
  }
  return rows;
}
