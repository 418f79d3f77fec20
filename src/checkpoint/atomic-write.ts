import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './paths.js';

/**
 * The file-system steps a durable write is made of. Production uses node:fs; tests substitute
 * steps that fail, to show that a crash between any two of them never leaves a broken snapshot.
 */
export interface WriteSteps {
  writeAndSync(path: string, data: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export const nodeWriteSteps: WriteSteps = {
  async writeAndSync(path, data) {
    const fh = await fsp.open(path, 'wx', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  async syncDir(dir) {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  remove: (path) => fsp.rm(path, { force: true }),
};

/** sha256 of bytes, hex: the checksum recorded for every state file. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes `data` to `path` so that `path` either keeps its old content or has all of the new:
 * write to a hidden temp name, fsync it, rename over `path`, fsync the directory. The temp file
 * is removed if any step fails.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, steps: WriteSteps = nodeWriteSteps): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await steps.writeAndSync(temp, data);
    await steps.rename(temp, path);
  } catch (err) {
    await steps.remove(temp).catch(() => undefined);
    throw err;
  }
  await steps.syncDir(dirname(path));
}

/** Writes a new file durably (fsynced) without replacing anything; returns its size and checksum. */
export async function writeFileDurable(
  path: string,
  data: Uint8Array,
  steps: WriteSteps = nodeWriteSteps,
): Promise<{ size: number; checksum: string }> {
  await steps.writeAndSync(path, data);
  return { size: data.byteLength, checksum: sha256(data) };
}
