import { closeSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader } from '../graph/index.js';

/** Position in a text file: the byte offset of the next unread line. */
export interface TextFileSplit {
  readonly path: string;
  readonly offset: number;
}

const CHUNK = 1 << 16;

/**
 * The lines of a UTF-8 text file (`readTextFile`), without their line endings. Its position is
 * a byte offset, so a restored reader continues at the exact next line.
 */
export class TextFileSource implements Source<string, TextFileSplit> {
  readonly maxSourceParallelism = 1;
  private readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
  }

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(): TextFileSplit[] {
    return [{ path: this.path, offset: 0 }];
  }

  createReader(): SourceReader<string, TextFileSplit> {
    return new TextFileReader();
  }
}

class TextFileReader implements SourceReader<string, TextFileSplit> {
  private queue: TextFileSplit[] = [];
  private fd = -1;
  /** File offset of buf[0]. */
  private bufOffset = 0;
  private buf = Buffer.alloc(0);
  private eof = false;

  addSplits(splits: TextFileSplit[]): void {
    this.queue.push(...splits);
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    let emitted = 0;
    while (emitted < max) {
      if (this.fd < 0 && !this.openNext()) return 'END_OF_INPUT';
      // Each file is a split with its own output (and watermark).
      const path = this.queue[0]!.path;
      const split = output.createOutputForSplit(path);
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && this.buf[nl - 1] === 13 ? nl - 1 : nl;
        split.collect(this.buf.toString('utf8', 0, end));
        this.consume(nl + 1);
        emitted++;
      } else if (!this.eof) {
        this.fill();
      } else {
        if (this.buf.length > 0) {
          split.collect(this.buf.toString('utf8'));
          this.consume(this.buf.length);
          emitted++;
        }
        this.closeFile();
        this.queue.shift();
        output.releaseOutputForSplit(path);
      }
    }
    return 'MORE_AVAILABLE';
  }

  snapshotState(): TextFileSplit[] {
    if (this.queue.length === 0) return [];
    const [current, ...rest] = this.queue;
    return [{ path: current!.path, offset: this.fd < 0 ? current!.offset : this.bufOffset }, ...rest];
  }

  close(): void {
    this.closeFile();
  }

  private openNext(): boolean {
    const split = this.queue[0];
    if (!split) return false;
    try {
      this.fd = openSync(split.path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(`Cannot read text file ${split.path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    this.bufOffset = split.offset;
    this.buf = Buffer.alloc(0);
    this.eof = false;
    return true;
  }

  private fill(): void {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = readSync(this.fd, chunk, 0, CHUNK, this.bufOffset + this.buf.length);
    if (n === 0) this.eof = true;
    else this.buf = this.buf.length === 0 ? chunk.subarray(0, n) : Buffer.concat([this.buf, chunk.subarray(0, n)]);
  }

  private consume(bytes: number): void {
    this.buf = this.buf.subarray(bytes);
    this.bufOffset += bytes;
  }

  private closeFile(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
