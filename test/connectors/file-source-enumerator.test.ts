/*
 * FileSource's enumerators as pure logic (Flink's StaticFileSplitEnumerator and
 * ContinuousFileSplitEnumerator): what each assigns to whom on which request, what its snapshot
 * holds, and what a restored one goes on with. A fake context records the calls; listings are
 * handed to the continuous one directly.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ContinuousFileSplitEnumerator, LegacySplitsEnumerator, StaticFileSplitEnumerator } from '../../src/connectors/file-source-enumerator.js';
import type { FileSourceSplit, FileSplit } from '../../src/connectors/index.js';
import type { SplitEnumeratorContext } from '../../src/graph/index.js';
import { FileSource } from '../../src/index.js';
import { systemClock } from '../../src/util/clock.js';
import { SnapshotRestoreError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/run-job.js';

let tmp: { path: string; cleanup: () => void };
let dir: string;
beforeEach(() => {
  tmp = tempDir('flink-enumerator-');
  dir = join(tmp.path, 'in');
  mkdirSync(dir);
});
afterEach(() => tmp.cleanup());

/** A context that records what the enumerator does, as `<subtask>:<file>` and `<subtask>:none`. */
function recording(parallelism = 2) {
  const calls: string[] = [];
  const async: Array<{ delay: number; period: number | undefined }> = [];
  const ctx: SplitEnumeratorContext<FileSourceSplit> = {
    parallelism,
    clock: systemClock,
    registeredReaders: () => new Set([0, 1]),
    assignSplit: (s, subtask) => void calls.push(`${subtask}:${(s as FileSplit).name}`),
    assignSplits: () => assert.fail('not used'),
    signalNoMoreSplits: (subtask) => void calls.push(`${subtask}:none`),
    callAsync: (_c, _h, delay = 0, period) => void async.push({ delay, period }),
  };
  return { ctx, calls, async };
}

const split = (name: string): FileSplit => ({ dir, name, offset: 0 });

describe('StaticFileSplitEnumerator', () => {
  test('lists at start; one file per request in path order to whoever asks; then no more splits to each who asks', () => {
    for (const f of ['c', 'a', 'b']) writeFileSync(join(dir, f), 'x\n');
    const { ctx, calls } = recording();
    const e = new StaticFileSplitEnumerator(ctx, [dir]);
    e.start();
    writeFileSync(join(dir, 'd'), 'late\n');
    for (const subtask of [1, 1, 0, 1, 0]) e.handleSplitRequest(subtask);
    assert.deepEqual(calls, ['1:a', '1:b', '0:c', '1:none', '0:none']);
  });

  test('its snapshot holds the files not handed out; restored, it hands out those and lists nothing again', () => {
    for (const f of ['a', 'b', 'c']) writeFileSync(join(dir, f), 'x\n');
    const first = recording();
    const e = new StaticFileSplitEnumerator(first.ctx, [dir]);
    e.start();
    e.handleSplitRequest(0);
    const state = structuredClone(e.snapshotState());
    assert.deepEqual(state, { pending: [split('b'), split('c')], listed: true });
    writeFileSync(join(dir, 'd'), 'x\n');
    const second = recording();
    const r = new StaticFileSplitEnumerator(second.ctx, [dir], state);
    r.start();
    for (const subtask of [0, 1, 0]) r.handleSplitRequest(subtask);
    assert.deepEqual(second.calls, ['0:b', '1:c', '0:none']);
  });
});

describe('ContinuousFileSplitEnumerator', () => {
  test('lists at start and every interval; readers that asked wait, and get new files in the order they asked; a file is assigned once', () => {
    const { ctx, calls, async } = recording();
    const e = new ContinuousFileSplitEnumerator(ctx, [dir], 250, undefined);
    e.start();
    assert.deepEqual(async, [{ delay: 0, period: 250 }]);
    e.handleSplitRequest(1);
    e.handleSplitRequest(0);
    e.discovered([]);
    assert.deepEqual(calls, []);
    e.discovered([split('a')]);
    assert.deepEqual(calls, ['1:a']);
    e.discovered([split('a'), split('b'), split('c')]);
    assert.deepEqual(calls, ['1:a', '0:b']);
    e.handleSplitRequest(1);
    e.handleSplitRequest(1);
    assert.deepEqual(calls, ['1:a', '0:b', '1:c'], 'never signals the end');
  });

  test('its snapshot holds what is pending and every file it found; restored, it neither assigns those again nor misses new ones', () => {
    const { ctx } = recording();
    const e = new ContinuousFileSplitEnumerator(ctx, [dir], 100, undefined);
    e.discovered([split('a'), split('b')]);
    e.handleSplitRequest(0);
    const state = structuredClone(e.snapshotState());
    assert.deepEqual(state, { pending: [split('b')], listed: true, seen: [`${dir}\0a`, `${dir}\0b`] });
    const second = recording();
    const r = new ContinuousFileSplitEnumerator(second.ctx, [dir], 100, state);
    r.discovered([split('a'), split('b'), split('c')]);
    for (const subtask of [0, 1, 0]) r.handleSplitRequest(subtask);
    assert.deepEqual(second.calls, ['0:b', '1:c']);
  });
});

