import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { type WriteSteps, nodeWriteSteps, sha256, writeFileAtomic } from '../../src/checkpoint/atomic-write.js';
import { FsCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.js';
import { completedCheckpoint } from '../../src/checkpoint/completed-checkpoint.js';
import { CompletedCheckpointStore } from '../../src/checkpoint/completed-checkpoint-store.js';
import { checkpointDir, metadataPath } from '../../src/checkpoint/paths.js';
import { SnapshotRestoreError, loadSnapshot, readSnapshotMetadata } from '../../src/checkpoint/snapshot-loader.js';
import { inspectSnapshot } from '../../src/checkpoint/snapshot-inspector.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotMetadata, encodeMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { type OperatorSnapshot, stateFileParts } from '../../src/runtime/checkpointing/operator-snapshot.js';
import {
  KeyedStateBackend,
  KeyGroupRange,
  type OperatorStateHandle,
  type StateFileParts,
  ValueStateDescriptor,
  type ValueState,
  PendingOperatorLists,
  countKeys,
  encodeLists,
  encodeStateFile,
} from '../../src/state/index.js';
import { pack, unpack } from '../../src/util/binary-codec.js';
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
    out.push({ uid: 'counter', name: 'Counter', subtask, parallelism: 2, maxParallelism: 128, lists: PendingOperatorLists.of(encodeLists(new Map())), keyed, empty: false });
  }
  out.push({
    uid: 'source',
    name: 'Source: gen',
    subtask: 0,
    parallelism: 1,
    maxParallelism: 128,
    lists: PendingOperatorLists.of(encodeLists(new Map([['_splits', { mode: 'split' as const, values: [{ next: id * 100, end: Infinity, stride: 1 }] }]]))),
    keyed: undefined,
    empty: false,
  });
  return out;
}

