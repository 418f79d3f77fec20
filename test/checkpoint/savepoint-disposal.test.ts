/**
 * `flink savepoint -d` deletes what a savepoint's `_metadata` names and nothing else: not the
 * other files of a directory it was copied into, not files through a `_metadata` link, and it
 * follows a symbolic link to the real directory, and keeps a named file that is not the one the
 * savepoint recorded (size, checksum). Savepoints here are written by hand: state files of a
 * few bytes whose size and checksum `_metadata` records.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { disposeSavepoint, planDisposal } from '../../src/checkpoint/savepoint-disposal.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotKind, type SnapshotMetadata, encodeMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import type { OperatorStateHandle } from '../../src/state/index.js';
import { sha256 } from '../../src/checkpoint/atomic-write.js';
import { FlinkError } from '../../src/util/errors.js';

const root = mkdtempSync(join(tmpdir(), 'flink-dispose-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/** What every hand-written state file holds, and so what `_metadata` records of each. */
const STATE = 'state';

function handle(uid: string, subtask: number): OperatorStateHandle {
  return { uid, name: uid, subtask, parallelism: 2, maxParallelism: 128, file: `${uid}-${subtask}.state`, size: STATE.length, checksum: sha256(STATE), keyGroupRange: null, stateNames: [] };
}

function metadata(kind: SnapshotKind = 'SAVEPOINT'): SnapshotMetadata {
  return {
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: 'ab'.repeat(16),
    jobName: 'j',
    checkpointId: 3,
    kind,
    timestamp: 1,
    operators: [
      { uid: 'count', name: 'count', parallelism: 2, maxParallelism: 128, subtasks: [handle('count', 0), handle('count', 1)] },
      { uid: 'gen', name: 'gen', parallelism: 1, maxParallelism: 128, subtasks: [handle('gen', 0)] },
    ],
  };
}

