/**
 * What one copy of a record costs (util/copy-record.ts: what every operator gets with object
 * reuse off, and each consumer of a broadcast edge) against an encoding and decoding by the
 * cross-thread codec (runtime/batch-codec.ts) and `structuredClone`, for four shapes of record
 * in batches of 1024, best of five repeats after a warm-up, ns a record:
 *
 *   node --import tsx bench/experiments/record-copies.ts
 *
 * Run it pinned (`taskset -c 1`) and more than once: the VM's speed moves between minutes.
 */
import { decodeEvent, encodeBatches } from '../../src/runtime/batch-codec.js';
import { RecordBatch } from '../../src/runtime/channel-events.js';
import { copyRecord } from '../../src/util/copy-record.js';

class Bid {
  constructor(
    readonly auction: number,
    readonly bidder: number,
    readonly price: number,
    readonly channel: string,
    readonly url: string,
    readonly dateTime: number,
    readonly extra: string,
  ) {}
}

const SHAPES: ReadonlyArray<[string, (i: number) => unknown]> = [
  ['number', (i) => i],
  ['{ key, amount }', (i) => ({ key: i % 1000, amount: i & 7 })],
  ['7-field class instance', (i) => new Bid(i, i * 3, i & 1023, 'Google', 'https://www.nexmark.com/xyz/abc', 1_700_000_000_000 + i, '')],
  ['{ id, tags[3], pos { x, y }, at: Date }', (i) => ({ id: i, tags: ['a', 'b', String(i & 7)], pos: { x: i, y: -i }, at: new Date(i) })],
];

function copies(): void {
  const n = 1024;
  let kept = 0;
  /** ns a record of `f` over one batch, best of five repeats of 80 batches. */
  const time = (f: () => void): number => {
    for (let w = 0; w < 50; w++) f();
    let best = Infinity;
    for (let rep = 0; rep < 5; rep++) {
      const t = process.hrtime.bigint();
      for (let r = 0; r < 80; r++) f();
      best = Math.min(best, Number(process.hrtime.bigint() - t) / (80 * n));
    }
    return best;
  };
  for (const [name, make] of SHAPES) {
    const values = Array.from({ length: n }, (_, i) => make(i));
    const copy = time(() => {
      for (let i = 0; i < n; i++) if (copyRecord(values[i]) !== undefined) kept++;
    });
    const codec = time(() => {
      kept += (decodeEvent(encodeBatches([new RecordBatch(values.slice(), undefined, undefined, undefined)])) as RecordBatch).values.length;
    });
    const clone = time(() => {
      for (let i = 0; i < n; i++) if (structuredClone(values[i]) !== undefined) kept++;
    });
    console.log(`${name.padEnd(40)} copyRecord ${copy.toFixed(1).padStart(6)}   codec ${codec.toFixed(1).padStart(6)}   structuredClone ${clone.toFixed(1).padStart(7)}  ns a record`);
  }
  if (kept < 0) throw new Error('unreachable');
}

copies();
