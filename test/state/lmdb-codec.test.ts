/**
 * The lmdb backend's value encoding: a pair whose second element is a number (every TTL'd value
 * is [value, timestamp]) has its own form, so TTL cleanup reads a TTL'd number or string without
 * a MessagePack call. Every value comes back equal, large ones included; -0 stays -0 in a pair
 * as it does as a plain number (MessagePack makes it 0: a TTL'd -0 on lmdb came back as 0).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeValue, encodeValue } from '../../src/state/lmdb/lmdb-state-store.js';

const VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['a TTL number', [42, 1_765_000_000_000]],
  ['a TTL string', ['héllo 🌍', 100]],
  ['a TTL empty string', ['', 0]],
  ['a TTL object', [{ count: 3, tags: ['a', 'b'] }, 170]],
  ['a TTL Map', [new Map<unknown, unknown>([[1, ['x', 5]]]), 5]],
  ['a TTL null', [null, 12]],
  ['a TTL undefined', [undefined, 12]],
  ['a TTL bigint', [10n ** 30n, 12]],
  ['a TTL nested pair', [[1, 2], 3]],
  ['-0 as value and timestamp', [-0, -0]],
  ['-0 alone', -0],
  ['NaN and Infinity', [Number.NaN, Number.POSITIVE_INFINITY]],
  ['a float timestamp', ['x', 1.5]],
  ['a pair not ending in a number', [1, '2']],
  ['three elements', [1, 2, 3]],
  ['one element', [1]],
  ['a TTL list', [['a', 1], ['b', 2]]],
  ['a number', 7],
  ['a string', 'plain'],
  ['an object', { a: [1, 2] }],
];

describe('lmdb value encoding', () => {
  for (const [name, value] of VALUES) {
    test(`${name} comes back equal`, () => {
      assert.deepStrictEqual(decodeValue(encodeValue(value)), value);
    });
  }

  test('a TTL string of 20 MB read through a plain Uint8Array (as lmdb-js hands large values back)', () => {
    const big = 'z'.repeat(20_000_000);
    const bytes = encodeValue([big, 99]);
    const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.deepStrictEqual(decodeValue(plain as Buffer), [big, 99]);
  });
});