/** A savepoint directory with its `_metadata` and the three state files it names. */
function savepoint(kind: SnapshotKind = 'SAVEPOINT'): string {
  const dir = join(root, `sp-${dirs++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, '_metadata'), encodeMetadata(metadata(kind)));
  for (const f of ['count-0.state', 'count-1.state', 'gen-0.state']) writeFileSync(join(dir, f), STATE);
  return dir;
}

function assertRefused(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  return assert.rejects(fn, (err: unknown) => err instanceof FlinkError && re.test(err.message) && !err.message.includes('\n'));
}

describe('savepoint disposal', () => {
  test('the plan: _metadata first, then each named state file once', () => {
    assert.deepEqual(planDisposal('/sp', metadata()).files, ['/sp/_metadata', '/sp/count-0.state', '/sp/count-1.state', '/sp/gen-0.state']);
  });

  test('a savepoint directory of its own is removed entirely', async () => {
    const dir = savepoint();
    const r = await disposeSavepoint(dir);
    assert.deepEqual({ deleted: r.deleted, failed: r.failed, leftInDir: r.leftInDir }, { deleted: 4, failed: [], leftInDir: 0 });
    assert.ok(!existsSync(dir));
  });

  test('a savepoint copied into a directory of other files: only its files go, the others and the directory stay', async () => {
    const dir = savepoint();
    writeFileSync(join(dir, 'precious.txt'), 'keep');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'also.txt'), 'keep');
    const r = await disposeSavepoint(join(dir, '_metadata'));
    assert.equal(r.leftInDir, 2);
    assert.deepEqual(readdirSync(dir).sort(), ['precious.txt', 'sub']);
    assert.ok(existsSync(join(dir, 'sub', 'also.txt')));
  });

  test('a copied _metadata alone among other files: only _metadata goes', async () => {
    const dir = join(root, `home-${dirs++}`);
    mkdirSync(dir);
    cpSync(join(savepoint(), '_metadata'), join(dir, '_metadata'));
    for (const f of ['notes.txt', 'photo.jpg']) writeFileSync(join(dir, f), 'keep');
    const r = await disposeSavepoint(dir);
    assert.equal(r.deleted, 1);
    assert.deepEqual(readdirSync(dir).sort(), ['notes.txt', 'photo.jpg']);
  });

  test("a named file that is not the one the savepoint recorded is kept: another size, other content, not a regular file", async () => {
    const dir = savepoint();
    writeFileSync(join(dir, 'count-0.state'), 'a user file of other size');
    writeFileSync(join(dir, 'count-1.state'), 'STATE'); // the recorded size, other content
    rmSync(join(dir, 'gen-0.state'));
    symlinkSync(join(dir, 'count-0.state'), join(dir, 'gen-0.state'));
    const r = await disposeSavepoint(dir);
    assert.equal(r.deleted, 1, 'only _metadata');
    assert.deepEqual(readdirSync(dir).sort(), ['count-0.state', 'count-1.state', 'gen-0.state']);
    assert.deepEqual(
      r.failed.map((f) => f.replace(`${dir}/`, '')),
      [
        'count-0.state (kept: 25 bytes, where the savepoint recorded 5)',
        'count-1.state (kept: its content is not what the savepoint recorded (checksum))',
        'gen-0.state (kept: not a regular file)',
      ],
    );
  });

  test('a symbolic link to the savepoint: the real directory is disposed, the link is left', async () => {
    const dir = savepoint();
    const link = join(root, `link-${dirs++}`);
    symlinkSync(dir, link);
    const r = await disposeSavepoint(link);
    assert.equal(r.dir, dir);
    assert.equal(r.givenDir, link);
    assert.ok(!existsSync(dir), 'the state files and the directory are gone');
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  test('a _metadata that is a symbolic link is refused and nothing is deleted', async () => {
    const real = savepoint();
    const dir = join(root, `linked-meta-${dirs++}`);
    mkdirSync(dir);
    symlinkSync(join(real, '_metadata'), join(dir, '_metadata'));
    writeFileSync(join(dir, 'count-0.state'), 'not the savepoint');
    await assertRefused(() => disposeSavepoint(dir), /_metadata is a symbolic link; dispose of the savepoint it points to/);
    assert.deepEqual(readdirSync(dir).sort(), ['_metadata', 'count-0.state']);
    assert.equal(readdirSync(real).length, 4);
  });

  test('checkpoints, garbage, FIFOs and bad URIs are refused and nothing is deleted', async () => {
    const chk = savepoint('CHECKPOINT');
    await assertRefused(() => disposeSavepoint(chk), /it is a checkpoint, not a savepoint/);
    assert.equal(readdirSync(chk).length, 4);
    const fifoDir = join(root, `fifo-${dirs++}`);
    mkdirSync(fifoDir);
    execFileSync('mkfifo', [join(fifoDir, '_metadata')]);
    await assertRefused(() => disposeSavepoint(fifoDir), /not a valid savepoint \(its _metadata cannot be used: it is a FIFO \(named pipe\), not a regular file\)/);
    assert.deepEqual(readdirSync(fifoDir), ['_metadata']);
    await assertRefused(() => disposeSavepoint('file://elsewhere/sp'), /^Cannot use 'file:\/\/elsewhere\/sp': it names another host/);
    await assertRefused(() => disposeSavepoint(join(root, 'no-such')), /^Refusing to dispose .*no-such: it is not a valid savepoint \(no such file or directory\)/);
  });

  test('a directory where a named file should be is kept and reported; the rest is gone', async () => {
    const dir = savepoint();
    rmSync(join(dir, 'gen-0.state'));
    mkdirSync(join(dir, 'gen-0.state'));
    const r = await disposeSavepoint(dir);
    assert.equal(r.failed.length, 1);
    assert.match(r.failed[0]!, /gen-0\.state \(kept: not a regular file\)$/);
    assert.deepEqual(readdirSync(dir), ['gen-0.state']);
  });
});
