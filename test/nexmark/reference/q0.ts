/**
 * q0, pass through: every bid as `{auction, bidder, price, dateTime, extra}`, in input order.
 * (Measures the source and the engine's overhead.)
 */
import type { Bid, NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

export interface Q0Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

/** The q0 columns of a bid (with another price, for q1). */
export function q0Row(b: Bid, price = b.price): Q0Row {
  return { auction: b.auction, bidder: b.bidder, price, dateTime: b.dateTime, extra: b.extra };
}

export function q0(events: Iterable<NexmarkEvent>): Q0Row[] {
  const rows: Q0Row[] = [];
  for (const e of events) if (e.bid !== null) rows.push(q0Row(e.bid));
  return rows;
}
