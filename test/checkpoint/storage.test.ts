import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { type WriteSteps, nodeWriteSteps, writeFileAtomic } from '../../src/checkpoint/atomic-write.js';
import { FsCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.js';
import { checkpointDir, metadataPath } from '../../src/checkpoint/paths.js';
import { SnapshotRestoreError, loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotMetadata, encodeMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { type OperatorSnapshot, type OperatorStateHandle, encodeLists, encodeStateFile } from '../../src/runtime/checkpointing/operator-snapshot.js';
import { stateFileName } from '../../src/runtime/checkpointing/snapshot-driver.js';
import { KeyedStateBackend, KeyGroupRange, ValueStateDescriptor, type ValueState } from '../../src/state/index.js';
import { tempDir } from '../helpers/run-job.js';

const JOB = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

const temps: Array<() => void> = [];
after(() => temps.forEach((c) => c()));
function freshBase(): string {
  const t = tempDir('flink-ckpt-test-');
  temps.push(t.cleanup);
  return t.path;
}

/** Whatever writeAndSync was given (one buffer or chunks), as one buffer. */
function bytesOf(data: Uint8Array | readonly Uint8Array[]): Buffer {
  return data instanceof Uint8Array ? Buffer.from(data) : Buffer.concat([...data]);
}

/** The state of one checkpoint: a keyed operator (parallelism 2) and a source (parallelism 1). */
function operatorSnapshots(id: number): OperatorSnapshot[] {
  const out: OperatorSnapshot[] = [];
  for (let subtask = 0; subtask < 2; subtask++) {
    const range = KeyGroupRange.forSubtask(128, 2, subtask);
    const backend = new KeyedStateBackend(128, range);
    const count = backend.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
    for (let k = 0; k < 200; k++) {
      // Only keys of this subtask's key groups.
      backend.setCurrentKey(`key-${k}`);
      if (!range.contains(backend.currentKeyGroup)) continue;
      count.update(k * id);
    }
    const keyed = backend.snapshot(id);
    keyed.encodeUntil(Infinity, () => 0);
    out.push({ uid: 'counter', name: 'Counter', subtask, parallelism: 2, maxParallelism: 128, lists: encodeLists(new Map()), timers: [], keyed, empty: false });
  }
  out.push({
    uid: 'source',
    name: 'Source: gen',
    subtask: 0,
    parallelism: 1,
    maxParallelism: 128,
    lists: encodeLists(new Map([['_splits', { mode: 'split' as const, values: [{ next: id * 100, end: Infinity, stride: 1 }] }]])),
    timers: [],
    keyed: undefined,
    empty: false,
  });
  return out;
}

/** Writes checkpoint `id` the way tasks and the coordinator do: state files, then `_metadata`. */
async function writeCheckpoint(storage: FsCheckpointStorage, id: number): Promise<string> {
  storage.initializeLocation(id);
  const byUid = new Map<string, OperatorStateHandle[]>();
  for (const op of operatorSnapshots(id)) {
    const file = stateFileName(op.uid, op.subtask);
    const { size, checksum } = await storage.writeStateFile(id, file, encodeStateFile(op));
    const h: OperatorStateHandle = {
      uid: op.uid,
      name: op.name,
      subtask: op.subtask,
      parallelism: op.parallelism,
      maxParallelism: op.maxParallelism,
      file,
      size,
      checksum,
      keyGroupRange: op.keyed ? [op.keyed.keyGroupRange.start, op.keyed.keyGroupRange.end] : null,
      stateNames: Object.keys(op.keyed?.kinds ?? {}),
    };
    byUid.set(op.uid, [...(byUid.get(op.uid) ?? []), h]);
  }
  return storage.finalize(id, {
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: JOB,
    jobName: 'test job',
    checkpointId: id,
    kind: 'CHECKPOINT',
    timestamp: 1_700_000_000_000 + id,
    operators: [...byUid].map(([uid, subtasks]) => ({ uid, name: subtasks[0]!.name, parallelism: subtasks[0]!.parallelism, maxParallelism: 128, subtasks })),
  });
}

/** Checks that `dir` loads as checkpoint `id` with exactly the state written for it. */
function assertLoadsAs(dir: string, id: number): void {
  const s = loadSnapshot(dir);
  assert.equal(s.metadata.checkpointId, id);
  assert.deepEqual(s.metadata.operators.map((o) => o.uid), ['counter', 'source']);
  const source = s.files.get('source')!.get(0)!;
  assert.deepEqual(source.lists.get('_splits'), { mode: 'split', values: [{ next: id * 100, end: Infinity, stride: 1 }] });
  const counter = s.files.get('counter')!;
  assert.equal(counter.size, 2);
  let keys = 0;
  for (const [subtask, f] of counter) {
    const range = KeyGroupRange.forSubtask(128, 2, subtask);
    assert.deepEqual(f.kinds, { count: { kind: 'value', ttl: false, serializer: { name: 'msgpack', version: 1 } } });
    const restored = new KeyedStateBackend(128, range);
    for (const [kg, bytes] of f.keyGroups) {
      assert.ok(range.contains(kg));
      restored.restoreKeyGroup(kg, bytes, f.kinds);
    }
    const count = restored.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
    for (let k = 0; k < 200; k++) {
      restored.setCurrentKey(`key-${k}`);
      if (!range.contains(restored.currentKeyGroup)) continue;
      assert.equal(count.value(), k * id);
      keys++;
    }
  }
  assert.equal(keys, 200);
}

/** Asserts `fn` throws a SnapshotRestoreError whose message matches `pattern`. */
function assertRefused(fn: () => unknown, pattern: RegExp, code?: string): SnapshotRestoreError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SnapshotRestoreError, `expected a SnapshotRestoreError, got ${String(caught)}`);
  assert.match(caught.message, pattern);
  assert.match(caught.message, /^Cannot restore from /);
  if (code) assert.equal(caught.code, code);
  return caught;
}

