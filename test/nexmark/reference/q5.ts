/**
 * q5, hot items: per sliding window of 10 s every 2 s (event time, aligned to the epoch), the
 * auctions with the most bids — every auction whose count equals the window's highest, ties
 * included. Rows `{auction, num, starttime, endtime}` (Nexmark's sink keeps only auction and
 * num; the window bounds make rows checkable). Final rows per window at end of input, by window
 * start, then auction.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { hopStarts } from './windows.js';

export interface Q5Row {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
  readonly endtime: number;
}

export const Q5_SIZE_MS = 10_000;
export const Q5_SLIDE_MS = 2_000;

export function q5(events: Iterable<NexmarkEvent>): Q5Row[] {
  const counts = new Map<number, Map<number, number>>(); // window start → auction → bids
  for (const e of events) {
    if (e.bid === null) continue;
    for (const start of hopStarts(e.bid.dateTime, Q5_SIZE_MS, Q5_SLIDE_MS)) {
      let perAuction = counts.get(start);
      if (perAuction === undefined) counts.set(start, (perAuction = new Map()));
      perAuction.set(e.bid.auction, (perAuction.get(e.bid.auction) ?? 0) + 1);
    }
  }
  const rows: Q5Row[] = [];
  for (const start of [...counts.keys()].sort((a, b) => a - b)) {
    const perAuction = counts.get(start)!;
    let max = 0;
    for (const n of perAuction.values()) max = Math.max(max, n);
    const hot = [...perAuction].filter(([, n]) => n === max).map(([a]) => a).sort((a, b) => a - b);
    for (const auction of hot) rows.push({ auction, num: max, starttime: start, endtime: start + Q5_SIZE_MS });
  }
  return rows;
}