test('LegacySplitsEnumerator: assigns nothing; a bounded one tells each reader so, a monitoring one leaves it waiting; its state says so', () => {
  const bounded = recording();
  const b = new LegacySplitsEnumerator(bounded.ctx, true);
  b.handleSplitRequest(1);
  assert.deepEqual(bounded.calls, ['1:none']);
  const monitoring = recording();
  new LegacySplitsEnumerator(monitoring.ctx, false).handleSplitRequest(1);
  assert.deepEqual(monitoring.calls, []);
  assert.deepEqual(b.snapshotState(), { pending: [], listed: true, legacy: true });
});

test("FileSource.restoreEnumerator: a state this version did not write for this source is refused as the snapshot's fault; a snapshot from before the enumerator (legacy) gives the legacy one", () => {
  const source = FileSource.forTextLines(dir).build();
  const { ctx } = recording();
  const pending = (f: object) => ({ pending: [{ dir, name: 'a', offset: 0, ...f }], listed: true });
  const bad = [
    undefined,
    null,
    7,
    { pending: 'a', listed: true },
    { pending: [{ dir }], listed: true },
    { pending: [], listed: true, seen: [1] },
    // Offsets are non-negative integers; names stay inside the source's paths, which are its own.
    pending({ offset: -1 }),
    pending({ offset: 1.5 }),
    pending({ name: '../x' }),
    pending({ name: 'sub/../../x' }),
    pending({ name: '/etc/passwd' }),
    pending({ dir: '/etc', name: 'passwd' }),
  ];
  for (const state of bad) {
    assert.throws(() => source.restoreEnumerator(ctx, state, false), (e: unknown) => e instanceof SnapshotRestoreError && e.code === 'connector.enumeratorState' && !e.message.includes('\n'), JSON.stringify(state));
  }
  assert.ok(source.restoreEnumerator(ctx, undefined, true) instanceof LegacySplitsEnumerator);
  assert.ok(source.restoreEnumerator(ctx, { pending: [], listed: true }, false) instanceof StaticFileSplitEnumerator);
  assert.ok(source.restoreEnumerator(ctx, pending({ name: 'day=1/..a', offset: 12 }), false) instanceof StaticFileSplitEnumerator);
});

test("a FileSource reader refuses a restored or assigned split of another shape, outside the source's paths or at a bad offset, before opening anything", () => {
  writeFileSync(join(tmp.path, 'secret'), 'no\n');
  const source = FileSource.forTextLines(dir).build();
  const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, clock: systemClock, sendSplitRequest: () => {} });
  const bad: unknown[] = [
    null,
    { dir, name: 'a' },
    { dir, name: 'a', offset: -3 },
    { dir, name: 'a', offset: 0.5 },
    { dir, name: '../secret', offset: 0 },
    { dir: tmp.path, name: 'secret', offset: 0 },
    { dir, done: ['../secret'], current: null },
    { dir, done: [], current: { name: '../secret', offset: 0 } },
    { dir, done: [], current: { name: 'a', offset: -1 } },
    { dir, done: [], current: null, pending: ['/etc/passwd'] },
    { dir, done: [], current: null, shard: 2, shards: 2 },
    { dir: '/', done: [], current: null },
  ];
  for (const split of bad) {
    assert.throws(() => reader.addSplits([split as FileSourceSplit]), (e: unknown) => e instanceof SnapshotRestoreError && e.code === 'connector.splitState' && !e.message.includes('\n'), JSON.stringify(split));
  }
  // A well-formed split of a path the source no longer reads: the line says so and what to do.
  assert.throws(
    () => reader.addSplits([{ dir: tmp.path, name: 'secret', offset: 0 }]),
    (e: unknown) => e instanceof SnapshotRestoreError && e.message.includes(`was reading ${tmp.path}, which this job's source does not read (${dir})`) && e.message.includes('new uid'),
  );
  reader.addSplits([{ dir, name: 'a', offset: 0 }, { dir, done: [], current: null, shard: 1, shards: 2 }]);
});
