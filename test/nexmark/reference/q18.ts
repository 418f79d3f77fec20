/**
 * q18, find last bid: per bidder and auction, the bid with the latest `dateTime`; among equal
 * times the one that arrived last (Flink's keep-last-row deduplication replaces on `>=`). Rows
 * `{auction, bidder, price, channel, url, dateTime, extra}`; the final table, by bidder, then
 * auction.
 */
import type { Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

/** A bid's own fields, in its order. */
export type Q18Row = Bid;

export function q18(events: Iterable<NexmarkEvent>): Q18Row[] {
  const last = new Map<string, Bid>();
  for (const e of events) {
    if (e.bid === null) continue;
    const key = `${e.bid.bidder},${e.bid.auction}`;
    const prev = last.get(key);
    if (prev === undefined || e.bid.dateTime >= prev.dateTime) last.set(key, e.bid);
  }
  return [...last.values()].sort((a, b) => a.bidder - b.bidder || a.auction - b.auction);
}
