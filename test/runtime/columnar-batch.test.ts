import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordBatch, decodeEvent } from '../../src/runtime/index.js';
import { encodeBatches } from '../../src/runtime/batch-codec.js';
import { MAX_FIELDS } from '../../src/runtime/columnar-batch.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';

/** Encodes the batches as one, decodes it, and returns what came out with its buffer. */
function roundTrip(...batches: RecordBatch[]): { back: RecordBatch; bytes: Uint8Array } {
  const bytes = encodeBatches(batches);
  const back = decodeEvent(bytes);
  assert.ok(back instanceof RecordBatch);
  return { back, bytes };
}

const COLUMNS = 2;
const MSGPACK = 0;

test('numbers and objects of one shape go as columns and come back equal, every float64 as it was', () => {
  const numbers = [0, -0, 1.5, -7, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 2 ** 60];
  const { back, bytes } = roundTrip(new RecordBatch(numbers, undefined, undefined));
  assert.equal(bytes[0], COLUMNS);
  assert.deepEqual(back.values, numbers);
  assert.ok(Object.is(back.values[1], -0), '-0 stays -0');
  // A column of whole numbers but for one -0 is not an int32 column (an int32 has no -0).
  const ints = roundTrip(new RecordBatch([{ n: 0 }, { n: -0 }, { n: 3 }], [1, -0, 2], [0, 0, 0]));
  assert.ok(Object.is((ints.back.values[1] as { n: number }).n, -0), '-0 in a column of ints stays -0');
  assert.ok(Object.is(ints.back.keys![1], -0), 'a key -0 stays -0');
  // A record with a field of its own named `constructor` (parsed JSON can have one) is still a plain object.
  const parsed = Array.from({ length: 3 }, (_, i) => JSON.parse(`{"constructor":"c${i}","n":${i}}`) as unknown);
  assert.deepEqual(roundTrip(new RecordBatch(parsed, undefined, undefined)).back.values, parsed);
  // One whose `constructor` is a function is not misread as a Map or an array (MessagePack, whose
  // own test is the constructor, would throw on `Map` and turn the record into [] for `Array`):
  // it is refused for holding a function, as any record with a function field is.
  for (const constructor of [Map, Array]) {
    assert.throws(() => encodeBatches([new RecordBatch([{ constructor, n: 1 }, { constructor, n: 2 }], undefined, undefined)]), /Unknown type: function\. Records must be plain data/);
  }

  const events = Array.from({ length: 1000 }, (_, i) => ({ key: (i * 7919) % 100, amount: i & 7, price: i / 3 }));
  const keys = events.map((e) => e.key);
  const groups = keys.map((k) => (k * 31) % 32768);
  const r = roundTrip(new RecordBatch(events, keys, groups));
  assert.equal(r.bytes[0], COLUMNS);
  assert.deepEqual(r.back.values, events);
  assert.deepEqual(Array.from(r.back.keys!), keys);
  assert.deepEqual(Array.from(r.back.keyGroups!), groups);
  assert.equal(r.back.timestamps, undefined);
  // Field order is kept, and each record is a plain object of its own.
  assert.deepEqual(Object.keys(r.back.values[0] as object), ['key', 'amount', 'price']);
  assert.equal(Object.getPrototypeOf(r.back.values[0]), Object.prototype);
  assert.notEqual(r.back.values[0], r.back.values[1]);
});

test('fields that are not numbers, string keys and nested values ride in the MessagePack section', () => {
  const values = [
    { id: 1, name: 'a', tags: ['x'], at: new Date(5), big: 3n, none: undefined, nil: null },
    { id: 2, name: 'bé', tags: [], at: new Date(6), big: -1n, none: undefined, nil: null },
    // A field that was numeric turns into something else half-way.
    { id: '3', name: '', tags: [{ deep: { deeper: 1 } }], at: new Date(7), big: 0n, none: undefined, nil: null },
  ];
  const keys = ['k1', 'k2', 'k3'];
  const { back, bytes } = roundTrip(new RecordBatch(values, keys, [0, 1, 32767]));
  assert.equal(bytes[0], COLUMNS);
  assert.deepEqual(back.values, values);
  assert.deepEqual(Array.from(back.keys!), keys);
  assert.deepEqual(Array.from(back.keyGroups!), [0, 1, 32767]);
  assert.ok('none' in (back.values[0] as object), 'a field holding undefined stays a field');
});

