/*
 * BroadcastState user keys, as MapState's (map-state-user-keys.test.ts): a JS Map compares keys
 * by identity where Flink compares them by value, and a restore builds every subtask's copy from
 * the snapshot with new key objects — so an object or array key, found before a restore by the
 * same object, was lost after it. Such keys are refused at once, on the broadcast side and
 * through the read-only view; primitive keys work as ever, before and after a restore.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultOperatorStateStore, MapStateDescriptor } from '../../src/state/index.js';

const refused = /BroadcastState user key must be a string, number, bigint or boolean/;

test('an array or object broadcast-state key is refused by every method that takes a key', () => {
  const rules = new DefaultOperatorStateStore().getBroadcastState(new MapStateDescriptor<unknown, number>('rules'));
  for (const key of [['a', 1], { a: 1 }]) {
    assert.throws(() => rules.put(key, 1), refused);
    assert.throws(() => rules.putAll([[key, 1]]), refused);
    assert.throws(() => rules.get(key), refused);
    assert.throws(() => rules.contains(key), refused);
    assert.throws(() => rules.remove(key), refused);
    assert.throws(() => rules.readOnly.get(key), refused);
    assert.throws(() => rules.readOnly.contains(key), refused);
  }
  assert.equal(rules.isEmpty(), true, 'nothing was stored');
});

test('primitive broadcast-state keys are found after a restore (of the snapshot entries), by value', () => {
  const store = new DefaultOperatorStateStore();
  const rules = store.getBroadcastState(new MapStateDescriptor<unknown, string>('rules'));
  const keys = ['r1', 7, 10n, true, null] as const;
  for (const k of keys) rules.put(k, `rule ${String(k)}`);
  const restored = new DefaultOperatorStateStore(store.snapshot()).getBroadcastState(new MapStateDescriptor<unknown, string>('rules'));
  assert.deepEqual(
    keys.map((k) => restored.readOnly.get(k)),
    keys.map((k) => `rule ${String(k)}`),
  );
});
