/**
 * Nexmark q13, bounded side input join: every bid enriched with a side table's value for
 * `auction % 10000` (bids without one are dropped) — Flink SQL's lookup join against a file,
 * here a rich function that loads the table in `open()` and looks each bid up.
 *
 *   npx flink run jobs/nexmark/q13.ts --events 10000000 [--side-input FILE] [--out DIR | --print]
 *
 * FILE holds `key,value` lines; without it the table is Nexmark's own (`side_input_gen.sh`):
 * keys 0 … 9999, each value its key as text.
 */
import { readFileSync } from 'node:fs';
import { type Bid, type Collector, RichFlatMapFunction } from 'flink-ts';
import { bidsOf, nexmarkJob, sinkRows } from './common.js';

interface Q13Row {
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
  value: string;
}

const SIDE_INPUT_KEYS = 10_000;

class SideInputJoin extends RichFlatMapFunction<Bid, Q13Row> {
  private table = new Map<number, string>();

  constructor(private readonly file: string | undefined) {
    super();
  }

  override open(): void {
    if (this.file === undefined) {
      for (let k = 0; k < SIDE_INPUT_KEYS; k++) this.table.set(k, String(k));
      return;
    }
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const comma = line.indexOf(',');
      if (comma > 0) this.table.set(Number(line.slice(0, comma)), line.slice(comma + 1));
    }
  }

  flatMap(b: Bid, out: Collector<Q13Row>): void {
    const value = this.table.get(b.auction % SIDE_INPUT_KEYS);
    if (value !== undefined) out.collect({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, value });
  }
}

const { env, args, events } = nexmarkJob();
const at = args.rest.indexOf('--side-input');
const sideInput = at >= 0 ? args.rest[at + 1] : undefined;

const rows = bidsOf(events).flatMap(new SideInputJoin(sideInput)).name('side input join').uid('q13-join');
sinkRows(rows, args);

await env.execute('Nexmark q13');