type StepName = 'writeAndSync' | 'rename' | 'syncDir';

/**
 * Real file-system steps that "crash" at the k-th step (1-based): a write crashing half-way
 * leaves half the bytes; nothing else of that step happens. `crashRemove` makes the cleanup
 * after the crash fail too (the process is gone), so temp files stay.
 */
function crashingSteps(k: number, crashRemove = false): { steps: WriteSteps; log: string[]; crashed: () => string | undefined } {
  let n = 0;
  const log: string[] = [];
  let crashedAt: string | undefined;
  const step = (name: StepName, path: string): boolean => {
    n++;
    log.push(`${name} ${path}`);
    if (n === k) {
      crashedAt = `${name} ${path}`;
      return true;
    }
    return false;
  };
  const steps: WriteSteps = {
    async writeAndSync(path, data) {
      if (step('writeAndSync', path)) {
        const bytes = bytesOf(data);
        writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
        throw new Error(`simulated crash writing ${path}`);
      }
      return nodeWriteSteps.writeAndSync(path, data);
    },
    async rename(from, to) {
      if (step('rename', to)) throw new Error('simulated crash at rename');
      return nodeWriteSteps.rename(from, to);
    },
    async syncDir(dir) {
      if (step('syncDir', dir)) throw new Error('simulated crash at fsync of a directory');
      return nodeWriteSteps.syncDir(dir);
    },
    async remove(path) {
      if (crashedAt && crashRemove) throw new Error('the process is gone');
      return nodeWriteSteps.remove(path);
    },
  };
  return { steps, log, crashed: () => crashedAt };
}

