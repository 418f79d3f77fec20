/**
 * The experiment behind the columnar batch layout (src/runtime/columnar-batch.ts): what it costs
 * a thread to encode a batch of 1024 keyed records into one buffer and to decode it, per
 * record, as columns (the engine's codec) and as MessagePack records with keys and key groups
 * as arrays (the layout before columns), for numeric records like the keyed count's and for
 * records with a string field and string keys. Alternates the two in rounds and prints the
 * best round of each (the machine is shared: best of, not mean).
 *
 *   node --import tsx bench/experiments/channel-codec.ts [rounds=7]
 */
import { Packr } from 'msgpackr';
import { decodeEvent, encodeBatches } from '../../src/runtime/batch-codec.js';
import { RecordBatch } from '../../src/runtime/channel-events.js';

const N = 1024;
const REPEAT = 2000;
const rounds = Number(process.argv[2] ?? 7);
const packr = new Packr({ moreTypes: true, mapsAsObjects: false });

function batchOf(record: (i: number) => { value: unknown; key: unknown }): RecordBatch {
  const values: unknown[] = [];
  const keys: unknown[] = [];
  const groups: number[] = [];
  for (let i = 0; i < N; i++) {
    const { value, key } = record(i);
    values.push(value);
    keys.push(key);
    groups.push(i & 127);
  }
  return new RecordBatch(values, keys, groups);
}

const cases = {
  'numeric { key, amount }': batchOf((i) => {
    const key = (i * 7919) % 100_000;
    return { value: { key, amount: i & 7 }, key };
  }),
  '{ customer: string, cents }': batchOf((i) => {
    const customer = `customer-${i % 100}`;
    return { value: { customer, cents: i * 3 }, key: customer };
  }),
};

const msgpack = {
  encode: (b: RecordBatch) => new Uint8Array(packr.pack([0, b.values, b.keys, b.keyGroups, null])),
  decode: (bytes: Uint8Array) => packr.unpack(bytes),
};
const columns = { encode: (b: RecordBatch) => encodeBatches([b]), decode: decodeEvent };

/** ns per record of `f` over REPEAT calls. */
function nsPerRecord(f: () => unknown): number {
  const t = process.hrtime.bigint();
  for (let j = 0; j < REPEAT; j++) f();
  return Number(process.hrtime.bigint() - t) / REPEAT / N;
}

for (const [name, batch] of Object.entries(cases)) {
  const best = { columnsEncode: Infinity, columnsDecode: Infinity, msgpackEncode: Infinity, msgpackDecode: Infinity };
  const colBytes = columns.encode(batch);
  const mpBytes = msgpack.encode(batch);
  for (let r = 0; r < rounds; r++) {
    best.columnsEncode = Math.min(best.columnsEncode, nsPerRecord(() => columns.encode(batch)));
    best.msgpackEncode = Math.min(best.msgpackEncode, nsPerRecord(() => msgpack.encode(batch)));
    best.columnsDecode = Math.min(best.columnsDecode, nsPerRecord(() => columns.decode(colBytes)));
    best.msgpackDecode = Math.min(best.msgpackDecode, nsPerRecord(() => msgpack.decode(mpBytes)));
  }
  const f = (x: number) => `${x.toFixed(1)} ns`;
  console.log(`${name}: ${colBytes.length} bytes as columns, ${mpBytes.length} as MessagePack`);
  console.log(`  encode: columns ${f(best.columnsEncode)}, MessagePack ${f(best.msgpackEncode)} (${(best.columnsEncode / best.msgpackEncode).toFixed(2)}×)`);
  console.log(`  decode: columns ${f(best.columnsDecode)}, MessagePack ${f(best.msgpackDecode)} (${(best.columnsDecode / best.msgpackDecode).toFixed(2)}×)`);
}
