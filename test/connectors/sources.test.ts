import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { CollectionSource, DataGeneratorSource, NumberSequenceSource, RateLimiterStrategy, TextFileSource } from '../../src/connectors/index.js';
import type { Source, SourceReader } from '../../src/graph/index.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { TestingReaderOutput } from '../helpers/reader-output.js';
import { runJob, tempDir } from '../helpers/run-job.js';
import type { DataStream, StreamExecutionEnvironment } from '../../src/index.js';

function reader<T, S>(source: Source<T, S>, subtask = 0, parallelism = 1, clock = systemClock): SourceReader<T, S> {
  const r = source.createReader({ subtaskIndex: subtask, parallelism, clock });
  r.addSplits(source.createSplits!(parallelism).filter((_, i) => i % parallelism === subtask));
  return r;
}

/** Reads `max` records per poll until end of input (or `limit` records). */
function drain<T>(r: SourceReader<T, unknown>, max = 3, limit = Infinity): T[] {
  const out: T[] = [];
  const c = new TestingReaderOutput(out);
  while (out.length < limit && r.pollNext(c, Math.min(max, limit - out.length)) !== 'END_OF_INPUT');
  return out;
}

/** Reads some records, snapshots, and continues in a fresh reader from the snapshot. */
function replayFromSnapshot<T, S>(source: Source<T, S>, firstPart: number): { before: T[]; after: T[]; all: T[] } {
  const r1 = reader(source);
  const before = drain(r1, 2, firstPart);
  const snapshot = structuredClone(r1.snapshotState(1));
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
    const c = new TestingReaderOutput(out);
    assert.equal(r.pollNext(c, 1000), 'NOTHING_AVAILABLE');
    assert.equal(out.length, 1);
    assert.equal(r.nextAvailableTime!(), 5020);
    clock.advance(1000);
    r.pollNext(c, 1000);
    assert.equal(out.length, 51);
    assert.equal(r.pollNext(c, 1000), 'NOTHING_AVAILABLE');
    assert.equal(out.length, 51);
  });

  test("Flink's RateLimiterStrategy: perSecond(n) limits as { recordsPerSecond: n } does; noOp() does not limit", () => {
    const clock = new ManualClock(0);
    const out: number[] = [];
    const limited = reader(new DataGeneratorSource((i) => i, Infinity, RateLimiterStrategy.perSecond(100)), 0, 2, clock);
    limited.pollNext(new TestingReaderOutput(out), 1000);
    assert.equal(limited.nextAvailableTime!(), 20);
    const free = reader(new DataGeneratorSource((i) => i, 10, RateLimiterStrategy.noOp()), 0, 1, clock);
    assert.deepEqual(drain(free, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => new DataGeneratorSource((i) => i, 1, RateLimiterStrategy.perSecond(0)), /recordsPerSecond must be positive/);
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
        return r.snapshotState(1)[0]!;
      })();
      assert.equal(snap.offset, Buffer.byteLength('héllo\r\nwörld\n'));
      assert.throws(() => drain(reader(new TextFileSource(join(dir.path, 'missing.txt')))), /Cannot read text file .*missing\.txt: no such file/);
    } finally {
      dir.cleanup();
    }
  });

  test("text file: a directory is read file by file in name order, as Flink's FileInputFormat reads one (not nested, '.' and '_' skipped); replays across files", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'b.txt'), 'b0\nb1\n');
      writeFileSync(join(dir.path, 'a.txt'), 'a0\n');
      writeFileSync(join(dir.path, 'c.gz'), gzipSync('c0\n'));
      writeFileSync(join(dir.path, '.hidden'), 'h\n');
      writeFileSync(join(dir.path, '_SUCCESS'), '');
      mkdirSync(join(dir.path, 'nested'));
      writeFileSync(join(dir.path, 'nested', 'n.txt'), 'n\n');
      const src = new TextFileSource(dir.path);
      for (let cut = 0; cut <= 4; cut++) {
        const { before, after, all } = replayFromSnapshot(src, cut);
        assert.deepEqual(all, ['a0', 'b0', 'b1', 'c0']);
        assert.deepEqual([...before, ...after], all, `restored after ${cut} lines`);
      }
    } finally {
      dir.cleanup();
    }
  });

  test('text file: a .gz file is read decompressed (as Flink\'s TextInputFormat), and replays from a snapshot at the exact next line', () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'in.txt.gz');
      writeFileSync(path, gzipSync('héllo\r\nwörld\n\nlast'));
      const { before, after, all } = replayFromSnapshot(new TextFileSource(path), 2);
      assert.deepEqual(all, ['héllo', 'wörld', '', 'last']);
      assert.deepEqual([...before, ...after], all);
    } finally {
      dir.cleanup();
    }
  });

  test("text file: a lone \\r stays in its line and a last line's \\r is dropped, as Flink's TextInputFormat does", () => {
    const dir = tempDir();
    try {
      const path = join(dir.path, 'in.txt');
      writeFileSync(path, 'p\rq\nr\r');
      const out = new TestingReaderOutput<string>();
      const file = reader(new TextFileSource(path));
      while (file.pollNext(out, 10) !== 'END_OF_INPUT');
      assert.deepEqual(out.into, ['p\rq', 'r']);
    } finally {
      dir.cleanup();
    }
  });

  test('a reader with several splits reads them side by side, each through its own split output, released when done', () => {
    // Two readers' splits restored into one (a restore at a lower parallelism): an endless split
    // must not starve the other.
    const src = new DataGeneratorSource((i) => i, Infinity);
    const r = src.createReader({ subtaskIndex: 0, parallelism: 1, clock: systemClock });
    r.addSplits([{ next: 0, end: Infinity, stride: 2 }, { next: 1, end: 7, stride: 2 }]);
    const out = new TestingReaderOutput<number>();
    assert.equal(r.pollNext(out, 4), 'MORE_AVAILABLE');
    assert.deepEqual(out.emitted.map((e) => [e.record, e.split]), [[0, 'Infinity/0'], [2, 'Infinity/0'], [1, '7/1'], [3, '7/1']]);
    r.pollNext(out, 10);
    assert.deepEqual(out.released, ['7/1'], 'the finite split is released once read to its end');
    assert.deepEqual(out.into.filter((v) => v % 2 === 1), [1, 3, 5]);
    assert.deepEqual(r.snapshotState(1), [{ next: out.into.filter((v) => v % 2 === 0).length * 2, end: Infinity, stride: 2 }]);
    assert.ok(out.emitted.every((e) => e.timestamp === undefined), 'generated records have no timestamp of their own');
    assert.deepEqual(out.created, ['Infinity/0', '7/1']);
  });

  test('the built-in sources emit through split outputs: a collection, a text file', () => {
    const c = new TestingReaderOutput<string>();
    const collection = reader(new CollectionSource(['a', 'b']));
    while (collection.pollNext(c, 1) !== 'END_OF_INPUT');
    assert.deepEqual(c.emitted.map((e) => e.split), ['collection', 'collection']);
    assert.deepEqual(c.released, ['collection']);
    const dir = tempDir();
    try {
      const path = join(dir.path, 'in.txt');
      writeFileSync(path, 'x\ny\n');
      const t = new TestingReaderOutput<string>();
      const file = reader(new TextFileSource(path));
      while (file.pollNext(t, 1) !== 'END_OF_INPUT');
      assert.deepEqual(t.emitted.map((e) => [e.record, e.split]), [['x', path], ['y', path]]);
      assert.deepEqual(t.released, [path]);
    } finally {
      dir.cleanup();
    }
  });
});

describe('fromData (Flink 1.19+, in place of fromElements and fromCollection)', () => {
  test('elements as arguments, or one collection (an array or a Set) as the elements; a stream of arrays needs them wrapped', async () => {
    const runs: unknown[][] = [];
    const collect = <T>(build: (env: StreamExecutionEnvironment) => DataStream<T>) => {
      const out: T[] = [];
      runs.push(out);
      return runJob((env) => void build(env).addSink((v: T) => void out.push(v)));
    };
    await collect((env) => env.fromData(3, 1, 2));
    await collect((env) => env.fromData([3, 1, 2]));
    await collect((env) => env.fromData(new Set(['a', 'b'])));
    await collect((env) => env.fromData([[1, 2], [3]]));
    await collect((env) => env.fromData('ab'));
    assert.deepEqual(runs, [[3, 1, 2], [3, 1, 2], ['a', 'b'], [[1, 2], [3]], ['ab']]);
  });
});
