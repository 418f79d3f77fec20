import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ChannelEvent, LocalChannel, RecordBatch, Watermark, WatermarkStatus } from '../../src/runtime/index.js';
import { RecordContext } from '../../src/runtime/record-context.js';
import { createRecordWriter } from '../../src/runtime/record-writer.js';
import { KeyGroupRange, assignToKeyGroup, operatorIndexForKeyGroup } from '../../src/state/index.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';

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

  test('an int key to the one consumer subtask goes without its key group only within the thread: to another thread with it', () => {
    // A channel to another thread encodes key groups as 16-bit integers, which have no -1.
    const remote = new LocalChannel(1000) as LocalChannel & { copiesRecords: boolean };
    remote.copiesRecords = true;
    for (const [channel, local] of [[new LocalChannel(1000), true], [remote, false]] as const) {
      const writer = createRecordWriter({ type: 'hash', keySelector: (r: unknown) => r }, [channel], { batchSize: 16, maxParallelism: 128, subtaskIndex: 0 });
      for (const k of [0, 7, -3, 2 ** 31 - 1]) writer.collect(k);
      writer.flush();
      const batch = channel.poll();
      assert.ok(batch instanceof RecordBatch);
      assert.deepEqual(Array.from(batch.keyGroups!), batch.values.map((k) => (local ? -1 : assignToKeyGroup(k, 128))), local ? 'left to the consumer' : 'computed for the other thread');
    }
  });
});

describe('record writer: timestamps and watermarks', () => {
  test('a batch carries timestamps only once a record has one (earlier ones back-filled), read from the task’s slot', () => {
    const channels = [new LocalChannel(100), new LocalChannel(100)];
    const rc = new RecordContext();
    const writer = createRecordWriter({ type: 'rebalance' }, channels, { batchSize: 3, maxParallelism: 128, subtaskIndex: 0, recordContext: rc });
    for (const [v, ts] of [['a', MIN_TIMESTAMP], ['b', MIN_TIMESTAMP], ['c', MIN_TIMESTAMP], ['d', 40], ['e', MIN_TIMESTAMP], ['f', 60], ['g', MIN_TIMESTAMP]] as const) {
      rc.timestamp = ts;
      writer.collect(v);
    }
    writer.emitWatermark(50);
    writer.emitWatermarkStatus(true);
    const events = (c: LocalChannel) => {
      const all: unknown[] = [];
      for (let e = c.poll(); e; e = c.poll()) {
        if (e instanceof RecordBatch) all.push([e.values, e.timestamps === undefined ? 'no timestamps' : Array.from(e.timestamps)]);
        else if (e instanceof Watermark) all.push(`watermark ${e.timestamp}`);
        else if (e instanceof WatermarkStatus) all.push(e.idle ? 'idle' : 'active');
      }
      return all;
    };
    // Round robin: a, c, e, g to channel 0; b, d, f to channel 1 (a full batch of 3 is pushed at once).
    assert.deepEqual(events(channels[0]!), [[['a', 'c', 'e'], 'no timestamps'], [['g'], 'no timestamps'], 'watermark 50', 'idle']);
    assert.deepEqual(events(channels[1]!), [[['b', 'd', 'f'], [MIN_TIMESTAMP, 40, 60]], 'watermark 50', 'idle']);
  });
});

