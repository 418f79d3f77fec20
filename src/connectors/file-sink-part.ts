import { closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { PartFileInfo } from './file-sink-rolling-policy.js';
import { writeWarning } from '../util/warning.js';

/** Records are buffered as text and written in blocks of about this many characters. */
const FLUSH_CHARS = 1 << 16;
/** The most UTF-8 bytes one UTF-16 code unit takes (a surrogate pair's two units take 4). */
const MAX_BYTES_PER_UNIT = 3;

/**
 * One open, hidden part file (`.<name>.inprogress`) of a bucket. Its size, creation time and
 * last write time are what a rolling policy sees of it.
 */
export class InProgressPart implements PartFileInfo {
  private fd: number;
  private pending = '';
  /** Bytes written to the file (the buffered text not counted). */
  private written = 0;
  private lastUpdateTime: number;
  /** True once a checkpoint recorded the part: it then survives close (the restore commits it). */
  recorded = false;

  constructor(
    readonly bucketId: string,
    readonly hiddenPath: string,
    readonly finalPath: string,
    private readonly creationTime: number,
  ) {
    this.fd = openSync(hiddenPath, 'wx', 0o644);
    this.lastUpdateTime = creationTime;
  }

  getBucketId(): string {
    return this.bucketId;
  }

  getCreationTime(): number {
    return this.creationTime;
  }

  getLastUpdateTime(): number {
    return this.lastUpdateTime;
  }

  /** The exact size in bytes; counts the buffered text (linear in it: policies call sizeExceeds). */
  getSize(): number {
    return this.written + (this.pending.length === 0 ? 0 : Buffer.byteLength(this.pending));
  }

  /**
   * Whether the part is larger than `limit` bytes, without counting every record's bytes: while
   * even 3 bytes per buffered character stay within it, it is not; near it, the buffer is
   * written out, which makes the size exact (each time the room left shrinks by a third or more).
   */
  sizeExceeds(limit: number): boolean {
    if (this.written + MAX_BYTES_PER_UNIT * this.pending.length <= limit) return false;
    this.flush();
    return this.written > limit;
  }

  write(line: string, now: number): void {
    this.pending += line;
    this.lastUpdateTime = now;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const bytes = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off);
    this.written += bytes.length;
  }

  /** Makes everything written so far durable and returns its length: what a checkpoint records of an open part. */
  persist(): number {
    this.flush();
    fsyncSync(this.fd);
    this.recorded = true;
    return this.written;
  }

  /** Closes the file durably; it stays hidden until committed. */
  closeDurably(): void {
    this.persist();
    closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Closes the file at a cancel or failure. A part no checkpoint recorded holds only records
   * after the last checkpoint (they will be replayed) and is deleted; a recorded one is kept
   * for the restore, which cuts it back to the recorded length and commits it.
   */
  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (!this.recorded) rmSync(this.hiddenPath, { force: true });
  }
}

/** The hidden name a part gets when it is closed and waits for its checkpoint. */
export function pendingPathOf(inProgressPath: string): string {
  return inProgressPath.replace(/\.inprogress$/, '.pending');
}

/**
 * Opens a part a checkpoint recorded open, for a restore to cut or copy (`flags`: O_RDWR or
 * O_RDONLY): its descriptor and size, with one warning if it holds less than the `length` the
 * checkpoint recorded; 'absent' if nothing is under that name (or its bucket folder is a file
 * now, which holds the part no more than a deleted folder); 'link' if a symbolic link is (one
 * warning; it is left as it is). Never through a link: the writer creates its parts exclusively
 * (never a link), so a link under a part's name was put there by someone else, and a cut would
 * shorten whatever file it points to — the recorded directory may be one this job no longer owns.
 */
export function openRecordedPart(path: string, flags: number, length: number): { readonly fd: number; readonly size: number } | 'absent' | 'link' {
  let fd: number;
  try {
    fd = openSync(path, flags | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    if (code === 'ELOOP') {
      writeWarning(`FileSink: in-progress file ${path} is a symbolic link, not a part file; it is left as it is and its records are lost.`);
      return 'link';
    }
    throw err;
  }
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (size < length) writeWarning(`FileSink: in-progress file ${path} holds ${size} of the ${length} bytes its checkpoint recorded; the rest is lost.`);
  return { fd, size };
}

/**
 * Commits a part a checkpoint recorded while it was open: cuts it back to the recorded length
 * (what came after was written after the checkpoint and is replayed) and renames it to its final
 * name. After the checkpoint the part may have rolled (then it is pending, a longer file under
 * `.pending`); it is found under either name. Idempotent: found under neither name while its
 * final name exists, it was committed already (by an earlier restore from this checkpoint).
 */
export function commitRecordedPart(hidden: string, final: string, length: number): void {
  cutRecordedPart(hidden, final, length)?.();
}

/**
 * {@link commitRecordedPart} in two steps: cuts the part back durably now and returns the rename
 * that commits it (or the warning that it is gone; undefined if it is a link), so a restore can
 * ask its fence after the cuts and fsyncs and right before the renames.
 */
export function cutRecordedPart(hidden: string, final: string, length: number): (() => void) | undefined {
  for (const from of [hidden, pendingPathOf(hidden)]) {
    const part = openRecordedPart(from, constants.O_RDWR, length);
    if (part === 'absent') continue;
    if (part === 'link') return undefined;
    try {
      if (part.size > length) ftruncateSync(part.fd, length);
      fsyncSync(part.fd);
    } finally {
      closeSync(part.fd);
    }
    return () => renameSync(from, final);
  }
  // Said when the commit would have been made, in order with the other commits' warnings.
  return () => {
    if (!existsSync(final)) writeWarning(`FileSink: in-progress file ${hidden} is gone; its records are lost.`);
  };
}
