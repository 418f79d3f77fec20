import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader } from '../graph/index.js';
import { type TextFileBytes, openTextFile } from './text-file-bytes.js';
import { TextLineCursor } from './text-lines.js';

/** Position in a text file: the byte offset of the next unread line. */
export interface TextFileSplit {
  readonly path: string;
  readonly offset: number;
}

/**
 * The lines of a UTF-8 text file (`readTextFile`), without their line endings: lines end at
 * `\n`, a `\r` before it dropped, as Flink's TextInputFormat reads them. Its position is a byte
 * offset, so a restored reader continues at the exact next line. A directory is read file by
 * file, in name order, as Flink's FileInputFormat reads one: the files directly in it (not its
 * sub-directories: Flink's `enumerateNestedFiles` is off by default), names starting with `.`
 * or `_` skipped, listed when the job starts.
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
    if (!isDirectory(this.path)) return [{ path: this.path, offset: 0 }];
    let names: string[];
    try {
      names = readdirSync(this.path);
    } catch (err) {
      throw new Error(`Cannot read directory ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return names
      .filter((n) => !n.startsWith('.') && !n.startsWith('_') && isFile(join(this.path, n)))
      .sort()
      .map((n) => ({ path: join(this.path, n), offset: 0 }));
  }

  createReader(): SourceReader<string, TextFileSplit> {
    return new TextFileReader();
  }
}

class TextFileReader implements SourceReader<string, TextFileSplit> {
  private queue: TextFileSplit[] = [];
  private file: TextFileBytes | undefined;
  private lines: TextLineCursor | undefined;

  addSplits(splits: TextFileSplit[]): void {
    this.queue.push(...splits);
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    let emitted = 0;
    while (emitted < max) {
      if (this.lines === undefined && !this.openNext()) return 'END_OF_INPUT';
      // Each file is a split with its own output (and watermark).
      const path = this.queue[0]!.path;
      const split = output.createOutputForSplit(path);
      const line = this.lines!.next();
      if (line !== null) {
        split.collect(line);
        emitted++;
      } else {
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
    return [{ path: current!.path, offset: this.lines?.offset ?? current!.offset }, ...rest];
  }

  close(): void {
    this.closeFile();
  }

  private openNext(): boolean {
    const split = this.queue[0];
    if (!split) return false;
    try {
      this.file = openTextFile(split.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === undefined) throw err;
      throw new Error(`Cannot read text file ${split.path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    this.lines = new TextLineCursor(this.file.source, split.offset, 'lf');
    return true;
  }

  private closeFile(): void {
    this.file?.close();
    this.file = undefined;
    this.lines = undefined;
  }
}

/** True if `path` is a directory (links followed); false if it is anything else or is not there (reading it then says why). */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True if `path` is a file (links followed); false if it is anything else or is not there. */
export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
