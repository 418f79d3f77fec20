/**
 * q11, user sessions: per bidder, sessions of bids with gaps of at most 10 s (event time; two
 * bids exactly 10 s apart share a session, as Flink merges touching session windows), and the
 * number of bids in each. Rows `{bidder, bid_count, starttime, endtime}` with endtime = last
 * bid + 10 s; final rows at end of input, by bidder, then start.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { sessions } from './windows.js';
import { addTo } from './groups.js';

export interface Q11Row {
  readonly bidder: number;
  readonly bid_count: number;
  readonly starttime: number;
  readonly endtime: number;
}

export const Q11_GAP_MS = 10_000;

export function q11(events: Iterable<NexmarkEvent>): Q11Row[] {
  const times = new Map<number, number[]>();
  for (const e of events) if (e.bid !== null) addTo(times, e.bid.bidder, e.bid.dateTime);
  const rows: Q11Row[] = [];
  for (const bidder of [...times.keys()].sort((a, b) => a - b)) {
    for (const s of sessions(times.get(bidder)!, Q11_GAP_MS)) {
      rows.push({ bidder, bid_count: s.count, starttime: s.start, endtime: s.end });
    }
  }
  return rows;
}
