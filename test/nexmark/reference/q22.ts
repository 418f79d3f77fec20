/**
 * q22, get URL directories: every bid with the first three directories of its URL
 * (`SPLIT_INDEX(url, '/', 3 | 4 | 5)`; null where the URL has fewer parts). Rows `{auction,
 * bidder, price, channel, dir1, dir2, dir3}`, in input order.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { splitIndex } from './sql-functions.js';

export interface Q22Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly dir1: string | null;
  readonly dir2: string | null;
  readonly dir3: string | null;
}

export function q22(events: Iterable<NexmarkEvent>): Q22Row[] {
  const rows: Q22Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    const b = e.bid;
    const [dir1, dir2, dir3] = splitIndex(b.url, '/', 3, 4, 5);
    rows.push({ auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, dir1: dir1 ?? null, dir2: dir2 ?? null, dir3: dir3 ?? null });
  }
  return rows;
}
