/**
 * Nexmark q3, local item suggestion: who sells in category 10 from Oregon, Idaho or California,
 * and which auctions — an inner join of auctions and persons on `seller = id`. Rows `{name,
 * city, state, id}` (id: the auction's).
 *
 * A regular join, as in Nexmark's SQL: the pair matches whichever side comes first, so state
 * holds each such person, and the auctions that came before their person. Both sides are events
 * of the one Nexmark stream, so one keyed process function over the stream keyed by person id
 * does the join (no second input needed).
 *
 *   npx flink run jobs/nexmark/q3.ts --events 10000000 [--out DIR | --print]
 */
import {
  type Collector,
  KeyedProcessFunction,
  type KeyedProcessContext,
  ListStateDescriptor,
  type ListState,
  type NexmarkEvent,
  type ValueState,
  ValueStateDescriptor,
} from 'flink-ts';
import { nexmarkJob, sinkRows } from './common.js';

interface Q3Row {
  name: string;
  city: string;
  state: string;
  id: number;
}

interface Seller {
  name: string;
  city: string;
  state: string;
}

const STATES = new Set(['OR', 'ID', 'CA']);
const CATEGORY = 10;

class LocalItemSuggestion extends KeyedProcessFunction<number, NexmarkEvent, Q3Row> {
  private seller!: ValueState<Seller>;
  private waiting!: ListState<number>;

  override open(): void {
    this.seller = this.getRuntimeContext().getState(new ValueStateDescriptor<Seller>('seller'));
    this.waiting = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('auctions-before-seller'));
  }

  processElement(e: NexmarkEvent, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    if (e.person !== null) {
      const p = { name: e.person.name, city: e.person.city, state: e.person.state };
      this.seller.update(p);
      for (const id of this.waiting.get()) out.collect({ name: p.name, city: p.city, state: p.state, id });
      this.waiting.clear();
    } else if (e.auction !== null) {
      const p = this.seller.value();
      if (p !== undefined) out.collect({ name: p.name, city: p.city, state: p.state, id: e.auction.id });
      else this.waiting.add(e.auction.id);
    }
  }
}

const { env, args, events } = nexmarkJob();

const rows = events
  .filter((e) => (e.person !== null && STATES.has(e.person.state)) || (e.auction !== null && e.auction.category === CATEGORY))
  .name('sellers and category-10 auctions')
  .uid('q3-filter')
  .keyBy((e) => (e.person !== null ? e.person.id : e.auction!.seller))
  .process(new LocalItemSuggestion())
  .name('join')
  .uid('q3-join');
sinkRows(rows, args);

await env.execute('Nexmark q3');
