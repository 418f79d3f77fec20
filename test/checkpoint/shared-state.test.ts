import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FsCheckpointStorage } from '../../src/checkpoint/checkpoint-storage.js';
import { CompletedCheckpointStore } from '../../src/checkpoint/completed-checkpoint-store.js';
import { type CompletedCheckpoint, completedCheckpoint } from '../../src/checkpoint/completed-checkpoint.js';
import { metadataPath, sharedStateDir } from '../../src/checkpoint/paths.js';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotKind, type SnapshotMetadata, encodeMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { SnapshotDriver } from '../../src/runtime/checkpointing/snapshot-driver.js';
import {
  type CheckpointResponder,
  KeyGroupRange,
  KeyedStateBackend,
  type OperatorStateHandle,
  type TaskAcknowledgement,
  ValueStateDescriptor,
  type ValueState,
  PendingOperatorLists,
  encodeLists,
} from '../../src/state/index.js';
import { tempDir } from '../helpers/run-job.js';

const JOB = 'f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6';
const temps: Array<() => void> = [];
after(() => temps.forEach((c) => c()));

/** Two incremental keyed subtasks checkpointed through the real driver and storage. */
class Job {
  readonly base = (() => {
    const t = tempDir('flink-shared-test-');
    temps.push(t.cleanup);
    return t.path;
  })();
  readonly storage = new FsCheckpointStorage(this.base, JOB);
  readonly backends = [0, 1].map((i) => new KeyedStateBackend(128, KeyGroupRange.forSubtask(128, 2, i), { incremental: true }));
  private readonly acks: TaskAcknowledgement[] = [];
  private readonly responder: CheckpointResponder = { acknowledge: (a) => this.acks.push(a), decline: (_, __, r) => assert.fail(r) };
  private readonly driver = new SnapshotDriver(this.storage, this.responder);

  write(keys: number, tag: number): void {
    for (const b of this.backends) {
      const s = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count'));
      for (let k = 0; k < keys; k++) {
        b.setCurrentKey(k);
        if (b.keyGroupRange.contains(b.currentKeyGroup)) s.update(k + tag);
      }
    }
  }

  async checkpoint(id: number, kind: SnapshotKind = 'CHECKPOINT'): Promise<CompletedCheckpoint> {
    const path = await this.storage.initializeLocation(id);
    this.acks.length = 0;
    this.backends.forEach((b, subtask) => {
      const keyed = b.snapshot(id, { full: kind !== 'CHECKPOINT' });
      const op = { uid: 'counter', name: 'Counter', subtask, parallelism: 2, maxParallelism: 128, lists: PendingOperatorLists.of(encodeLists(new Map())), timers: [], keyed, empty: false };
      this.driver.submit({ checkpointId: id, taskIndex: subtask, operators: [op], syncMs: 0, alignmentMs: 0 });
    });
    while (this.acks.length < 2) {
      this.driver.work(Infinity);
      await new Promise((r) => setTimeout(r, 1));
    }
    const subtasks: OperatorStateHandle[] = this.acks.flatMap((a) => a.handles).sort((a, b) => a.subtask - b.subtask);
    const metadata: SnapshotMetadata = {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: JOB,
      jobName: 'j',
      checkpointId: id,
      kind,
      timestamp: 1_700_000_000_000,
      operators: [{ uid: 'counter', name: 'Counter', parallelism: 2, maxParallelism: 128, subtasks }],
    };
    await this.storage.finalize(id, metadata);
    for (const b of this.backends) b.notifyCheckpointComplete(id);
    return completedCheckpoint(metadata, { path, triggerTime: 0, completedAt: 0 });
  }

  sharedFiles(): string[] {
    const dir = sharedStateDir(this.base, JOB);
    return existsSync(dir) ? readdirSync(dir).sort() : [];
  }
}