/** Writes checkpoint `id` the way tasks and the coordinator do: state files, then `_metadata`. */
async function writeCheckpoint(storage: FsCheckpointStorage, id: number): Promise<string> {
  await storage.initializeLocation(id);
  const byUid = new Map<string, OperatorStateHandle[]>();
  for (const op of operatorSnapshots(id)) {
    const written = await storage.writeStateFile(id, { uid: op.uid, subtask: op.subtask }, encodeStateFile(stateFileParts(op)));
    const h: OperatorStateHandle = {
      uid: op.uid,
      name: op.name,
      subtask: op.subtask,
      parallelism: op.parallelism,
      maxParallelism: op.maxParallelism,
      ...written,
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
    for (const block of f.keyGroups) {
      assert.ok(range.contains(block.keyGroup));
      restored.restoreKeyGroup(block, f.kinds);
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

type StepName = 'writeAndSync' | 'rename' | 'syncDir' | 'remove' | 'removeDir';

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
      if (step('remove', path)) throw new Error('simulated crash at the removal of a file');
      return nodeWriteSteps.remove(path);
    },
    async removeDir(path) {
      if (step('removeDir', path)) throw new Error('simulated crash at the removal of a directory');
      return nodeWriteSteps.removeDir(path);
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

  test('retention: a crash at every step of deleting chk-1 leaves chk-2 intact and chk-1 complete or visibly not a snapshot; the deletion is retried', async () => {
    const outcomes: string[] = [];
    for (let k = 1; ; k++) {
      const base = freshBase();
      const plain = new FsCheckpointStorage(base, JOB);
      const [c1, c2] = [await writeCheckpoint(plain, 1), await writeCheckpoint(plain, 2)];
      const { steps, crashed } = crashingSteps(k);
      const failures: string[] = [];
      const store = new CompletedCheckpointStore(1, new FsCheckpointStorage(base, JOB, steps), {
        discarded: () => {},
        deleteFailed: (message) => failures.push(message),
      });
      await store.add(completedCheckpoint(loadSnapshot(c1).metadata, { path: c1, triggerTime: 0, completedAt: 0 }));
      await store.add(completedCheckpoint(loadSnapshot(c2).metadata, { path: c2, triggerTime: 0, completedAt: 0 }));
      const at = crashed();
      if (!at) {
        // Every step passed: chk-1 is gone.
        assert.equal(existsSync(c1), false);
        break;
      }
      assertLoadsAs(c2, 2);
      let outcome: string;
      try {
        assertLoadsAs(c1, 1);
        outcome = 'complete';
      } catch (err) {
        assert.ok(err instanceof SnapshotRestoreError, `after a crash at ${at}: ${String(err)}`);
        assert.equal(err.code, 'snapshot.noMetadata', `after a crash at ${at}, chk-1 is refused for another reason: ${err.message}`);
        outcome = 'no _metadata';
      }
      outcomes.push(`${at.split(' ')[0]}:${outcome}`);
      assert.equal(failures.length, 1);
      assert.match(failures[0]!, /^cannot delete checkpoint 1 \(.*chk-1\): simulated crash .*; trying again later$/);
      // The next change of retention tries again (the steps no longer crash).
      await store.settle([]);
      assert.equal(existsSync(c1), false, `after a crash at ${at}, chk-1 is deleted by the retry`);
      assertLoadsAs(c2, 2);
    }
    assert.deepEqual(outcomes, ['remove:complete', 'syncDir:no _metadata', 'removeDir:no _metadata']);
  });

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
    const dir = await storage.initializeLocation(3);
    const source = stateFileParts(operatorSnapshots(3)[2]!);
    await storage.writeStateFile(3, { uid: 'x', subtask: 0 }, encodeStateFile(source));
    await storage.discard(3);
    assert.equal(existsSync(dir), false);
    await assert.rejects(storage.writeStateFile(3, { uid: 'late', subtask: 0 }, encodeStateFile(source)), /no storage location/);
  });

  test('initializeLocation refuses to reuse an existing chk directory', async () => {
    const base = freshBase();
    await new FsCheckpointStorage(base, JOB).initializeLocation(4);
    await assert.rejects(new FsCheckpointStorage(base, JOB).initializeLocation(4), /EEXIST/);
  });

  test('initializeLocation never blocks the event loop: a directory that cannot be created fails the promise', async () => {
    const storage = new FsCheckpointStorage(freshBase(), JOB);
    // Under /proc nothing can be created; the failure comes back asynchronously.
    const location = storage.initializeLocation(5, '/proc/flink-ts-test/savepoints');
    assert.ok(location instanceof Promise);
    await assert.rejects(location, /ENOENT|EACCES|EPERM|EROFS/);
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
      assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'counter' is missing \\(no such file in the snapshot directory\\)\\.$`), 'snapshot.damagedStateFile');
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

  /** Replaces the state file of `counter` subtask 0 by one made of `parts`, re-signing `_metadata` (valid size and checksum). */
  async function withCounterFile(parts: (good: StateFileParts) => StateFileParts): Promise<{ dir: string; file: string }> {
    const { dir, meta } = await good();
    await withBytes(dir, Buffer.concat(encodeStateFile(parts(stateFileParts(operatorSnapshots(5)[0]!)))));
    return { dir, file: meta().metadata.operators[0]!.subtasks[0]!.file };
  }

  /**
   * As {@link withCounterFile}, as format 2 wrote it: the header says format 2 and carries
   * `timers` (processing-time timers, which later formats keep as keyed state).
   */
  function withFormat2CounterFile(timers: unknown): Promise<{ dir: string; file: string }> {
    return withCounterHeader((h) => ({ ...h, format: 2, timers }));
  }

  /** As {@link withCounterFile}, the good file with its header edited by `edit` (its blocks as they were). */
  async function withCounterHeader(edit: (header: Record<string, unknown>) => Record<string, unknown>): Promise<{ dir: string; file: string }> {
    const { dir, meta } = await good();
    const [, head, ...blocks] = encodeStateFile(stateFileParts(operatorSnapshots(5)[0]!));
    const header = pack(edit(unpack(head!) as Record<string, unknown>));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.byteLength);
    await withBytes(dir, Buffer.concat([length, header, ...blocks]));
    return { dir, file: meta().metadata.operators[0]!.subtasks[0]!.file };
  }

  /** Replaces the bytes of `counter` subtask 0's state file, re-signing `_metadata`. */
  async function withBytes(dir: string, bytes: Buffer): Promise<void> {
    const m = (JSON.parse(readFileSync(metadataPath(dir), 'utf8')) as { metadata: SnapshotMetadata }).metadata;
    const h = m.operators[0]!.subtasks[0]!;
    writeFileSync(join(dir, h.file), bytes);
    const subtasks = [{ ...h, size: bytes.length, checksum: sha256(bytes) }, m.operators[0]!.subtasks[1]!];
    writeFileSync(metadataPath(dir), encodeMetadata({ ...m, operators: [{ ...m.operators[0]!, subtasks }, m.operators[1]!] }));
  }

  test('a state file holding a key group or timer outside its subtask\'s key groups is refused at load, naming the file, operator and key group', async () => {
    // Subtask 0 of 2 owns key groups 0-63.
    for (const [parts, what] of [
      [(p: StateFileParts) => ({ ...p, keyGroups: [...p.keyGroups, [100, pack({ count: [['k', 1]] })] as const] }), 'it holds state of key group 100'],
      [(p: StateFileParts) => ({ ...p, keyGroups: [[200, pack({ count: [['k', 1]] })] as const] }), 'it holds state of key group 200'],
    ] as const) {
      const { dir, file } = await withCounterFile(parts);
      assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'counter' cannot be read: ${what}, outside the key groups 0-63 of subtask 0`));
    }
    // Format 2 kept timers in the header, each with its key group.
    const { dir, file } = await withFormat2CounterFile([[1, 'k', 64]]);
    assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'counter' cannot be read: it holds a timer of key group 64, outside the key groups 0-63 of subtask 0`));
  });

  test('a state file whose key-group blocks share bytes (index edited, valid checksum) is refused by every reader, naming the file and key groups', async () => {
    type Entry = [keyGroup: number, offset: number, length: number];
    const withIndex = (edit: (index: Entry[]) => Entry[]) => withCounterHeader((h) => ({ ...h, keyGroupIndex: edit(h['keyGroupIndex'] as Entry[]) }));
    const groups = stateFileParts(operatorSnapshots(5)[0]!).keyGroups.map(([kg]) => kg);
    assert.ok(groups.length >= 3, 'the test needs three key groups');
    const [first, second, last] = [groups[0]!, groups[1]!, groups.at(-1)!];
    const cases: Array<[string, (index: Entry[]) => Entry[], string]> = [
      ['the same bytes', (index) => index.map((e, i) => (i === 1 ? [e[0], index[0]![1], index[0]![2]] : e)), `${first} and ${second}`],
      ['a block running into the next', (index) => index.map((e, i) => (i === 0 ? [e[0], e[1], e[2] + 1] : e)), `${first} and ${second}`],
      // Far apart in the index: found by offset, not by the index's order.
      ['the last group on the first one\'s bytes', (index) => index.map((e, i) => (i === index.length - 1 ? [e[0], index[0]![1], index[0]![2]] : e)), `${first} and ${last}`],
    ];
    for (const [what, edit, pair] of cases) {
      const { dir, file } = await withIndex(edit);
      const refusal = `state file ${file} of operator 'counter' cannot be read: the blocks of key groups ${pair} overlap`;
      const err = assertRefused(() => loadSnapshot(dir), new RegExp(refusal));
      assert.ok(!err.message.includes('\n'), what);
      assert.deepEqual(inspectSnapshot(dir).operators[0]!.damaged, [`subtask 0: ${refusal}`], what);
    }
    // Blocks in another order, none sharing bytes, are no damage.
    const reordered = await withIndex((index) => index.reverse());
    assert.equal(loadSnapshot(reordered.dir).files.get('counter')!.size, 2);
  });

  test('a state file with bytes in no key-group block (index edited, valid checksum) is refused by every reader, naming the file and where', async () => {
    // The encoder lays blocks end to end after the header: bytes no block covers were put there by hand.
    type Entry = [keyGroup: number, offset: number, length: number];
    const withIndex = (edit: (index: Entry[]) => Entry[]) => withCounterHeader((h) => ({ ...h, keyGroupIndex: edit(h['keyGroupIndex'] as Entry[]) }));
    const groups = stateFileParts(operatorSnapshots(5)[0]!).keyGroups.map(([kg]) => kg);
    const [first, second, last] = [groups[0]!, groups[1]!, groups.at(-1)!];
    const cases: Array<[string, (index: Entry[]) => Entry[], string]> = [
      ['a gap between blocks', (index) => index.map((e, i) => (i === 0 ? [e[0], e[1], e[2] - 1] : e)), `1 byte between the blocks of key groups ${first} and ${second} belongs to no key group`],
      ['bytes before the first block', (index) => index.map((e, i) => (i === 0 ? [e[0], e[1] + 2, e[2] - 2] : e)), `2 bytes before the block of key group ${first} belong to no key group`],
      ['bytes after the last block', (index) => index.map((e, i) => (i === index.length - 1 ? [e[0], e[1], e[2] - 3] : e)), `3 bytes after the block of key group ${last} belong to no key group`],
      ['blocks and no index', () => [], 'bytes after its header belong to no key group'],
    ];
    for (const [what, edit, where] of cases) {
      const { dir, file } = await withIndex(edit);
      const refusal = `state file ${file} of operator 'counter' cannot be read: \\d* ?${where}`;
      const err = assertRefused(() => loadSnapshot(dir), new RegExp(refusal));
      assert.ok(!err.message.includes('\n'), what);
      assert.match(inspectSnapshot(dir).operators[0]!.damaged.join('\n'), new RegExp(`^subtask 0: ${refusal}$`), what);
    }
  });

  test('a state file with a damaged header (valid checksum) is refused at load', async () => {
    // A header of format 99 (a newer flink-ts), written in place of the file.
    const newer = await withCounterFile((p) => p);
    const header = pack({ format: 99, uid: 'counter', subtask: 0 });
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.byteLength);
    await withBytes(newer.dir, Buffer.concat([length, header]));
    assertRefused(() => loadSnapshot(newer.dir), /cannot be read: it has state-file format 99, written by a newer flink-ts; this one reads formats up to 3/);

    const badTimers = await withFormat2CounterFile([['soon', 'k', 3]]);
    assertRefused(() => loadSnapshot(badTimers.dir), /cannot be read: its timers are malformed/);
    const badKinds = await withCounterFile((p) => ({ ...p, kinds: { count: { kind: 'counter' } } as never }));
    assertRefused(() => loadSnapshot(badKinds.dir), /cannot be read: the metadata of state 'count' is malformed/);
    const badLists = await withCounterFile((p) => ({ ...p, lists: pack({ not: 'a list' }) }));
    assertRefused(() => loadSnapshot(badLists.dir), /cannot be read: its operator state is malformed/);
  });

  test('an undecodable key-group block (valid checksum) fails the restore naming the operator, file and key group', async () => {
    const { dir, file } = await withCounterFile((p) => ({ ...p, keyGroups: [[p.keyGroups[0]![0], new Uint8Array([0xc1, 0xff, 0x00])], ...p.keyGroups.slice(1)] }));
    const f = loadSnapshot(dir).files.get('counter')!.get(0)!;
    const kg = f.keyGroups[0]!.keyGroup;
    const backend = new KeyedStateBackend(128, KeyGroupRange.forSubtask(128, 2, 0));
    assert.throws(
      () => backend.restoreKeyGroup(f.keyGroups[0]!, f.kinds),
      (err: unknown) =>
        err instanceof SnapshotRestoreError &&
        new RegExp(`^Cannot restore the state of operator 'counter': key group ${kg} in ${file} cannot be decoded \\(.*\\); the snapshot is damaged\\.$`).test(err.message),
    );
    const wrongShape = await withCounterFile((p) => ({ ...p, keyGroups: [[p.keyGroups[0]![0], pack({ count: 'not entries', other: [] })]] }));
    const g = loadSnapshot(wrongShape.dir).files.get('counter')!.get(0)!;
    assert.throws(() => backend.restoreKeyGroup(g.keyGroups[0]!, g.kinds), /key group \d+ in .* holds malformed entries of state 'count'; the snapshot is damaged/);
  });

  test('flink info lists a subtask with an undecodable key-group block (valid checksum) as damaged, as other damage, and shows the rest', async () => {
    const { dir, file } = await withCounterFile((p) => ({ ...p, keyGroups: [[p.keyGroups[0]![0], new Uint8Array([0xc1, 0xff, 0x00])], ...p.keyGroups.slice(1)] }));
    const kg = loadSnapshot(dir).files.get('counter')!.get(0)!.keyGroups[0]!.keyGroup;
    const info = inspectSnapshot(dir);
    const [counter, source] = info.operators;
    assert.equal(counter!.damaged.length, 1, counter!.damaged.join('\n'));
    assert.match(counter!.damaged[0]!, new RegExp(`^subtask 0: state file ${file} of operator 'counter' cannot be read: key group ${kg} cannot be decoded \\(.+\\)$`));
    assert.equal(info.restorable, false);
    // Subtask 1's keys are counted, subtask 0's not at all (not those of its other key groups either).
    const whole = inspectSnapshot((await good()).dir).operators[0]!.keyedStates['count']!.keys;
    const shown = counter!.keyedStates['count']!.keys;
    assert.equal(shown, countKeys(loadSnapshot(dir).files.get('counter')!.get(1)!.keyGroups).get('count'));
    assert.ok(shown > 0 && shown < whole, `${shown} of ${whole} keys`);
    assert.deepEqual(source!.damaged, []);
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
    assertRefused(() => loadSnapshot(dir), new RegExp(`state file ${file} of operator 'source' is a symbolic link, not a regular file\\.$`));
  });

  test('a _metadata that is a symbolic link is refused by every reader (restore, info, the State Processor API), not followed outside', async () => {
    const { dir } = await good();
    // The outside copy is a valid _metadata of this very snapshot: only the link is wrong.
    const outside = join(freshBase(), 'outside-metadata');
    writeFileSync(outside, readFileSync(metadataPath(dir)));
    unlinkSync(metadataPath(dir));
    symlinkSync(outside, metadataPath(dir));
    const refusal = /its _metadata cannot be used: it is a symbolic link, not a regular file\.$/;
    assertRefused(() => readSnapshotMetadata(dir), refusal);
    assertRefused(() => loadSnapshot(dir), refusal);
    assertRefused(() => inspectSnapshot(dir), refusal);
  });

  test('a state file that is a directory is refused', async () => {
    const { dir, meta } = await good();
    const file = meta().metadata.operators[1]!.subtasks[0]!.file;
    unlinkSync(join(dir, file));
    mkdirSync(join(dir, file));
    assertRefused(() => loadSnapshot(dir), /is a directory, not a regular file\.$/);
  });
});