describe('checkpoint storage: a crash at any step never leaves a loadable-but-broken snapshot', () => {
  test('the happy path: a written checkpoint loads with all its state', async () => {
    const base = freshBase();
    const storage = new FsCheckpointStorage(base, JOB);
    const dir = await writeCheckpoint(storage, 1);
    assert.equal(dir, checkpointDir(base, JOB, 1));
    assertLoadsAs(dir, 1);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'no temp file left');
    assert.ok(readdirSync(dir).includes('_metadata'));
  });

  for (const crashRemove of [false, true]) {
    test(`crash at every step of writing chk-2${crashRemove ? ' (cleanup also lost)' : ''}: chk-1 still loads, chk-2 is complete or has no _metadata`, async () => {
      // First find how many steps a complete write takes.
      const probe = crashingSteps(Infinity);
      await writeCheckpoint(new FsCheckpointStorage(freshBase(), JOB, probe.steps), 2);
      const total = probe.log.length;
      // 3 state files, fsync dir, temp _metadata, rename, fsync dir (atomic write), fsync parent.
      assert.deepEqual(
        probe.log.map((l) => l.split(' ')[0]),
        ['writeAndSync', 'writeAndSync', 'writeAndSync', 'syncDir', 'writeAndSync', 'rename', 'syncDir', 'syncDir'],
      );
      const outcomes: string[] = [];
      for (let k = 1; k <= total; k++) {
        const base = freshBase();
        const prev = await writeCheckpoint(new FsCheckpointStorage(base, JOB), 1);
        const { steps, crashed } = crashingSteps(k, crashRemove);
        await assert.rejects(writeCheckpoint(new FsCheckpointStorage(base, JOB, steps), 2), /simulated crash/);
        const at = crashed()!;
        // The previous complete checkpoint is untouched.
        assertLoadsAs(prev, 1);
        // The new directory is either a complete snapshot or visibly not one.
        const dir = checkpointDir(base, JOB, 2);
        let outcome: string;
        try {
          assertLoadsAs(dir, 2);
          outcome = 'complete';
        } catch (err) {
          if (err instanceof assert.AssertionError) throw new Error(`after a crash at ${at}, chk-2 loads but is broken: ${err.message}`);
          assert.ok(err instanceof SnapshotRestoreError, `after a crash at ${at}: ${String(err)}`);
          assert.equal(err.code, 'snapshot.noMetadata', `after a crash at ${at}, chk-2 is refused for another reason: ${err.message}`);
          assert.match(err.message, /has no _metadata, so it is not a complete checkpoint or savepoint/);
          outcome = 'no _metadata';
        }
        if (!crashRemove) {
          assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], `after a crash at ${at}, a temp file is left`);
        }
        outcomes.push(`${at.split(' ')[0]}:${outcome}`);
      }
      // Everything up to the rename leaves no snapshot; after the rename it is complete.
      assert.deepEqual(outcomes, [
        'writeAndSync:no _metadata',
        'writeAndSync:no _metadata',
        'writeAndSync:no _metadata',
        'syncDir:no _metadata',
        'writeAndSync:no _metadata',
        'rename:no _metadata',
        'syncDir:complete',
        'syncDir:complete',
      ]);
    });
  }

  test('writeFileAtomic: on failure the old content stays and no temp file is left', async () => {
    const dir = freshBase();
    const path = join(dir, 'target');
    writeFileSync(path, 'old');
    for (let k = 1; k <= 2; k++) {
      const { steps } = crashingSteps(k);
      await assert.rejects(writeFileAtomic(path, Buffer.from('new content'), steps), /simulated crash/);
      assert.deepEqual(readdirSync(dir), ['target'], `crash at step ${k}: only the target remains`);
      assert.equal(readFileSync(path, 'utf8'), 'old');
    }
    // A failing directory fsync after the rename: the new content is in place.
    const { steps } = crashingSteps(3);
    await assert.rejects(writeFileAtomic(path, Buffer.from('new content'), steps), /simulated crash/);
    assert.deepEqual(readdirSync(dir), ['target']);
    assert.equal(readFileSync(path, 'utf8'), 'new content');
    // And without failures.
    await writeFileAtomic(path, Buffer.from('newer'));
    assert.deepEqual(readdirSync(dir), ['target']);
    assert.equal(readFileSync(path, 'utf8'), 'newer');
  });

  test('discard removes an unfinished checkpoint directory', async () => {
    const base = freshBase();
    const storage = new FsCheckpointStorage(base, JOB);
    const dir = storage.initializeLocation(3);
    await storage.writeStateFile(3, 'op-x-0.state', encodeStateFile(operatorSnapshots(3)[2]!));
    await storage.discard(3);
    assert.equal(existsSync(dir), false);
    await assert.rejects(storage.writeStateFile(3, 'late.state', encodeStateFile(operatorSnapshots(3)[2]!)), /no storage location/);
  });

  test('initializeLocation refuses to reuse an existing chk directory', () => {
    const base = freshBase();
    new FsCheckpointStorage(base, JOB).initializeLocation(4);
    assert.throws(() => new FsCheckpointStorage(base, JOB).initializeLocation(4), /EEXIST/);
  });
});

