/**
 * Nexmark q8, monitor new users: persons who opened an auction in the same tumbling 10 s window
 * (event time) in which they registered. Rows `{id, name, starttime}`, one per such person and
 * window.
 *
 * The query joins two windowed aggregations (persons per window, sellers per window) on id and
 * window. Both are events of the one Nexmark stream, so one window operator does it, without a
 * second input: persons and auctions keyed by person id (the auction's seller) into tumbling
 * windows, and a window that holds both the person and an auction of theirs gives a row.
 *
 *   npx flink run jobs/nexmark/q8.ts --events 10000000 [--out DIR | --print]
 */
import { type Collector, Duration, type NexmarkEvent, ProcessWindowFunction, type ProcessWindowContext, type TimeWindow, TumblingEventTimeWindows } from 'flink-ts';
import { nexmarkJob, sinkRows } from './common.js';

interface Q8Row {
  id: number;
  name: string;
  starttime: number;
}

/** What the window keeps per person: their name if they registered in it, and whether they sold. */
interface Seen {
  name: string | undefined;
  sold: boolean;
}

class NewSellers extends ProcessWindowFunction<Seen, Q8Row, number, TimeWindow> {
  process(id: number, ctx: ProcessWindowContext<TimeWindow>, seen: Iterable<Seen>, out: Collector<Q8Row>): void {
    for (const s of seen) if (s.name !== undefined && s.sold) out.collect({ id, name: s.name, starttime: ctx.window().start });
  }
}

const { env, args, events } = nexmarkJob({ eventTime: true });

const rows = events
  .filter((e: NexmarkEvent) => e.person !== null || e.auction !== null)
  .name('persons and auctions')
  .uid('q8-filter')
  .keyBy((e) => (e.person !== null ? e.person.id : e.auction!.seller))
  .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
  .aggregate(
    {
      createAccumulator: (): Seen => ({ name: undefined, sold: false }),
      add: (e: NexmarkEvent, acc: Seen): Seen => (e.person !== null ? { name: e.person.name, sold: acc.sold } : { name: acc.name, sold: true }),
      getResult: (acc: Seen) => acc,
      merge: (a: Seen, b: Seen): Seen => ({ name: a.name ?? b.name, sold: a.sold || b.sold }),
    },
    new NewSellers(),
  )
  .name('new sellers')
  .uid('q8-join');
sinkRows(rows, args);

await env.execute('Nexmark q8');
