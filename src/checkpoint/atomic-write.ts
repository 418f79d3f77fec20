import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from './paths.js';

/**
 * The file-system steps a durable write — or a deletion — is made of. Production uses node:fs;
 * tests substitute steps that fail, to show that a crash between any two of them never leaves
 * a broken snapshot.
 */
export interface WriteSteps {
  writeAndSync(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  syncDir(dir: string): Promise<void>;
  /** Removes a file; a missing one is fine. */
  remove(path: string): Promise<void>;
  /** Removes a directory with everything in it; a missing one is fine. */
  removeDir(path: string): Promise<void>;
}

export const nodeWriteSteps: WriteSteps = {
  async writeAndSync(path, data) {
    const fh = await fsp.open(path, 'wx', 0o600);
    try {
      if (data instanceof Uint8Array) await fh.writeFile(data);
      else await writeAll(fh, data);
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
  removeDir: (path) => fsp.rm(path, { recursive: true, force: true }),
};

/** Writes chunks in order; the I/O happens off the main thread. */
async function writeAll(fh: fsp.FileHandle, chunks: readonly Uint8Array[]): Promise<void> {
  // writev takes at most IOV_MAX buffers at a time.
  for (let i = 0; i < chunks.length; i += 512) {
    const batch = chunks.slice(i, i + 512);
    const want = batch.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await fh.writev(batch);
    if (bytesWritten !== want) throw new Error(`short write: ${bytesWritten} of ${want} bytes`);
  }
}

/** sha256 of bytes, hex: the checksum recorded for every state file. */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of the concatenation of chunks, yielding to the event loop about every MiB. */
export async function sha256Chunks(chunks: readonly Uint8Array[]): Promise<string> {
  const hash = createHash('sha256');
  let sinceYield = 0;
  for (const c of chunks) {
    for (let off = 0; off < c.byteLength; off += 1 << 20) {
      const part = c.subarray(off, off + (1 << 20));
      hash.update(part);
      sinceYield += part.byteLength;
      if (sinceYield >= 1 << 20) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }
  return hash.digest('hex');
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
  chunks: readonly Uint8Array[],
  steps: WriteSteps = nodeWriteSteps,
): Promise<{ size: number; checksum: string }> {
  const [, checksum] = await Promise.all([steps.writeAndSync(path, chunks), sha256Chunks(chunks)]);
  return { size: chunks.reduce((n, c) => n + c.byteLength, 0), checksum };
}
