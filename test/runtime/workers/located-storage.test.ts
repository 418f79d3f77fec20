/**
 * A worker may snapshot for a checkpoint before it is told where that checkpoint goes: the
 * barrier from another worker overtook the trigger message with the directory. Its writes wait
 * for the directory instead of failing the checkpoint; a checkpoint that ends first fails them.
 */
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import type { StateFileOwner, StateFileRef } from '../../../src/state/index.js';
import { LocatedStorage, type WorkerStorage } from '../../../src/runtime/workers/located-storage.js';

/** Storage that, like the file system one, refuses a checkpoint it has no directory for. */
class Recording implements WorkerStorage {
  readonly dirs = new Map<number, string>();
  readonly written: string[] = [];
  adoptLocation(id: number, dir: string): void {
    this.dirs.set(id, dir);
  }
  forgetLocation(id: number): void {
    this.dirs.delete(id);
  }
  async writeStateFile(id: number, owner: StateFileOwner): Promise<StateFileRef> {
    const dir = this.dirs.get(id);
    if (!dir) throw new Error(`checkpoint ${id} has no storage location (aborted?)`);
    this.written.push(`${dir}/${owner.uid}-${owner.subtask}`);
    return { file: `${owner.uid}-${owner.subtask}`, checksum: '', size: 0 } as unknown as StateFileRef;
  }
  writeSharedStateFile(id: number, owner: StateFileOwner): Promise<StateFileRef> {
    return this.writeStateFile(id, owner);
  }
}

test('a write before the checkpoint directory is known waits for it', async () => {
  const inner = new Recording();
  const storage = new LocatedStorage(inner);
  const write = storage.writeStateFile(3, { uid: 'count', subtask: 1 }, []);
  await tick();
  assert.deepEqual(inner.written, [], 'nothing written without a directory');
  storage.adopt(3, '/ck/chk-3');
  await write;
  assert.deepEqual(inner.written, ['/ck/chk-3/count-1']);
  // Once known, writes go straight through.
  await storage.writeStateFile(3, { uid: 'sink', subtask: 1 }, []);
  assert.deepEqual(inner.written, ['/ck/chk-3/count-1', '/ck/chk-3/sink-1']);
});

test('a write for a checkpoint that ended (aborted) before its directory came fails', async () => {
  const storage = new LocatedStorage(new Recording());
  const write = storage.writeStateFile(4, { uid: 'count', subtask: 0 }, []);
  storage.forget(4);
  await assert.rejects(write, /checkpoint 4 has ended/);
});

test('a write that comes after its checkpoint ended fails at once; a newer checkpoint still waits for its directory', async () => {
  const inner = new Recording();
  const storage = new LocatedStorage(inner);
  storage.adopt(5, '/ck/chk-5');
  storage.forget(5);
  // A barrier from another worker arrived after the abort: the write must not wait forever.
  await assert.rejects(storage.writeStateFile(5, { uid: 'count', subtask: 0 }, []), /checkpoint 5 has ended/);
  const newer = storage.writeStateFile(6, { uid: 'count', subtask: 0 }, []);
  await tick();
  assert.deepEqual(inner.written, []);
  storage.adopt(6, '/ck/chk-6');
  await newer;
  assert.deepEqual(inner.written, ['/ck/chk-6/count-0']);
});
