/**
 * q3, local item suggestion: `{name, city, state, id}` for every auction in category 10 whose
 * seller is a person from OR, ID or CA — an inner join of auctions and persons on
 * `seller = person.id`. A regular (unwindowed) join: the pair matches whichever of the two came
 * first. A multiset; given in auction order.
 */
import type { NexmarkEvent, Person } from '../../../src/connectors/nexmark/index.js';

export interface Q3Row {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

export const Q3_STATES: ReadonlySet<string> = new Set(['OR', 'ID', 'CA']);
export const Q3_CATEGORY = 10;

export function q3(events: Iterable<NexmarkEvent>): Q3Row[] {
  const persons = new Map<number, Person>();
  const auctions: { id: number; seller: number }[] = [];
  for (const e of events) {
    if (e.person !== null && Q3_STATES.has(e.person.state)) persons.set(e.person.id, e.person);
    if (e.auction !== null && e.auction.category === Q3_CATEGORY) auctions.push(e.auction);
  }
  const rows: Q3Row[] = [];
  for (const a of auctions) {
    const p = persons.get(a.seller);
    if (p !== undefined) rows.push({ name: p.name, city: p.city, state: p.state, id: a.id });
  }
  return rows;
}
