/*
 * MapState user keys: a JS Map inside the stored value compares keys by identity, where Flink
 * compares them by value, and a snapshot makes new key objects — so an object or array user key
 * was not found by an equal value, was duplicated after a restore, and on lmdb lost after a flush
 * of its cache (found by review). Such keys are refused at once, on both backends, with and
 * without TTL; primitive keys work as ever.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MapStateDescriptor, type MapState, StateTtlConfig } from '../../src/state/index.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, createBackend, snapshotInto } from './backends.js';

const refused = /MapState user key must be a string, number, bigint or boolean/;

for (const type of BACKENDS) {
  for (const ttl of [false, true]) {
    describe(`MapState user keys [${type}${ttl ? ', TTL' : ''}]`, () => {
      const descriptor = () => {
        const d = new MapStateDescriptor<unknown, number>('m');
        if (ttl) d.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
        return d;
      };

      test('an array or object key is refused by every method that takes a key', () => {
        const b = createBackend(type);
        const m = b.getOrCreateState<MapState<unknown, number>>(descriptor());
        b.setCurrentKey('k');
        for (const key of [['a', 1], { a: 1 }]) {
          assert.throws(() => m.put(key, 1), refused);
          assert.throws(() => m.putAll([[key, 1]]), refused);
          assert.throws(() => m.get(key), refused);
          assert.throws(() => m.remove(key), refused);
        }
        assert.equal(m.isEmpty(), true);
      });

      test('primitive keys, null included, are found by value before and after a restore into either backend', () => {
        const b = createBackend(type);
        const m = b.getOrCreateState<MapState<unknown, number>>(descriptor());
        b.setCurrentKey('k');
        const keys = ['a|1', 1, 1n, true, null];
        keys.forEach((k, i) => m.put(k, i));
        for (const to of BACKENDS) {
          const b2 = snapshotInto(b, to);
          const m2 = b2.getOrCreateState<MapState<unknown, number>>(descriptor());
          b2.setCurrentKey('k');
          keys.forEach((k, i) => assert.equal(m2.get(k), i, `${String(k)} after a restore into ${to}`));
          m2.put('a|1', 9);
          assert.equal([...m2.keys()].length, keys.length, 'an equal key replaces its entry');
        }
      });
    });
  }
}
