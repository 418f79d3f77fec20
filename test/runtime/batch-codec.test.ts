import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pack } from 'msgpackr';
import { CheckpointBarrier, EndOfInput, RecordBatch, Watermark, WatermarkStatus, decodeEvent, encodeEvent } from '../../src/runtime/index.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../src/util/time.js';
import { RecordEncodingError } from '../../src/util/errors.js';

test('channel events cross a thread boundary as one binary buffer per batch', () => {
  const values = [1, 'two', { three: [3, null, true] }, 2n ** 70n, new Date(0), new Map([['a', 1]]), new Set([1, 2])];
  const batch = new RecordBatch(values, ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'], [1, 2, 3, 4, 5, 6, 7]);
  const buf = encodeEvent(batch);
  assert.ok(buf instanceof Uint8Array);
  const back = decodeEvent(buf);
  assert.ok(back instanceof RecordBatch);
  assert.deepEqual(back.values, values);
  assert.deepEqual(Array.from(back.keys!), batch.keys);
  assert.deepEqual(Array.from(back.keyGroups!), batch.keyGroups);

  const barrier = decodeEvent(encodeEvent(new CheckpointBarrier(7, 123, { isSavepoint: true, aligned: true })));
  assert.ok(barrier instanceof CheckpointBarrier);
  assert.deepEqual([barrier.checkpointId, barrier.timestamp, barrier.options], [7, 123, { isSavepoint: true, aligned: true }]);
  // Which checkpoint completed last crosses with the barrier (an incremental snapshot builds on no older one).
  const after = decodeEvent(encodeEvent(new CheckpointBarrier(8, 124, { isSavepoint: false, aligned: false, full: true, latestCompleted: 7 })));
  assert.deepEqual((after as CheckpointBarrier).options, { isSavepoint: false, aligned: false, full: true, latestCompleted: 7 });
  // An end of input says whether a drain ended it (a worker may take it before hearing of the drain).
  assert.equal(decodeEvent(encodeEvent(EndOfInput.INSTANCE)), EndOfInput.INSTANCE);
  assert.equal(decodeEvent(encodeEvent(EndOfInput.DRAINED)), EndOfInput.DRAINED);
  assert.throws(() => decodeEvent(new Uint8Array([0, ...pack([99])])), /Unknown channel event type 99/);
  assert.throws(() => decodeEvent(encodeEvent(EndOfInput.INSTANCE).fill(9, 0, 1)), /Unknown channel event format 9/);
});

test('batch timestamps, watermarks and idleness cross as well; a batch without timestamps stays without', () => {
  const timestamps = [MIN_TIMESTAMP, 0, -5, 1_700_000_000_123, MAX_TIMESTAMP];
  const back = decodeEvent(encodeEvent(new RecordBatch(['a', 'b', 'c', 'd', 'e'], undefined, undefined, timestamps)));
  assert.ok(back instanceof RecordBatch);
  assert.deepEqual(Array.from(back.timestamps!), timestamps);
  const plain = decodeEvent(encodeEvent(new RecordBatch(['a'], undefined, undefined)));
  assert.equal((plain as RecordBatch).timestamps, undefined);
  const wm = decodeEvent(encodeEvent(new Watermark(MAX_TIMESTAMP)));
  assert.ok(wm instanceof Watermark && wm.timestamp === MAX_TIMESTAMP);
  assert.equal(decodeEvent(encodeEvent(WatermarkStatus.IDLE)), WatermarkStatus.IDLE);
  assert.equal(decodeEvent(encodeEvent(WatermarkStatus.ACTIVE)), WatermarkStatus.ACTIVE);
});

test('a function in a record is refused like a Symbol, in every layout, never dropped on the way to another thread', () => {
  const format = (n: number) => `#${n}`;
  const unencodable = /^A record cannot be copied to its consumer subtask in another worker thread: Unknown type: function\. .*a Symbol or a function cannot be copied/;
  const self: { n: number; format: typeof format; self?: unknown } = { n: 1, format };
  self.self = self;
  for (const values of [
    [{ n: 1, format }, { n: 2, format }], // one shape: columns, the function in the MessagePack section
    [format], // a bare function
    [{ n: 1 }, { deep: [new Map([['f', format]])] }], // mixed shapes: MessagePack records
    [self], // a record that refers to itself: encoded with references
  ]) {
    assert.throws(() => encodeEvent(new RecordBatch(values, undefined, undefined)), (e: unknown) => e instanceof RecordEncodingError && unencodable.test(e.message), String(values.length));
  }
});

test('a string with half a surrogate pair crosses as it is, in every layout, as a value and as a key; U+FFFD stays U+FFFD', () => {
  // What s.slice(0, 1) makes of an emoji: on one thread it reaches the next operator unchanged,
  // so another thread must see the same string (MessagePack alone writes U+FFFD for it).
  const high = '\uD83D';
  const low = 'x\uDE00';
  const cyclic: { s: string; self?: unknown } = { s: high };
  cyclic.self = cyclic;
  for (const [what, values, keys] of [
    ['columns', [{ id: 1, s: high }, { id: 2, s: 'ok' }], [high, 'ok']],
    ['a key alone', [1, 2], ['ok', low]],
    ['a whole column of strings', [high, low, '\uFFFD'], [1, 2, 3]],
    ['MessagePack records of mixed shapes', [{ a: 1 }, { deep: [new Map([[low, new Set([high])]])] }], [[1, low], [2, 'ok']]],
    ['records that refer to themselves', [cyclic], [low]],
  ] as const) {
    const batch = new RecordBatch([...values], [...keys], keys.map((_, i) => i));
    const back = decodeEvent(encodeEvent(batch)) as RecordBatch;
    if (what === 'records that refer to themselves') {
      const v = back.values[0] as typeof cyclic;
      assert.equal(v.s, high, what);
      assert.equal(v.self, v, what);
    } else assert.deepEqual(back.values, values, what);
    assert.deepEqual(Array.from(back.keys!), keys, what);
    assert.deepEqual(Array.from(back.keyGroups!), batch.keyGroups, what);
  }
  // Well-formed strings, a genuine U+FFFD among them, keep the columnar layout (byte 0 is 2).
  const fine = encodeEvent(new RecordBatch([{ id: 1, s: '\uFFFD\uD83D\uDE00' }], ['\uFFFD'], [3]));
  assert.equal(fine[0], 2);
  assert.deepEqual((decodeEvent(fine) as RecordBatch).values, [{ id: 1, s: '\uFFFD\uD83D\uDE00' }]);
});

test('a field of its own named __proto__ (parsed JSON) crosses as it is, at any depth, and never becomes a prototype', () => {
  // On one thread the record reaches the next operator as it is; MessagePack alone reads the field back as `__proto_`.
  const top = JSON.parse('{"__proto__": {"polluted": 1}, "a": 2}') as Record<string, unknown>;
  const deep = JSON.parse('{"id": 1, "body": [{"__proto__": "x"}]}') as Record<string, unknown>;
  for (const values of [[top], [top, top], [deep, { id: 2, body: [] }], [{ id: 1, m: new Map([['k', top]]) }]]) {
    const back = decodeEvent(encodeEvent(new RecordBatch(values, undefined, undefined))) as RecordBatch;
    assert.deepEqual(back.values, values);
    for (const v of back.values) assert.equal(Object.getPrototypeOf(v), Object.prototype);
  }
  const [t] = (decodeEvent(encodeEvent(new RecordBatch([top], undefined, undefined))) as RecordBatch).values as [Record<string, unknown>];
  assert.deepEqual(Object.keys(t), ['__proto__', 'a']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const [d] = (decodeEvent(encodeEvent(new RecordBatch([deep], undefined, undefined))) as RecordBatch).values as [{ body: Record<string, unknown>[] }];
  assert.ok(Object.hasOwn(d.body[0]!, '__proto__') && Object.getPrototypeOf(d.body[0]) === Object.prototype);
});
