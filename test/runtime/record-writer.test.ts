import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalChannel, RecordBatch } from '../../src/runtime/index.js';
import { createRecordWriter } from '../../src/runtime/record-writer.js';
import { KeyGroupRange, assignToKeyGroup, operatorIndexForKeyGroup } from '../../src/state/index.js';

describe('record writer: keyBy routing', () => {
  test('a record goes to the subtask that owns its key group on restore (the same functions route and assign)', () => {
    for (const [maxParallelism, parallelism] of [[128, 3], [128, 4], [7, 3], [32768, 5]] as const) {
      const channels = Array.from({ length: parallelism }, () => new LocalChannel(1000));
      const writer = createRecordWriter({ type: 'hash', keySelector: (r: unknown) => (r as { k: unknown }).k }, channels, { batchSize: 16, maxParallelism, subtaskIndex: 0 });
      const keys = [...Array.from({ length: 300 }, (_, i) => `key-${i}`), ...Array.from({ length: 100 }, (_, i) => i), ['user', 7], 3.5, true];
      for (const k of keys) writer.collect({ k });
      writer.flush();
      let seen = 0;
      channels.forEach((channel, i) => {
        const range = KeyGroupRange.forSubtask(maxParallelism, parallelism, i);
        for (let e = channel.poll(); e; e = channel.poll()) {
          assert.ok(e instanceof RecordBatch);
          e.values.forEach((v, j) => {
            const key = (v as { k: unknown }).k;
            const kg = assignToKeyGroup(key, maxParallelism);
            assert.deepEqual(e.keys![j], key);
            assert.equal(e.keyGroups![j], kg);
            assert.equal(operatorIndexForKeyGroup(maxParallelism, parallelism, kg), i);
            assert.ok(range.contains(kg), `key group ${kg} of subtask ${i} (owning ${range.start}-${range.end})`);
            seen++;
          });
        }
      });
      assert.equal(seen, keys.length);
    }
  });
});