/** The value of every key in a loaded snapshot, restored subtask by subtask. */
function restoredValues(dir: string, keys: number): number[] {
  const s = loadSnapshot(dir);
  const out: number[] = [];
  const parts = [...s.files.get('counter')!].map(([subtask, f]) => {
    const b = new KeyedStateBackend(128, KeyGroupRange.forSubtask(128, 2, subtask));
    for (const block of f.keyGroups) b.restoreKeyGroup(block, f.kinds);
    return b;
  });
  for (let k = 0; k < keys; k++) {
    for (const b of parts) {
      b.setCurrentKey(k);
      if (b.keyGroupRange.contains(b.currentKeyGroup)) out.push(b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count')).value()!);
    }
  }
  return out;
}

const expected = (keys: number, tagOf: (k: number) => number) => Array.from({ length: keys }, (_, k) => k + tagOf(k));

describe('incremental checkpoints on storage', () => {
  test('a delta checkpoint refers to its base in shared/ and restores the exact state', async () => {
    const job = new Job();
    job.write(1000, 0);
    const c1 = await job.checkpoint(1);
    job.write(10, 100); // 1% of keys change
    const c2 = await job.checkpoint(2);
    const chain = c2.metadata.operators[0]!.subtasks[0]!.sharedState!;
    assert.equal(chain.length, 2);
    assert.equal(chain[0]!.file, c1.metadata.operators[0]!.subtasks[0]!.sharedState![0]!.file);
    assert.ok(chain[1]!.size * 10 < chain[0]!.size, `delta ${chain[1]!.size} B vs base ${chain[0]!.size} B`);
    assert.deepEqual(restoredValues(c2.path, 1000), expected(1000, (k) => (k < 10 ? 100 : 0)));
    assert.deepEqual(restoredValues(c1.path, 1000), expected(1000, () => 0));
  });

  test('retention deletes a shared file only when no retained checkpoint refers to it', async () => {
    const job = new Job();
    const store = new CompletedCheckpointStore(1, job.storage);
    job.write(500, 0);
    await store.add(await job.checkpoint(1)); // full base
    const base = job.sharedFiles();
    assert.equal(base.length, 2);
    job.write(5, 1);
    const c2 = await job.checkpoint(2); // delta over base
    await store.add(c2);
    // chk-1 is gone, but its base files are still needed by chk-2.
    assert.ok(base.every((f) => job.sharedFiles().includes(f)));
    assert.deepEqual(restoredValues(c2.path, 500), expected(500, (k) => (k < 5 ? 1 : 0)));
    const c3 = await job.checkpoint(3, 'FULL_CHECKPOINT'); // self-contained: refers to nothing
    assert.equal(c3.metadata.operators[0]!.subtasks[0]!.sharedState, undefined);
    await store.add(c3);
    assert.deepEqual(job.sharedFiles(), [], 'nothing retained refers to shared/ any more');
    assert.deepEqual(restoredValues(c3.path, 500), expected(500, (k) => (k < 5 ? 1 : 0)));
  });

  test('a full checkpoint in between: retention keeps every file the next checkpoint needs (num-retained 1)', async () => {
    const job = new Job();
    const store = new CompletedCheckpointStore(1, job.storage);
    job.write(100, 0);
    await store.add(await job.checkpoint(1));
    job.write(100, 1);
    await store.add(await job.checkpoint(2, 'FULL_CHECKPOINT')); // drops chk-1 and its base
    job.write(3, 2);
    const c3 = await job.checkpoint(3);
    await store.add(c3);
    assert.deepEqual(restoredValues(c3.path, 100), expected(100, (k) => (k < 3 ? 2 : 1)));
  });

  test('a shared file that became unused while a checkpoint was in flight waits for it', async () => {
    const t = tempDir('flink-shared-defer-');
    temps.push(t.cleanup);
    const shared = join(t.path, JOB, 'shared');
    mkdirSync(shared, { recursive: true });
    for (const f of ['B1', 'd2', 'd3', 'd4']) writeFileSync(join(shared, f), f);
    const ref = (file: string) => ({ file, size: 2, checksum: 'x' });
    const checkpoint = (id: number, chain: string[]): CompletedCheckpoint => {
      const h = { uid: 'u', name: 'u', subtask: 0, parallelism: 1, maxParallelism: 128, file: 'f', size: 1, checksum: 'x', keyGroupRange: null, stateNames: [], sharedState: chain.map(ref) };
      const metadata: SnapshotMetadata = { magic: SNAPSHOT_MAGIC, formatVersion: SNAPSHOT_FORMAT_VERSION, jobId: JOB, jobName: 'j', checkpointId: id, kind: 'CHECKPOINT', timestamp: 1, operators: [{ uid: 'u', name: 'u', parallelism: 1, maxParallelism: 128, subtasks: [h] }] };
      return completedCheckpoint(metadata, { path: join(t.path, JOB, `chk-${id}`), triggerTime: 0, completedAt: 0 });
    };
    const store = new CompletedCheckpointStore(1, new FsCheckpointStorage(t.path, JOB));
    await store.add(checkpoint(1, ['B1']));
    await store.add(checkpoint(2, ['B1', 'd2']), [3]); // 3 was cut before 2 was confirmed: [B1, d3]
    // 4 is cut after 2 was confirmed: [B1, d2, d4]; then 3 completes and drops 2.
    await store.add(checkpoint(3, ['B1', 'd3']), [4]);
    assert.ok(existsSync(join(shared, 'd2')), 'd2 is kept while checkpoint 4 (which may use it) is in flight');
    await store.add(checkpoint(4, ['B1', 'd2', 'd4']), []);
    assert.deepEqual(readdirSync(shared).sort(), ['B1', 'd2', 'd4'], 'd3 (only chk-3 used it) is gone; d2 is used by chk-4');
    // A checkpoint that finishes after a newer one is subsumed at once: it never displaces chk-4.
    await store.add(checkpoint(3, ['B1', 'd3']), []);
    assert.deepEqual(store.all().map((c) => c.checkpointId), [4]);
    assert.deepEqual(readdirSync(shared).sort(), ['B1', 'd2', 'd4']);
    await store.discardAll();
    assert.deepEqual(readdirSync(shared), []);
  });

  test('a checkpoint whose directory cannot be deleted keeps the shared files it names; both go when retention tries again', async () => {
    const job = new Job();
    let refuse = true;
    const failures: string[] = [];
    const store = new CompletedCheckpointStore(
      1,
      {
        discardCompleted: (c) => (refuse ? Promise.reject(new Error('EBUSY: resource busy')) : job.storage.discardCompleted(c)),
        deleteSharedFile: (f) => job.storage.deleteSharedFile(f),
      },
      { discarded: () => {}, deleteFailed: (m) => failures.push(m) },
    );
    job.write(100, 0);
    const c1 = await job.checkpoint(1);
    await store.add(c1);
    job.write(100, 1);
    await store.add(await job.checkpoint(2, 'FULL_CHECKPOINT')); // drops chk-1: its base is unused now
    assert.equal(failures.length, 1);
    assert.match(failures[0]!, /^cannot delete checkpoint 1 \(.*chk-1\): EBUSY: resource busy; trying again later$/);
    assert.equal(job.sharedFiles().length, 2, 'the base files stay while chk-1 still names them');
    assert.deepEqual(restoredValues(c1.path, 100), expected(100, () => 0), 'chk-1 is still whole');
    refuse = false;
    await store.settle([]);
    assert.equal(existsSync(c1.path), false);
    assert.deepEqual(job.sharedFiles(), []);
  });

  test('an aborted checkpoint deletes the shared files written for it', async () => {
    const job = new Job();
    job.write(100, 0);
    await job.checkpoint(1);
    const before = job.sharedFiles();
    await job.storage.initializeLocation(2);
    await job.storage.writeSharedStateFile(2, { uid: 'x', subtask: 0 }, 'delta', [new Uint8Array([1, 2, 3])]);
    assert.equal(job.sharedFiles().length, before.length + 1);
    await job.storage.discard(2);
    assert.deepEqual(job.sharedFiles(), before);
  });

  /** A job's base checkpoint 1, and checkpoint 2 whose chains are that base and a delta. */
  async function baseAndDelta(): Promise<{ job: Job; c2: CompletedCheckpoint }> {
    const job = new Job();
    job.write(200, 0);
    await job.checkpoint(1);
    job.write(3, 7);
    return { job, c2: await job.checkpoint(2) };
  }

  test('a missing or damaged shared file, or a shared name that leaves shared/, is refused with one clear line', async () => {
    const { job, c2 } = await baseAndDelta();
    const ref = c2.metadata.operators[0]!.subtasks[1]!.sharedState![0]!;
    writeFileSync(join(sharedStateDir(job.base, JOB), ref.file), 'x'.repeat(ref.size));
    assert.throws(() => loadSnapshot(c2.path), new RegExp(`shared state file ${ref.file} of operator 'counter' is damaged \\(checksum mismatch\\)`));
    unlinkSync(join(sharedStateDir(job.base, JOB), ref.file));
    assert.throws(() => loadSnapshot(c2.path), new RegExp(`shared state file ${ref.file} of operator 'counter' is missing \\(no such file in the snapshot directory\\)`));
    const m = c2.metadata;
    for (const bad of ['../chk-1/_metadata', '/etc/passwd', 'a/b', '..']) {
      const h = { ...m.operators[0]!.subtasks[0]!, sharedState: [{ file: bad, size: 1, checksum: 'x' }] };
      writeFileSync(metadataPath(c2.path), encodeMetadata({ ...m, operators: [{ ...m.operators[0]!, subtasks: [h, m.operators[0]!.subtasks[1]!] }] }));
      assert.throws(() => loadSnapshot(c2.path), /names a shared file outside the shared directory/);
    }
    writeFileSync(metadataPath(c2.path), encodeMetadata({ ...m, kind: 'SAVEPOINT' }));
    assert.throws(() => loadSnapshot(c2.path), /it is a savepoint but refers to shared files/);
  });

  test('a chain reordered, or naming a file twice, in a _metadata resealed after the edit, is refused rather than restored into old state', async () => {
    const { job, c2 } = await baseAndDelta();
    const m = c2.metadata;
    const [base, delta] = m.operators[0]!.subtasks[0]!.sharedState!;
    const withChain = (chain: typeof base[]) => {
      const h = { ...m.operators[0]!.subtasks[0]!, sharedState: chain };
      writeFileSync(metadataPath(c2.path), encodeMetadata({ ...m, operators: [{ ...m.operators[0]!, subtasks: [h, m.operators[0]!.subtasks[1]!] }] }));
    };
    // The base again after its delta would roll the delta's keys back to the base's values, silently.
    withChain([base!, delta!, base!]);
    assert.throws(() => loadSnapshot(c2.path), new RegExp(`_metadata is invalid: operator 'counter' names shared file "${base!.file}" twice in the chain of subtask 0`));
    withChain([delta!, base!]);
    assert.throws(() => loadSnapshot(c2.path), new RegExp(`shared state file ${delta!.file} of operator 'counter' is a delta where its chain starts with a full base`));
    // A second full base (a copy of the first under another name) after the first.
    const dir = sharedStateDir(job.base, JOB);
    writeFileSync(join(dir, `copy-${base!.file}`), readFileSync(join(dir, base!.file)));
    withChain([base!, { ...base!, file: `copy-${base!.file}` }]);
    assert.throws(() => loadSnapshot(c2.path), new RegExp(`shared state file copy-${base!.file} of operator 'counter' is a full base after the start of its chain`));
    withChain([base!, delta!]);
    assert.doesNotThrow(() => loadSnapshot(c2.path));
  });
});
