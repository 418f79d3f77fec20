import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KeyGroupRange,
  assignToKeyGroup,
  canonicalKey,
  hashKey,
  operatorIndexForKeyGroup,
} from '../../src/state/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

describe('key groups', () => {
  test('hashes are stable across runs (part of the snapshot format)', () => {
    // Golden values: changing the hash would strand every saved keyed state.
    assert.deepEqual(
      ['', 'a', 'hello', 'user-42', 0, 1, -1, 2 ** 40, 1.5, true, 7n, ['a', 1]].map(hashKey),
      [3090467989, 3215753337, 1087958408, 3088783644, 907512939, 2976720309, 3362473891, 205513625, 2963621481, 107687277, 2526583033, 1805664656],
    );
  });

  test('hashes are unsigned 32-bit integers and differ between nearby keys', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const h = hashKey(`k${i}`);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
      seen.add(h);
    }
    assert.ok(seen.size > 9_990, `only ${seen.size} distinct hashes`);
  });

  test('keys spread evenly over key groups', () => {
    for (const make of [(i: number) => `user-${i}`, (i: number) => i]) {
      const counts = new Array(128).fill(0);
      for (let i = 0; i < 128_000; i++) counts[assignToKeyGroup(make(i), 128)]++;
      const min = Math.min(...counts);
      const max = Math.max(...counts);
      assert.ok(min > 800 && max < 1200, `uneven: min ${min} max ${max}`);
    }
  });

  test('composite keys canonicalise as the general replacer path does, for the shapes that skip it and those that do not', () => {
    // The canonical form is part of the snapshot format (map keys, hashes): the reference is the
    // general path, written out here.
    const reference = (key: unknown) =>
      JSON.stringify(key, (_k, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'number' && !Number.isFinite(v)) return `\u0000${v}`;
        if (typeof v === 'string' && (v.startsWith('\u0000') || /^-?\d+n$/.test(v))) return `\u0000${v}`;
        if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
          const sorted: Record<string, unknown> = {};
          for (const name of Object.keys(v).sort()) sorted[name] = (v as Record<string, unknown>)[name];
          return sorted;
        }
        return v;
      });
    class Point {
      constructor(
        readonly y: number,
        readonly x: number,
      ) {}
    }
    const nullProto = Object.assign(Object.create(null) as object, { b: 1, a: 2 });
    const keys: unknown[] = [
      [],
      ['user', 7],
      ['a"b\\c\n', 'ü€😀', true, false, 0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 60],
      [1, [2, 3]],
      ['x', undefined],
      ['x', null],
      [1n, 'n'],
      ['1n', '-20n', 'n1', '\u0000x', 'x\u0000'],
      { s: '7n', t: Infinity },
      [new Date(0)],
      Object.assign(['t', 1], { toJSON: () => ({ b: 1, a: 2 }) }),
      {},
      { b: 1, a: 2 },
      { 10: 'ten', 2: 'two', b: 'bee', a: 'ay', '-1': 'minus' },
      { user: 'u', region: 3, vip: true, score: NaN },
      { a: 1, nested: { d: 1, c: 2 } },
      { a: undefined, b: 1 },
      { a: 1n },
      { a: 1, toJSON: () => 'x' },
      new Point(1, 2),
      nullProto,
      new Date(86_400_000),
    ];
    // eslint-disable-next-line no-sparse-arrays
    keys.push([1, , 3]);
    for (const k of keys) assert.equal(canonicalKey(k), reference(k), `key ${String(reference(k))}`);
  });

  test('composite keys that JSON alone cannot tell apart stay apart', () => {
    const distinct: unknown[][] = [
      [[Infinity], [-Infinity], [NaN], [null]],
      [[1n], ['1n'], [1], ['1']],
      [['s', 10n], ['s', '10n']],
      [{ t: Infinity }, { t: -Infinity }, { t: NaN }, { t: null }],
      [['\u0000NaN'], [NaN]],
      [['\u00001n'], ['1n'], [1n]],
    ];
    for (const group of distinct) {
      const forms = group.map((k) => canonicalKey(k));
      assert.equal(new Set(forms).size, group.length, `${JSON.stringify(forms)} are not all distinct`);
    }
    // null and undefined stay one key component (as Java's null), as before.
    assert.equal(canonicalKey(['x', undefined]), canonicalKey(['x', null]));
  });

  test('the key group is the hash modulo the max parallelism, for powers of two and other values', () => {
    const keys = [...Array.from({ length: 2000 }, (_, i) => `key-${i}`), ...Array.from({ length: 2000 }, (_, i) => i * 7919), 2 ** 40, -3, 1.5, -0, 2 ** 31 - 1, -(2 ** 31), 2 ** 31];
    assert.ok(keys.some((k) => hashKey(k) >= 2 ** 31), 'some hashes have the top bit set');
    for (const maxP of [1, 2, 7, 100, 128, 4096, 32768]) {
      for (const k of keys) assert.equal(assignToKeyGroup(k, maxP), hashKey(k) % maxP, `key ${k} at max parallelism ${maxP}`);
    }
  });

  test('the same key always lands in the same key group and subtask', () => {
    for (const key of ['x', 42, 'long key with spaces', ['a', 2], { b: 1, a: 2 }]) {
      const kg = assignToKeyGroup(key, 128);
      assert.equal(assignToKeyGroup(key, 128), kg);
      assert.equal(operatorIndexForKeyGroup(128, 4, kg), operatorIndexForKeyGroup(128, 4, assignToKeyGroup(key, 128)));
    }
    // Composite keys are equal by value, whatever the field order.
    assert.equal(canonicalKey({ b: 1, a: 2 }), canonicalKey({ a: 2, b: 1 }));
    assert.equal(hashKey({ b: 1, a: 2 }), hashKey({ a: 2, b: 1 }));
  });

  test('subtask ranges partition the key groups and agree with operatorIndexForKeyGroup', () => {
    for (const [maxP, p] of [[128, 1], [128, 3], [128, 4], [128, 128], [7, 3], [32768, 5]] as const) {
      let next = 0;
      for (let i = 0; i < p; i++) {
        const r = KeyGroupRange.forSubtask(maxP, p, i);
        assert.equal(r.start, next, `range ${i} of ${p}/${maxP} starts at ${r.start}`);
        for (const kg of [r.start, r.end]) assert.equal(operatorIndexForKeyGroup(maxP, p, kg), i);
        next = r.end + 1;
      }
      assert.equal(next, maxP);
    }
  });

  test("random max parallelisms and parallelisms: every key group lies in the range of the subtask it is routed to (Flink's CheckpointCoordinatorTest#testCreateKeyGroupPartitions)", () => {
    const random = seededRandom(7);
    for (let run = 0; run < 200; run++) {
      const maxP = 1 + Math.floor(random() * (2 ** 15 - 1));
      const p = 1 + Math.floor(random() * maxP);
      const ranges = Array.from({ length: p }, (_, i) => KeyGroupRange.forSubtask(maxP, p, i));
      for (let kg = 0; kg < maxP; kg++) {
        const r = ranges[operatorIndexForKeyGroup(maxP, p, kg)]!;
        if (!r.contains(kg)) assert.fail(`key group ${kg} not in its subtask's range ${r.start}-${r.end} (${p} of ${maxP})`);
      }
    }
  });

  test("Flink's ranges: 128 key groups over 3 are 0-42, 43-85, 86-127; over 5, 0-25, 26-51, 52-76, 77-102, 103-127; and at a parallelism equal to the max parallelism one each", () => {
    const ranges = (maxP: number, p: number) => Array.from({ length: p }, (_, i) => KeyGroupRange.forSubtask(maxP, p, i)).map((r) => `${r.start}-${r.end}`);
    assert.deepEqual(ranges(128, 3), ['0-42', '43-85', '86-127']);
    assert.deepEqual(ranges(128, 2), ['0-63', '64-127']);
    assert.deepEqual(ranges(128, 5), ['0-25', '26-51', '52-76', '77-102', '103-127']);
    assert.deepEqual(ranges(4, 4), ['0-0', '1-1', '2-2', '3-3']);
    assert.deepEqual(ranges(10, 4), ['0-2', '3-4', '5-7', '8-9']);
  });

  test('null and undefined are not keys', () => {
    assert.throws(() => hashKey(null), /must not be null/);
    assert.throws(() => hashKey(undefined), /must not be undefined/);
  });
});

