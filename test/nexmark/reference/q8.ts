/**
 * q8, monitor new users: persons who opened an auction in the tumbling 10 s window (event time)
 * in which they registered. Rows `{id, name, stime}` (`stime`: the window's start, as Nexmark's
 * sink table names it), one per such person and window, by window, then id. Final rows at end of
 * input.
 */
import type { NexmarkEvent } from '../../../src/connectors/nexmark/index.js';
import { tumbleStart } from './windows.js';

export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly stime: number;
}

export const Q8_SIZE_MS = 10_000;

export function q8(events: Iterable<NexmarkEvent>): Q8Row[] {
  const persons = new Map<string, Q8Row>(); // `${window},${id}` → row (GROUP BY id, name, window)
  const sellers = new Set<string>(); // `${window},${seller}`
  for (const e of events) {
    if (e.person !== null) {
      const stime = tumbleStart(e.person.dateTime, Q8_SIZE_MS);
      persons.set(`${stime},${e.person.id}`, { id: e.person.id, name: e.person.name, stime });
    } else if (e.auction !== null) {
      sellers.add(`${tumbleStart(e.auction.dateTime, Q8_SIZE_MS)},${e.auction.seller}`);
    }
  }
  return [...persons]
    .filter(([key]) => sellers.has(key))
    .map(([, row]) => row)
    .sort((a, b) => a.stime - b.stime || a.id - b.id);
}
