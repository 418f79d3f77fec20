import { createHash } from 'node:crypto';
import type { CheckpointStorageWorker, StateFileOwner, StateFileRef } from '../../src/state/index.js';

/** Checkpoint storage in memory, for tasks under test: keeps every file written, by checkpoint id and file name. */
export class MemoryStorage implements CheckpointStorageWorker {
  readonly files = new Map<string, Buffer>();

  async writeStateFile(checkpointId: number, owner: StateFileOwner, chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    return this.keep(checkpointId, `op-${owner.uid}-${owner.subtask}.state`, chunks);
  }

  async writeSharedStateFile(checkpointId: number, owner: StateFileOwner, form: 'full' | 'delta', chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    return this.keep(checkpointId, `shared/op-${owner.uid}-${owner.subtask}-chk${checkpointId}.${form}`, chunks);
  }

  /** A file written for checkpoint `checkpointId`. */
  read(checkpointId: number, file: string): Buffer {
    const bytes = this.files.get(`${checkpointId}/${file}`);
    if (!bytes) throw new Error(`no file ${file} was written for checkpoint ${checkpointId}`);
    return bytes;
  }

  private keep(checkpointId: number, file: string, chunks: readonly Uint8Array[]): StateFileRef {
    const bytes = Buffer.concat([...chunks]);
    this.files.set(`${checkpointId}/${file}`, bytes);
    return { file, size: bytes.length, checksum: createHash('sha256').update(bytes).digest('hex') };
  }
}
