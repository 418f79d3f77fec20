/**
 * q19, auction top-10 price: per auction, its 10 highest bids by price, ranked 1 … 10; among
 * equal prices the bid that arrived first ranks higher (as Flink's Top-N keeps the earlier row).
 * Rows `{auction, bidder, price, channel, url, dateTime, extra, rank_number}`; the final table,
 * by auction, then rank.
 */
import type { Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { addTo } from './groups.js';

/** A bid's own fields, in its order, and its rank. */
export type Q19Row = Bid & { readonly rank_number: number };

export const Q19_TOP = 10;

export function q19(events: Iterable<NexmarkEvent>): Q19Row[] {
  const byAuction = new Map<number, Bid[]>();
  for (const e of events) if (e.bid !== null) addTo(byAuction, e.bid.auction, e.bid);
  const rows: Q19Row[] = [];
  for (const auction of [...byAuction.keys()].sort((a, b) => a - b)) {
    // A stable sort keeps arrival order among equal prices.
    const top = [...byAuction.get(auction)!].sort((a, b) => b.price - a.price).slice(0, Q19_TOP);
    top.forEach((b, k) => {
      rows.push({ auction, bidder: b.bidder, price: b.price, channel: b.channel, url: b.url, dateTime: b.dateTime, extra: b.extra, rank_number: k + 1 });
    });
  }
  return rows;
}
