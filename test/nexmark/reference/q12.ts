/**
 * q12, processing-time windows: bids per bidder per tumbling 10 s window of processing time.
 * Which bids share a window depends on the wall clock, so the deterministic part of its result
 * is what the windows of a bidder add up to once every window has fired: rows `{bidder,
 * bid_count}` with the bidder's total, by bidder.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

export interface Q12Row {
  readonly bidder: number;
  readonly bid_count: number;
}

export function q12(events: Iterable<NexmarkEvent>): Q12Row[] {
  const counts = new Map<number, number>();
  for (const e of events) if (e.bid !== null) counts.set(e.bid.bidder, (counts.get(e.bid.bidder) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([bidder, bid_count]) => ({ bidder, bid_count }));
}
