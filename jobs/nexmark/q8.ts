/**
 * Nexmark q8, monitor new users: persons who opened an auction in the same tumbling 10 s window
 * (event time) in which they registered. Rows `{id, name, stime}` (the window's start, named as
 * Nexmark's sink table names it), one per such person and window.
 *
 * As the query says: a join of persons and auctions on person id = seller within the same
 * tumbling window — a window coGroup of the two streams (persons, auctions), which emits a
 * window's persons (once per id and name, as the query's GROUP BY) when the window also holds an
 * auction of theirs.
 *
 *   npx flink run jobs/nexmark/q8.ts --events 10000000 [--out DIR | --print]
 */
import { type Auction, type Collector, Duration, type NexmarkEvent, type Person, TumblingEventTimeWindows } from 'flink-ts';
import { nexmarkJob, sinkRows } from './common.js';

interface Q8Row {
  id: number;
  name: string;
  stime: number;
}

const WINDOW_MS = 10_000;

/** The persons of one id and window who sold in it, once per name. */
function newSellers(persons: readonly Person[], auctions: readonly Auction[], out: Collector<Q8Row>): void {
  if (persons.length === 0 || auctions.length === 0) return;
  const names = new Set<string>();
  for (const p of persons) {
    if (names.has(p.name)) continue;
    names.add(p.name);
    out.collect({ id: p.id, name: p.name, stime: p.dateTime - (p.dateTime % WINDOW_MS) });
  }
}

const { env, args, events } = nexmarkJob({ eventTime: true });

const persons = events
  .filter((e: NexmarkEvent) => e.person !== null)
  .name('persons')
  .uid('q8-persons')
  .map((e: NexmarkEvent) => e.person!)
  .uid('q8-person');
const auctions = events
  .filter((e: NexmarkEvent) => e.auction !== null)
  .name('auctions')
  .uid('q8-auctions')
  .map((e: NexmarkEvent) => e.auction!)
  .uid('q8-auction');

const rows = persons
  .coGroup(auctions)
  .where((p) => p.id)
  .equalTo((a) => a.seller)
  .window(TumblingEventTimeWindows.of(Duration.ofMillis(WINDOW_MS)))
  .apply(newSellers)
  .name('new sellers')
  .uid('q8-join');
sinkRows(rows, args);

await env.execute('Nexmark q8');
