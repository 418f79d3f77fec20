/*
 * One window's table of buffered accumulators (window-accumulators.ts): int32 keys in an
 * open-addressing table, any other key in a Map. What must hold: every key held is found with its
 * accumulator, key group and stored flag, through growth, removals and reuse of removed slots
 * (keys are found past removed ones in their probe); a table whose slots are mostly removed ones rehashes
 * instead of probing forever; and keys the int table must not take (-0, fractions, beyond
 * int32, strings) are told apart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WindowAccumulators, isIntKey } from '../../../../src/runtime/operators/window/window-accumulators.js';

/** Everything `forEach` visits, as "key/keyGroup/acc", sorted. */
function contents(t: WindowAccumulators): string[] {
  const seen: string[] = [];
  t.forEach((k, kg, acc) => seen.push(`${String(k)}/${kg}/${String(acc)}`));
  return seen.sort();
}

function put(t: WindowAccumulators, k: number, acc: unknown, stored = false): void {
  const at = t.find(k);
  assert.ok(at < 0, `${k} is not held yet`);
  t.insert(-1 - at, k, k & 127, acc, stored);
}

describe('window accumulators table', () => {
  test('isIntKey takes int32 numbers only, and not -0', () => {
    for (const k of [0, 1, -1, 7919, 2 ** 31 - 1, -(2 ** 31)]) assert.equal(isIntKey(k), true, String(k));
    for (const k of [-0, 0.5, 2 ** 31, -(2 ** 31) - 1, Number.NaN, Infinity, '5', 5n, null, undefined, {}]) assert.equal(isIntKey(k), false, String(k));
  });

  test('keys that count up or are far apart are all found after the table grows', () => {
    const t = new WindowAccumulators();
    // Keys that count up, multiples of 2^20, negative and extreme ones.
    const keys = [...Array.from({ length: 500 }, (_, i) => i), ...Array.from({ length: 100 }, (_, i) => (i + 1) * 2 ** 20), -1, -(2 ** 31), 2 ** 31 - 1];
    for (const k of keys) put(t, k, k * 2, k % 2 === 0);
    assert.equal(t.size, keys.length);
    for (const k of keys) {
      const at = t.find(k);
      assert.ok(at >= 0, `${k} is found`);
      assert.equal(t.accs[at], k * 2);
      assert.equal(t.isStored(at), k % 2 === 0);
    }
    assert.ok(t.find(501) < 0 && t.find(2 ** 30 + 1) < 0, 'keys never put are not found');
    assert.equal(contents(t).length, keys.length);
    assert.ok(contents(t).includes(`${2 ** 20}/${2 ** 20 & 127}/${2 ** 21}`), 'forEach gives key, key group and accumulator');
  });

  test('removed keys are gone, the keys probed past them stay, and their slots are reused', () => {
    const t = new WindowAccumulators();
    // A thousand scattered keys fill the table to its bound: probe sequences run past each other.
    let seed = 7;
    const keys = [...new Set(Array.from({ length: 1000 }, () => (seed = (Math.imul(seed, 1103515245) + 12345) | 0)))];
    for (const k of keys) put(t, k, k);
    for (const k of keys.filter((_, i) => i % 2 === 0)) t.remove(t.find(k));
    assert.equal(t.size, keys.length - Math.ceil(keys.length / 2));
    for (const [i, k] of keys.entries()) assert.equal(t.find(k) >= 0, i % 2 === 1, `${k} ${i % 2 === 1 ? 'stays' : 'is removed'}`);
    put(t, keys[0]!, 'again');
    assert.equal(t.accs[t.find(keys[0]!)], 'again');
    assert.equal(t.size, keys.length - Math.ceil(keys.length / 2) + 1);
    assert.deepEqual(contents(t).filter((c) => c.endsWith('/again')), [`${keys[0]}/${keys[0]! & 127}/again`], 'forEach skips removed slots, visits the reused one');
  });

  test('a table that keeps taking and removing keys rehashes: probes end and every key is found', () => {
    const t = new WindowAccumulators();
    for (let k = 0; k < 20_000; k++) {
      put(t, k, k);
      if (k >= 8) t.remove(t.find(k - 8));
    }
    assert.equal(t.size, 8);
    for (let k = 19_992; k < 20_000; k++) assert.equal(t.accs[t.find(k)], k);
    assert.ok(t.find(5) < 0);
  });

  test('other keys go to the Map; clear empties both, and the table takes keys again', () => {
    const t = new WindowAccumulators();
    put(t, 3, 'three');
    t.others.set('x', { key: 'x', keyGroup: 9, acc: 'ex', stored: false });
    assert.equal(t.size, 2);
    assert.deepEqual(contents(t), ['3/3/three', 'x/9/ex']);
    t.clear();
    assert.equal(t.size, 0);
    assert.deepEqual(contents(t), []);
    assert.ok(t.find(3) < 0);
    put(t, 3, 'back');
    assert.deepEqual(contents(t), ['3/3/back']);
  });
});
