import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import type { PartFileInfo } from './file-sink-rolling-policy.js';

/** Lines are buffered up to this many characters before a write. */
const FLUSH_BYTES = 1 << 16;

/** One open, hidden part file. */
export class InProgressPart implements PartFileInfo {
  private fd: number;
  private pending = '';
  /** Bytes written, kept only for a policy that reads it (see FileSinkWriter.measures). */
  size = 0;
  readonly creationTime: number;
  lastUpdateTime: number;

  constructor(
    readonly bucketId: string,
    readonly hiddenPath: string,
    readonly finalPath: string,
  ) {
    this.fd = openSync(hiddenPath, 'wx', 0o644);
    this.creationTime = this.lastUpdateTime = Date.now();
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending);
    this.pending = '';
  }

  /** Closes the file durably; it stays hidden until committed. */
  closeDurably(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and deletes the file: its records come after the last checkpoint and will be replayed. */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.hiddenPath, { force: true });
  }
}
