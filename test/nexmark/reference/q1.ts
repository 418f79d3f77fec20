/**
 * q1, currency conversion: every bid with its price in euros (`0.908 * price`, a DECIMAL(23, 3)
 * given as the nearest double, which prints as the exact decimal), in input order.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { toEuro } from './sql-functions.js';
import { type Q0Row, q0Row } from './q0.js';

export type Q1Row = Q0Row;

export function q1(events: Iterable<NexmarkEvent>): Q1Row[] {
  const rows: Q1Row[] = [];
  for (const e of events) {
    if (e.bid === null) continue;
    rows.push(q0Row(e.bid, toEuro(e.bid.price)));
  }
  return rows;
}