describe('record writer: batches', () => {
  /** Every batch of a channel, as [values, keys, key groups, timestamps]. */
  const batchesOf = (c: LocalChannel) => {
    const all: unknown[][] = [];
    for (let e = c.poll(); e; e = c.poll()) {
      assert.ok(e instanceof RecordBatch);
      all.push([e.values, e.keys, e.keyGroups, e.timestamps]);
    }
    return all;
  };

  test('one consumer: a full batch is pushed at once, the rest at flush, and a pushed batch is never written again', () => {
    const channel = new LocalChannel(100);
    const rc = new RecordContext();
    const writer = createRecordWriter({ type: 'hash', keySelector: (r: unknown) => (r as { k: number }).k }, [channel], { batchSize: 2, maxParallelism: 128, subtaskIndex: 0, recordContext: rc });
    for (const [k, ts] of [[1, MIN_TIMESTAMP], [2, 5], [3, 6], [4, MIN_TIMESTAMP], [5, 8]] as const) {
      rc.timestamp = ts;
      writer.collect({ k });
    }
    assert.equal(writer.recordsOut, 4, 'two full batches pushed');
    writer.flush();
    writer.flush();
    assert.equal(writer.recordsOut, 5, 'the partial batch at flush, once');
    // Int keys to the one consumer: key groups left for it to compute (-1).
    assert.deepEqual(batchesOf(channel), [
      [[{ k: 1 }, { k: 2 }], [1, 2], [-1, -1], [MIN_TIMESTAMP, 5]],
      [[{ k: 3 }, { k: 4 }], [3, 4], [-1, -1], [6, MIN_TIMESTAMP]],
      [[{ k: 5 }], [5], [-1], [8]],
    ]);
  });

  test('forward and broadcast: every channel gets the records in order; numRecordsOut counts each record once', () => {
    const forward = new LocalChannel(100);
    const fw = createRecordWriter({ type: 'forward' }, [forward], { batchSize: 2, maxParallelism: 128, subtaskIndex: 0 });
    for (const v of ['a', 'b', 'c']) fw.collect(v);
    fw.flush();
    assert.deepEqual(batchesOf(forward), [[['a', 'b'], undefined, undefined, undefined], [['c'], undefined, undefined, undefined]]);
    assert.equal(fw.recordsOut, 3);

    const channels = [new LocalChannel(100), new LocalChannel(100), new LocalChannel(100)];
    const bw = createRecordWriter({ type: 'broadcast' }, channels, { batchSize: 2, maxParallelism: 128, subtaskIndex: 0 });
    for (const v of ['a', 'b', 'c']) bw.collect(v);
    bw.flush();
    for (const c of channels) assert.deepEqual(batchesOf(c), [[['a', 'b'], undefined, undefined, undefined], [['c'], undefined, undefined, undefined]]);
    assert.equal(bw.recordsOut, 3);
  });

  test('broadcast: each consumer in this thread gets its own copy, class instances keeping their class, in both object-reuse modes; a cross-thread channel gets the batch captured at emit with object reuse off', () => {
    class Rule {
      constructor(readonly name: string) {}
    }
    // Object reuse on: a broadcast edge copies all the same (each of Flink's consumers deserializes its own);
    // only the producer's change after emitting (against the contract) is then not guarded against.
    for (const objectReuse of [false, true]) {
      const rule = new Rule('r');
      const element = { name: 'a', seenBy: [] as number[], at: new Date(5), ids: new Map([[1n, 'x']]) };
      const sent = [element, rule];
      const local = [new LocalChannel(100), new LocalChannel(100)];
      const pushed: ChannelEvent[] = [];
      const crossThread = { push: (e: ChannelEvent) => void pushed.push(e), isFull: () => false, copiesRecords: true };
      const bw = createRecordWriter({ type: 'broadcast' }, [...local, crossThread], { batchSize: 8, maxParallelism: 128, subtaskIndex: 0, recordContext: new RecordContext(), objectReuse });
      for (const v of sent) bw.collect(v);
      if (!objectReuse) element.seenBy.push(-1);
      bw.flush();
      const got = local.map((c) => {
        const e = c.poll();
        assert.ok(e instanceof RecordBatch && c.poll() === undefined);
        return e.values as [{ seenBy: number[]; at: Date; ids: Map<bigint, string> }, object];
      });
      got[0]![0].seenBy.push(0);
      assert.deepEqual(got[1]![0].seenBy, [], 'a change by one consumer is not seen by another, nor one by the producer after emitting');
      assert.deepEqual(sent[0], { name: 'a', seenBy: objectReuse ? [] : [-1], at: new Date(5), ids: new Map([[1n, 'x']]) }, "a consumer's change is not seen by the producer");
      for (const [record, instance] of got) {
        assert.notEqual(record, sent[0]);
        assert.ok(record.at instanceof Date && record.ids instanceof Map && record.ids.get(1n) === 'x');
        assert.ok(instance instanceof Rule && instance !== rule && instance.name === 'r', 'a class instance keeps its class in this thread');
      }
      assert.notEqual(got[0]![0], got[1]![0]);
      assert.equal(pushed.length, 1);
      const across = (pushed[0] as RecordBatch).values as [{ seenBy: number[] }, object];
      assert.ok(across[0] !== got[0]![0] && across[0] !== got[1]![0], 'the cross-thread batch shares no record with this thread\'s consumers');
      assert.equal(across[0] === sent[0], objectReuse, 'captured at emit with object reuse off; the emitted record itself with it on');
      if (!objectReuse) assert.deepEqual(across[0].seenBy, [], 'the cross-thread channel encodes the record as it was emitted');
      assert.equal(bw.recordsOut, 2);
    }
  });

  test('broadcast within one thread: one consumer takes the captured batch, the others copies; with object reuse on, the originals', () => {
    for (const objectReuse of [false, true]) {
      const sent = { n: 1 };
      const local = [new LocalChannel(100), new LocalChannel(100), new LocalChannel(100)];
      const bw = createRecordWriter({ type: 'broadcast' }, local, { batchSize: 8, maxParallelism: 128, subtaskIndex: 0, objectReuse });
      bw.collect(sent);
      bw.flush();
      const got = local.map((c) => (c.poll() as RecordBatch).values[0]);
      assert.equal(new Set(got).size, 3, 'no two consumers share a record');
      assert.deepEqual(got, [{ n: 1 }, { n: 1 }, { n: 1 }]);
      assert.equal(got[0] === sent, objectReuse, 'only with object reuse on does a consumer get the emitted object itself');
    }
  });

  test('a record is captured as it was when emitted with object reuse off, for a channel within the thread and to another alike; with it on, neither copies', () => {
    for (const objectReuse of [false, true]) {
      const local = new LocalChannel(100);
      const pushed: ChannelEvent[] = [];
      const crossThread = { push: (e: ChannelEvent) => void pushed.push(e), isFull: () => false, copiesRecords: true };
      for (const channel of [local, crossThread]) {
        const key = { city: 'a' };
        const record = { key, n: 1 };
        const w = createRecordWriter({ type: 'hash', keySelector: (r: unknown) => (r as typeof record).key }, [channel], { batchSize: 8, maxParallelism: 128, subtaskIndex: 0, objectReuse });
        w.collect(record);
        record.n = 2;
        key.city = 'b';
        w.flush();
        const batch = (channel === local ? local.poll() : pushed.pop()) as RecordBatch;
        const captured = !objectReuse;
        assert.deepEqual(batch.values[0], captured ? { key: { city: 'a' }, n: 1 } : { key: { city: 'b' }, n: 2 }, `objectReuse ${objectReuse}, ${channel === local ? 'local' : 'cross-thread'}`);
        assert.deepEqual(batch.keys![0], captured ? { city: 'a' } : { city: 'b' }, 'the key with it');
      }
    }
  });

  test('every partitioner captures its records (object reuse off)', () => {
    const specs = [{ type: 'forward' }, { type: 'rebalance' }, { type: 'rescale' }, { type: 'shuffle' }, { type: 'global' }, { type: 'custom', partitioner: () => 0, keySelector: (r: unknown) => r }] as const;
    for (const spec of specs) {
      const channel = new LocalChannel(100);
      const w = createRecordWriter(spec, [channel], { batchSize: 8, maxParallelism: 128, subtaskIndex: 0 });
      const record = { n: 1 };
      w.collect(record);
      record.n = 2;
      w.flush();
      assert.deepEqual((channel.poll() as RecordBatch).values, [{ n: 1 }], spec.type);
    }
  });
});
