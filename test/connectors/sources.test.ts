import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CollectionSource, DataGeneratorSource, NumberSequenceSource, TextFileSource } from '../../src/connectors/index.js';
import type { Collector, Source, SourceReader } from '../../src/graph/index.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { tempDir } from '../helpers/run-job.js';

function reader<T, S>(source: Source<T, S>, subtask = 0, parallelism = 1, clock = systemClock): SourceReader<T, S> {
  const r = source.createReader({ subtaskIndex: subtask, parallelism, clock });
  r.addSplits(source.createSplits(parallelism).filter((_, i) => i % parallelism === subtask));
  return r;
}

/** Reads `max` records per poll until end of input (or `limit` records). */
function drain<T>(r: SourceReader<T, unknown>, max = 3, limit = Infinity): T[] {
  const out: T[] = [];
  const c: Collector<T> = { collect: (v) => void out.push(v) };
  while (out.length < limit && r.pollNext(c, Math.min(max, limit - out.length)) !== 'END_OF_INPUT');
  return out;
}

/** Reads some records, snapshots, and continues in a fresh reader from the snapshot. */
function replayFromSnapshot<T, S>(source: Source<T, S>, firstPart: number): { before: T[]; after: T[]; all: T[] } {
  const r1 = reader(source);
  const before = drain(r1, 2, firstPart);
  const snapshot = structuredClone(r1.snapshotState());
  const r2 = source.createReader({ subtaskIndex: 0, parallelism: 1, clock: systemClock });
  r2.addSplits(snapshot);
  const after = drain(r2);
  const all = drain(reader(source));
  return { before, after, all };
}

describe('sources replay exactly from their recorded position', () => {
  test('collection', () => {
    const { before, after, all } = replayFromSnapshot(new CollectionSource(['a', 'b', 'c', 'd', 'e']), 3);
    assert.deepEqual([...before, ...after], all);
    assert.deepEqual(all, ['a', 'b', 'c', 'd', 'e']);
  });

  test('number sequence, also split over parallel readers', () => {
    const src = new NumberSequenceSource(10, 29);
    const { before, after, all } = replayFromSnapshot(src, 7);
    assert.deepEqual([...before, ...after], all);
    assert.equal(all.length, 20);
    const parts = [0, 1, 2].map((i) => drain(reader(src, i, 3)));
    assert.deepEqual(parts.flat().sort((a, b) => a - b), all);
    assert.ok(parts.every((p) => p.length >= 6));
  });

  test('number sequence and data generator: a snapshot at any position, one record before the end too, replays exactly the rest', () => {
    for (const src of [new NumberSequenceSource(1, 6), new DataGeneratorSource((i) => i, 6)]) {
      for (let k = 0; k <= 6; k++) {
        const { before, after, all } = replayFromSnapshot<number, unknown>(src, k);
        assert.deepEqual([...before, ...after], all, `snapshot after ${k} of 6 records`);
      }
    }
  });

  test('data generator: deterministic by index, finite and infinite', () => {
    const gen = (i: number) => `e${i}`;
    const { before, after, all } = replayFromSnapshot(new DataGeneratorSource(gen, 11), 4);
    assert.deepEqual([...before, ...after], all);
    assert.deepEqual(all, Array.from({ length: 11 }, (_, i) => `e${i}`));
    const inf = new DataGeneratorSource(gen, Infinity);
    assert.equal(inf.getBoundedness(), 'CONTINUOUS_UNBOUNDED');
    assert.deepEqual(drain(reader(inf, 1, 2), 4, 4), ['e1', 'e3', 'e5', 'e7']);
  });

  test('data generator rate limit over all readers, on a fake clock', () => {
    const clock = new ManualClock(5000);
    const src = new DataGeneratorSource((i) => i, Infinity, { recordsPerSecond: 100 });
    const r = reader(src, 0, 2, clock); // this reader's share: 50 per second
    const out: number[] = [];
    const c = { collect: (v: number) => void out.push(v) };
    assert.equal(r.pollNext(c, 1000), 'NOTHING_AVAILABLE');
    assert.equal(out.length, 1);
    assert.equal(r.nextAvailableTime!(), 5020);
    clock.advance(1000);
    r.pollNext(c, 1000);
    assert.equal(out.length, 51);
    assert.equal(r.pollNext(c, 1000), 'NOTHING_AVAILABLE');
    assert.equal(out.length, 51);
  });

  test('text file: lines without endings, byte offsets across chunk borders, CRLF and no final newline', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'in.txt');
      const long = 'x'.repeat(70_000);
      writeFileSync(path, `héllo\r\nwörld\n\n${long}\nlast`);
      const src = new TextFileSource(path);
      const { before, after, all } = replayFromSnapshot(src, 2);
      assert.deepEqual(all, ['héllo', 'wörld', '', long, 'last']);
      assert.deepEqual([...before, ...after], all);
      const snap = (() => {
        const r = reader(src);
        drain(r, 1, 2);
        return r.snapshotState()[0]!;
      })();
      assert.equal(snap.offset, Buffer.byteLength('héllo\r\nwörld\n'));
      assert.throws(() => drain(reader(new TextFileSource(join(dir.path, 'missing.txt')))), /Cannot read text file .*missing\.txt: no such file/);
    } finally {
      dir.cleanup();
    }
  });
});
