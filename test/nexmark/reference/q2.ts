/** q2, selection: `{auction, price}` of the bids on every 123rd auction (`auction % 123 = 0`). */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';

export interface Q2Row {
  readonly auction: number;
  readonly price: number;
}

export function q2(events: Iterable<NexmarkEvent>): Q2Row[] {
  const rows: Q2Row[] = [];
  for (const e of events) {
    if (e.bid !== null && e.bid.auction % 123 === 0) rows.push({ auction: e.bid.auction, price: e.bid.price });
  }
  return rows;
}