describe('refused restores', () => {
  /** A fresh complete checkpoint to damage. */
  async function good(): Promise<{ dir: string; meta: () => { checksum: string; metadata: SnapshotMetadata } }> {
    const dir = await writeCheckpoint(new FsCheckpointStorage(freshBase(), JOB), 5);
    return { dir, meta: () => JSON.parse(readFileSync(metadataPath(dir), 'utf8')) as { checksum: string; metadata: SnapshotMetadata } };
  }

  test('a good checkpoint loads from its directory, its _metadata, or a file: URI', async () => {
    const { dir } = await good();
    assertLoadsAs(dir, 5);
    assert.equal(loadSnapshot(metadataPath(dir)).dir, dir);
    assert.equal(loadSnapshot(pathToFileURL(dir).href).dir, dir);
  });

  test('a missing directory', () => {
    assertRefused(() => loadSnapshot(join(freshBase(), 'nope')), /no such file or directory/, 'snapshot.notFound');
  });

  test('a directory without _metadata', async () => {
    const { dir } = await good();
    unlinkSync(metadataPath(dir));
    assertRefused(() => loadSnapshot(dir), /has no _metadata, so it is not a complete checkpoint or savepoint/, 'snapshot.noMetadata');
  });

  test('an empty _metadata', async () => {
    const { dir } = await good();
    writeFileSync(metadataPath(dir), '');
    assertRefused(() => loadSnapshot(dir), /_metadata is invalid: it is empty/, 'snapshot.invalid');
  });

  test('a truncated _metadata', async () => {
    const { dir } = await good();
    const bytes = readFileSync(metadataPath(dir));
    writeFileSync(metadataPath(dir), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    assertRefused(() => loadSnapshot(dir), /_metadata is invalid: it is not a flink-ts snapshot \(not valid JSON: truncated, or written by another tool\)/);
  });

  test('a foreign _metadata: random bytes, or JSON without our magic', async () => {
    const { dir } = await good();
    writeFileSync(metadataPath(dir), Buffer.from([0x00, 0x00, 0x00, 0x02, 0xde, 0xad, 0xbe, 0xef, 0x13, 0x37]));
    assertRefused(() => loadSnapshot(dir), /_metadata is invalid: it is not a flink-ts snapshot/);
    for (const doc of [{ checkpointId: 5, operators: [] }, { checksum: 'x', metadata: { magic: 'other-tool', formatVersion: 1 } }, null, 42, 'text']) {
      writeFileSync(metadataPath(dir), JSON.stringify(doc));
      assertRefused(() => loadSnapshot(dir), /_metadata is invalid: it is not a flink-ts snapshot \(written by another tool\?\)/);
    }
  });

  test('a tampered _metadata: any edited field breaks the checksum', async () => {
    type Editable = { jobName: string; checkpointId: number; operators: Array<{ subtasks: Array<{ size: number }> }> };
    for (const edit of [
      (m: Editable) => void (m.jobName = 'edited'),
      (m: Editable) => void (m.checkpointId = 6),
      (m: Editable) => void (m.operators[1]!.subtasks[0]!.size += 1),
    ]) {
      const { dir, meta } = await good();
      const doc = meta();
      edit(doc.metadata as unknown as Editable);
      writeFileSync(metadataPath(dir), JSON.stringify(doc));
      assertRefused(() => loadSnapshot(dir), /_metadata is invalid: its checksum does not match its content \(it was modified or damaged\)/);
    }
  });

  test('a newer format version', async () => {
    const { dir, meta } = await good();
    writeFileSync(metadataPath(dir), encodeMetadata({ ...meta().metadata, formatVersion: SNAPSHOT_FORMAT_VERSION + 1 }));
    assertRefused(() => loadSnapshot(dir), new RegExp(`it has format version ${SNAPSHOT_FORMAT_VERSION + 1}, but this flink-ts reads version ${SNAPSHOT_FORMAT_VERSION}`));
  });

  test('a state file truncated, modified or missing', async () => {
    {
      const { dir, meta } = await good();
      const file = meta().metadata.operators[0]!.subtasks[1]!.file;
      const bytes = readFileSync(join(dir, file));
      writeFileSync(join(dir, file), bytes.subarray(0, bytes.length - 3));
      assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'counter' has ${bytes.length - 3} bytes, expected ${bytes.length} \\(truncated\\?\\)`));
    }
    {
      const { dir, meta } = await good();
      const file = meta().metadata.operators[1]!.subtasks[0]!.file;
      const bytes = readFileSync(join(dir, file));
      bytes[bytes.length - 2] ^= 0xff;
      writeFileSync(join(dir, file), bytes);
      assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'source' is damaged \\(checksum mismatch\\)`));
    }
    {
      const { dir, meta } = await good();
      const file = meta().metadata.operators[0]!.subtasks[0]!.file;
      unlinkSync(join(dir, file));
      assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'counter' is missing or unreadable`));
    }
  });

  test('a state file of another operator swapped in (valid checksum in a re-signed _metadata) is refused', async () => {
    const { dir, meta } = await good();
    const m = meta().metadata;
    const counter0 = m.operators[0]!.subtasks[0]!;
    const counter1 = m.operators[0]!.subtasks[1]!;
    // Point subtask 0's handle at subtask 1's file, with matching size and checksum.
    const ops = [{ ...m.operators[0]!, subtasks: [{ ...counter0, file: counter1.file, size: counter1.size, checksum: counter1.checksum }, counter1] }, m.operators[1]!];
    writeFileSync(metadataPath(dir), encodeMetadata({ ...m, operators: ops }));
    assertRefused(() => loadSnapshot(dir), /cannot be read: holds state of operator 'counter' subtask 1, not of 'counter' subtask 0/);
  });

  test("a state file name with '../', '/' or otherwise unsafe is refused before any state file is read", async () => {
    for (const bad of ['../../outside.state', 'sub/dir.state', '/etc/passwd', '..', '.hidden', '_metadata', '', 'a\\b']) {
      const { dir, meta } = await good();
      const m = meta().metadata;
      // Also delete every real state file: a read attempt would fail with another message.
      for (const op of m.operators) for (const h of op.subtasks) unlinkSync(join(dir, h.file));
      const ops = [m.operators[0]!, { ...m.operators[1]!, subtasks: [{ ...m.operators[1]!.subtasks[0]!, file: bad }] }];
      writeFileSync(metadataPath(dir), encodeMetadata({ ...m, operators: ops }));
      assertRefused(
        () => loadSnapshot(dir),
        /_metadata is invalid: operator 'source' names a state file outside the snapshot directory/,
        'snapshot.invalid',
      );
    }
  });

  test('a state file that is a symlink to a file outside the snapshot is refused', async () => {
    const { dir, meta } = await good();
    const file = meta().metadata.operators[1]!.subtasks[0]!.file;
    // The outside file has exactly the expected content, so only the link itself is wrong.
    const outside = join(freshBase(), 'outside.state');
    writeFileSync(outside, readFileSync(join(dir, file)));
    unlinkSync(join(dir, file));
    symlinkSync(outside, join(dir, file));
    assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'source' is missing or unreadable \\(not a regular file\\)`));
  });

  test('a state file that is a directory is refused', async () => {
    const { dir, meta } = await good();
    const file = meta().metadata.operators[1]!.subtasks[0]!.file;
    unlinkSync(join(dir, file));
    mkdirSync(join(dir, file));
    assertRefused(() => loadSnapshot(dir), /is missing or unreadable \(not a regular file\)/);
  });
});
