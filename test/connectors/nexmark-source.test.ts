/**
 * NexmarkSource as a source: parallel splits that together emit every event once (each reader
 * in index order, on its own rising timeline), positions as state that replay exactly (also
 * onto another parallelism), boundedness, and the rate limit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pack, unpack } from 'msgpackr';
import { type IndexSplit, NexmarkGenerator, type NexmarkEvent, NexmarkSource } from '../../src/connectors/index.js';
import type { SourceReader } from '../../src/graph/index.js';
import { TestingReaderOutput } from '../helpers/reader-output.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';

type Reader = SourceReader<NexmarkEvent, IndexSplit>;

function readers(source: NexmarkSource, parallelism: number, splits = source.createSplits(parallelism), clock = systemClock): Reader[] {
  return Array.from({ length: parallelism }, (_, k) => {
    const r = source.createReader({ subtaskIndex: k, parallelism, clock });
    r.addSplits(splits.filter((_, i) => i % parallelism === k));
    return r;
  });
}

/** Polls `max` at a time until end of input or `limit` events. */
function drain(r: Reader, limit = Infinity, max = 7): NexmarkEvent[] {
  const out: NexmarkEvent[] = [];
  const c = new TestingReaderOutput(out);
  while (out.length < limit && r.pollNext(c, Math.min(max, limit - out.length)) !== 'END_OF_INPUT');
  return out;
}

const json = (xs: readonly NexmarkEvent[]) => xs.map((e) => JSON.stringify(e));
const sortedJson = (xs: readonly NexmarkEvent[]) => json(xs).sort();

describe('NexmarkSource', () => {
  const count = 5_003;
  const expected = json([...new NexmarkGenerator().events(0, count)]);

  test('parallel readers split the index space: every event once, each reader in index order', () => {
    for (const p of [1, 3, 4]) {
      const parts = readers(new NexmarkSource({ count }), p).map((r) => drain(r));
      parts.forEach((part, k) => {
        assert.deepEqual(json(part), expected.filter((_, i) => i % p === k), `reader ${k} of ${p}`);
        for (let j = 1; j < part.length; j++) assert.ok(part[j]!.dateTime >= part[j - 1]!.dateTime);
      });
    }
    assert.equal(drain(readers(new NexmarkSource({ count: 2 }), 5)[4]!).length, 0, 'more readers than events');
    assert.deepEqual(new NexmarkSource({ count: 0 }).createSplits(2), []);
  });

  test('positions are state: a reader restored mid-stream (through msgpack) goes on exactly where it was', () => {
    const source = new NexmarkSource({ count });
    const [r1, r2] = readers(source, 2);
    const before = [...drain(r1!, 1_234), ...drain(r2!, 777)];
    const snapshot = unpack(pack([...r1!.snapshotState(1), ...r2!.snapshotState(1)])) as IndexSplit[];

    const sameParallelism = readers(source, 2, snapshot).flatMap((r) => drain(r));
    assert.deepEqual(sortedJson([...before, ...sameParallelism]), [...expected].sort());
    // Rescaled: the two recorded splits go to three readers (one gets none), and nothing changes.
    const rescaled = readers(source, 3, snapshot).flatMap((r) => drain(r));
    assert.deepEqual(sortedJson([...before, ...rescaled]), [...expected].sort());
  });

  test('unbounded by default; bounded with a count', () => {
    const inf = new NexmarkSource();
    assert.equal(inf.getBoundedness(), 'CONTINUOUS_UNBOUNDED');
    assert.deepEqual(json(drain(readers(inf, 2)[1]!, 50)), expected.filter((_, i) => i % 2 === 1).slice(0, 50));
    assert.equal(new NexmarkSource({ count }).getBoundedness(), 'BOUNDED');
  });

  test('recordsPerSecond limits all readers together (on a fake clock); event times do not depend on it', () => {
    const clock = new ManualClock(10_000);
    const [r] = readers(new NexmarkSource({ recordsPerSecond: 200, firstEventRate: 5 }), 2, undefined, clock);
    const out: NexmarkEvent[] = [];
    const c = new TestingReaderOutput(out);
    assert.equal(r!.pollNext(c, 1000), 'NOTHING_AVAILABLE');
    assert.equal(out.length, 1);
    clock.advance(1000);
    r!.pollNext(c, 1000);
    assert.equal(out.length, 101, "this reader's share: 100 per second");
    assert.deepEqual(out.slice(0, 3).map((e) => e.dateTime - Date.UTC(2015, 6, 15)), [0, 400, 800]);
  });

  test('bad options are refused where the job is defined', () => {
    assert.throws(() => new NexmarkSource({ count: -1 }), /count must be a non-negative integer or Infinity/);
    assert.throws(() => new NexmarkSource({ count: 1.5 }), /count must be a non-negative integer or Infinity/);
    assert.throws(() => new NexmarkSource({ recordsPerSecond: 0 }), /recordsPerSecond must be positive/);
    assert.throws(() => new NexmarkSource({ numActivePeople: 0 }), /numActivePeople must be an integer >= 1/);
  });

  test('every event carries its dateTime as its record timestamp, through its split output', () => {
    const [r] = readers(new NexmarkSource({ count: 50 }), 1);
    const out = new TestingReaderOutput<NexmarkEvent>();
    while (r!.pollNext(out, 7) !== 'END_OF_INPUT');
    assert.equal(out.emitted.length, 50);
    for (const e of out.emitted) {
      assert.equal(e.timestamp, e.record.dateTime);
      assert.equal(e.split, '50/0');
    }
    assert.deepEqual(out.released, ['50/0']);
  });
});

