/**
 * q13, bounded side input join: every bid enriched with the side input's value for
 * `auction % 10000`; bids without one are dropped (an inner lookup join). The side input is
 * Nexmark's (`side_input_gen.sh`): keys 0 … 9999, each value its key as a string. Rows
 * `{auction, bidder, price, dateTime, value}`, in input order.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

export interface Q13Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly value: string;
}

export const Q13_SIDE_INPUT_ROWS = 10_000;

/** Nexmark's side input: `i → String(i)` for i in [0, rows). */
export function nexmarkSideInput(rows = Q13_SIDE_INPUT_ROWS): Map<number, string> {
  return new Map(Array.from({ length: rows }, (_, i) => [i, String(i)]));
}

export function q13(events: Iterable<NexmarkEvent>, sideInput: ReadonlyMap<number, string> = nexmarkSideInput()): Q13Row[] {
  const rows: Q13Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    const value = sideInput.get(b.auction % Q13_SIDE_INPUT_ROWS);
    if (value !== undefined) rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, value });
  }
  return rows;
}