test('values of mixed shapes, class instances, many fields or a __proto__ field go whole, as MessagePack holds them', () => {
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const many = Object.fromEntries(Array.from({ length: MAX_FIELDS + 1 }, (_, i) => [`f${i}`, i]));
  const proto = JSON.parse('{"__proto__": 1, "a": 2}') as object;
  const cases: unknown[][] = [
    [{ a: 1 }, { b: 2 }],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1 }, 5, 'x', null],
    ['a', 'b'],
    [many, many],
  ];
  for (const values of cases) {
    const { back, bytes } = roundTrip(new RecordBatch(values, values.map((_, i) => i), values.map((_, i) => i)));
    assert.equal(bytes[0], COLUMNS);
    assert.deepEqual(back.values, values);
    assert.deepEqual(Array.from(back.keys!), values.map((_, i) => i));
  }
  const back = roundTrip(new RecordBatch([proto], undefined, undefined)).back.values[0] as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype, 'a field named __proto__ never becomes a prototype');
  assert.equal(back.a, 2);
  // As before columns: an instance of a class arrives as a plain object with its fields.
  const point = roundTrip(new RecordBatch([new Point(1, 2)], undefined, undefined)).back.values[0];
  assert.deepEqual({ ...(point as object) }, { x: 1, y: 2 });
});

test('a run of batches goes as one: records, keys and timestamps in order, MIN_TIMESTAMP where a batch had none', () => {
  const a = new RecordBatch([{ v: 1 }, { v: 2 }], [1, 2], [1, 2], [10, 20]);
  const b = new RecordBatch([{ v: 3 }], [3], [3], undefined);
  const c = new RecordBatch([{ v: 4 }], [4], [4], new Float64Array([-5]));
  const { back } = roundTrip(a, b, c);
  assert.deepEqual(back.values, [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }]);
  assert.deepEqual(Array.from(back.keys!), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(back.timestamps!), [10, 20, MIN_TIMESTAMP, -5]);
  // Without any timestamps, none are carried.
  assert.equal(roundTrip(new RecordBatch([1], undefined, undefined), new RecordBatch([2], undefined, undefined)).back.timestamps, undefined);
});

test('each field is read once (a getter runs once per record), and a buffer not aligned to 8 bytes decodes too', () => {
  let reads = 0;
  const values = [1, 2, 3].map((i) => ({
    get v() {
      reads++;
      return i;
    },
  }));
  const bytes = encodeBatches([new RecordBatch(values, undefined, undefined)]);
  assert.equal(reads, 3);
  const shifted = new Uint8Array(bytes.length + 3).subarray(3);
  shifted.set(bytes);
  assert.deepEqual((decodeEvent(shifted) as RecordBatch).values, [{ v: 1 }, { v: 2 }, { v: 3 }]);
});

test('an empty batch and a batch that refers to itself still cross', () => {
  assert.equal(encodeBatches([new RecordBatch([], undefined, undefined)])[0], MSGPACK);
  const cyclic: { self?: unknown; n: number } = { n: 1 };
  cyclic.self = cyclic;
  const back = decodeEvent(encodeBatches([new RecordBatch([cyclic], ['k'], [7])])) as RecordBatch;
  const v = back.values[0] as { self: unknown; n: number };
  assert.equal(v.self, v);
  assert.deepEqual(Array.from(back.keys!), ['k']);
});

// (-0 stays -0 in a numeric column; in MessagePack, as before columns, it arrives as 0.)
test('random batches round-trip exactly (property)', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const scalars = [() => rnd() * 1e6 - 5e5, () => Math.floor(rnd() * 100), () => pick(['', 'x', 'ü', 'long string '.repeat(5)]), () => pick([true, false, null, undefined, NaN])];
  for (let round = 0; round < 300; round++) {
    const shape = Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, i) => `f${i}`);
    const kinds = shape.map(() => pick(scalars));
    const record = () => (rnd() < 0.05 ? pick(scalars)() : Object.fromEntries(shape.map((f, i) => [f, rnd() < 0.1 ? pick(scalars)() : kinds[i]!()])));
    const batches = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
      const n = Math.floor(rnd() * 40) + 1;
      const values = Array.from({ length: n }, record);
      const keyed = round % 2 === 0;
      const keys = keyed ? values.map(() => (rnd() < 0.9 ? Math.floor(rnd() * 1000) : `k${Math.floor(rnd() * 9)}`)) : undefined;
      const groups = keyed ? values.map(() => Math.floor(rnd() * 32768)) : undefined;
      const ts = rnd() < 0.5 ? values.map(() => Math.floor(rnd() * 1e9) - 5e8) : undefined;
      return new RecordBatch(values, keys, groups, ts);
    });
    // All keyed or none, as one writer's batches are.
    const keyed = batches[0]!.keys !== undefined;
    const run = batches.map((b) => (keyed ? b : new RecordBatch(b.values, undefined, undefined, b.timestamps)));
    const { back } = roundTrip(...run);
    assert.deepEqual(back.values, run.flatMap((b) => b.values));
    if (keyed) {
      assert.deepEqual(Array.from(back.keys!), run.flatMap((b) => Array.from(b.keys!)));
      assert.deepEqual(Array.from(back.keyGroups!), run.flatMap((b) => Array.from(b.keyGroups!)));
    } else assert.equal(back.keys, undefined);
    const timed = run.some((b) => b.timestamps !== undefined);
    if (timed) assert.deepEqual(Array.from(back.timestamps!), run.flatMap((b) => (b.timestamps ? Array.from(b.timestamps) : b.values.map(() => MIN_TIMESTAMP))));
    else assert.equal(back.timestamps, undefined);
  }
});
