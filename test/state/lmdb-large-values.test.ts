/**
 * Keys and values of every size on both backends (found by review). lmdb-js hands a value above
 * ~16 MiB back as a plain Uint8Array over shared memory, and the lmdb backend read it with
 * Uint8Array's toString: a 20 MB string came back as "2,120,120,…" — silently wrong state. And
 * LMDB refuses a key over 1978 bytes (with its 5-byte prefix) only when the cache writes it out:
 * the lmdb backend now says so at the first access, in one line naming the way around; the
 * hashmap backend takes it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MapStateDescriptor, type MapState, type ValueState, ValueStateDescriptor, type PendingKeyedSnapshot } from '../../src/state/index.js';
import { BACKENDS, createBackend, finish, restoreChain } from './backends.js';

for (const type of BACKENDS) {
  describe(`key and value sizes [${type}]`, () => {
    test('a key of 5000 characters: stored, read back and snapshotted on hashmap; refused in one line on lmdb', () => {
      const b = createBackend(type, { cacheEntries: 2 });
      const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
      const long = 'https://example.com/?q=' + 'k'.repeat(5000);
      if (type === 'lmdb') {
        b.setCurrentKey(long);
        assert.throws(() => v.update(1), /A key of 5023 bytes is longer than the lmdb state backend stores \(1973 bytes\): key the stream by a shorter form/);
        b.setCurrentKey('k'.repeat(1973));
        v.update(2);
        // More keys than the cache holds: the longest key goes to disk and is read back from it.
        for (let i = 0; i < 4; i++) {
          b.setCurrentKey(i);
          v.update(i);
        }
        b.setCurrentKey('k'.repeat(1973));
        assert.equal(v.value(), 2, 'the longest key it stores');
        return;
      }
      for (let i = 0; i < 5; i++) {
        b.setCurrentKey(long + i);
        v.update(i);
      }
      for (let i = 0; i < 5; i++) {
        b.setCurrentKey(long + i);
        assert.equal(v.value(), i);
      }
      const snap: PendingKeyedSnapshot = b.snapshot(1, { full: true });
      const restored = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      const r = restored.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
      restored.setCurrentKey(long + 3);
      assert.equal(r.value(), 3);
    });

    test('a string value of 20 MB reads back unchanged (after going to disk)', () => {
      const b = createBackend(type, { cacheEntries: 2 });
      const v = b.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
      const big = 'x'.repeat(20_000_000);
      for (let i = 0; i < 4; i++) {
        b.setCurrentKey(i);
        v.update(big + i);
      }
      for (let i = 0; i < 4; i++) {
        b.setCurrentKey(i);
        const got = v.value();
        assert.equal(typeof got, 'string');
        assert.ok(got === big + i, `key ${i}: got ${String(got).length} characters starting ${JSON.stringify(String(got).slice(0, 12))}`);
      }
    });

    test('an incremental delta of a changed 20 MB value restores it unchanged', () => {
      const b = createBackend(type, { cacheEntries: 2, incremental: true });
      const v = b.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
      const big = 'y'.repeat(20_000_000);
      for (let i = 0; i < 3; i++) {
        b.setCurrentKey(i);
        v.update(`${i}`);
      }
      const base = b.snapshot(1);
      const baseBlocks = finish(base);
      base.written({ file: 'base', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      b.setCurrentKey(1);
      v.update(big);
      const delta = b.snapshot(2);
      assert.equal(delta.form.kind, 'shared-delta');
      const deltaBlocks = finish(delta);
      const restored = restoreChain(createBackend('hashmap'), [
        { blocks: baseBlocks, snap: base },
        { blocks: deltaBlocks, snap: delta },
      ]);
      const r = restored.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>('v'));
      restored.setCurrentKey(1);
      const got = r.value();
      assert.ok(got === big, `got ${String(got).length} characters starting ${JSON.stringify(String(got).slice(0, 12))}`);
    });

    test('a map state with a user key of 5000 characters round-trips (the user key lives in the value)', () => {
      const b = createBackend(type, { cacheEntries: 2 });
      const m = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
      for (let i = 0; i < 5; i++) {
        b.setCurrentKey(i);
        m.put('u'.repeat(5000), i);
      }
      for (let i = 0; i < 5; i++) {
        b.setCurrentKey(i);
        assert.equal(m.get('u'.repeat(5000)), i);
      }
    });
  });
}
