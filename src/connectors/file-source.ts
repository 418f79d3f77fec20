import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import type { Clock } from '../util/clock.js';
import { type TextFileBytes, openTextFile } from './text-file-bytes.js';
import { TextLineCursor } from './text-lines.js';

/**
 * Position in a directory: the files read to the end, and how far into the current one. A file
 * is named by its path relative to the directory (`day=1/part-0`; a file directly in it by its
 * name).
 */
export interface DirectorySplit {
  readonly dir: string;
  /** Names of files fully read. */
  readonly done: readonly string[];
  /** The file being read and the byte offset of its next line. */
  readonly current: { readonly name: string; readonly offset: number } | null;
  /**
   * A bounded source's files still to read, as its one listing found them (absent before that
   * listing, and for a monitoring source, which lists again every interval).
   */
  readonly pending?: readonly string[];
}

/**
 * The lines of the files under a directory, its sub-directories included, file by file in path
 * order (Flink's FileSource with a text line format: lines end at `\n`, `\r` or `\r\n`, as its
 * TextLineInputFormat reads them). Bounded, it lists the files once, at its start, as Flink's
 * static enumerator does: files added later are not read. With `monitorContinuously(ms)` it
 * lists them again every interval and never ends. It remembers which files it has read
 * (operator state), so a restored job neither reads a file twice nor misses one. Add files by
 * moving finished files in (write elsewhere, then rename); files and directories whose names
 * start with `.` or `_` are ignored, as in Flink.
 *
 * @example
 * env.fromSource(FileSource.forTextLines('in/').monitorContinuously(1000).build(),
 *   WatermarkStrategy.noWatermarks(), 'files');
 */
export class FileSource implements Source<string, DirectorySplit> {
  readonly maxSourceParallelism = 1;

  private constructor(
    private readonly dir: string,
    private readonly monitorIntervalMs: number | undefined,
  ) {}

  /** A source of the text lines of every file in `dir`. */
  static forTextLines(dir: string): FileSourceBuilder {
    return new FileSourceBuilder(resolve(dir));
  }

  /** @internal */
  static create(dir: string, monitorIntervalMs: number | undefined): FileSource {
    return new FileSource(dir, monitorIntervalMs);
  }

  getBoundedness(): Boundedness {
    return this.monitorIntervalMs === undefined ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED';
  }

  createSplits(): DirectorySplit[] {
    return [{ dir: this.dir, done: [], current: null }];
  }

  createReader(ctx: SourceReaderContext): SourceReader<string, DirectorySplit> {
    return new DirectoryReader(this.monitorIntervalMs, ctx.clock);
  }
}

/** Configures a {@link FileSource}. */
export class FileSourceBuilder {
  private interval: number | undefined;
  constructor(private readonly dir: string) {}

  /** Keeps watching the directory for new files, scanning every `intervalMs`; the source never ends. */
  monitorContinuously(intervalMs: number): this {
    if (!(intervalMs > 0)) throw new RangeError(`monitorContinuously needs a positive interval, got ${intervalMs}.`);
    this.interval = intervalMs;
    return this;
  }

  build(): FileSource {
    return FileSource.create(this.dir, this.interval);
  }
}

class DirectoryReader implements SourceReader<string, DirectorySplit> {
  private dir: string | undefined;
  private done = new Set<string>();
  private current: { name: string; file: TextFileBytes; lines: TextLineCursor } | undefined;
  private nextScan = 0;
  /** Files the last scan found and that are still to be read, in path order. */
  private queue: string[] = [];
  /** A bounded reader's one listing is done: what it found is `queue` (and `current`). */
  private listed = false;

  constructor(
    private readonly monitorIntervalMs: number | undefined,
    private readonly clock: Clock,
  ) {}

  addSplits(splits: DirectorySplit[]): void {
    for (const s of splits) {
      this.dir = s.dir;
      for (const name of s.done) this.done.add(name);
      if (s.current) this.open(s.current.name, s.current.offset);
      if (s.pending !== undefined && this.monitorIntervalMs === undefined) {
        this.queue = s.pending.filter((n) => !this.done.has(n));
        this.listed = true;
      }
    }
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    if (this.dir === undefined) return 'END_OF_INPUT';
    // The directory is the one split; its files are read in order, so they share its output.
    const split = output.createOutputForSplit(this.dir);
    let emitted = 0;
    while (emitted < max) {
      if (!this.current && !this.openNextFile()) {
        if (this.monitorIntervalMs !== undefined) return emitted > 0 ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
        output.releaseOutputForSplit(this.dir);
        return 'END_OF_INPUT';
      }
      const c = this.current!;
      const line = c.lines.next();
      if (line !== null) {
        split.collect(line);
        emitted++;
      } else {
        c.file.close();
        this.done.add(c.name);
        this.current = undefined;
      }
    }
    return 'MORE_AVAILABLE';
  }

  nextAvailableTime(): number {
    return this.nextScan;
  }

  snapshotState(): DirectorySplit[] {
    if (this.dir === undefined) return [];
    const c = this.current;
    const split: DirectorySplit = { dir: this.dir, done: [...this.done], current: c ? { name: c.name, offset: c.lines.offset } : null };
    return [this.listed ? { ...split, pending: [...this.queue] } : split];
  }

  close(): void {
    this.current?.file.close();
    this.current = undefined;
  }

  private openNextFile(): boolean {
    if (this.queue.length === 0 && !this.listed) this.scan();
    const next = this.queue.shift();
    if (next === undefined) return false;
    this.open(next, 0);
    return true;
  }

  /** Lists the directory (a bounded reader once; a monitoring one at most once per interval) for files not read yet. */
  private scan(): void {
    const now = this.clock.now();
    if (this.monitorIntervalMs !== undefined && now < this.nextScan) return;
    this.nextScan = now + (this.monitorIntervalMs ?? 0);
    this.listed = this.monitorIntervalMs === undefined;
    this.queue = listFiles(this.dir!).filter((n) => !this.done.has(n));
  }

  private open(name: string, offset: number): void {
    const file = openTextFile(join(this.dir!, name));
    this.current = { name, file, lines: new TextLineCursor(file.source, offset, 'any') };
  }
}

/**
 * The files under `dir`, by path relative to it, sorted: sub-directories are read recursively,
 * as by Flink's default enumerator; names starting with `.` or `_` are skipped, a directory's as
 * a file's (Flink's DefaultFileFilter); symbolic links are followed, as Flink's local file system
 * follows them, and a directory reached a second time (a link back up the tree) is not read again.
 */
function listFiles(dir: string): string[] {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = (path: string, prefix: string): void => {
    let entries;
    try {
      const real = realpathSync(path);
      if (seen.has(real)) return;
      seen.add(real);
      entries = readdirSync(path, { withFileTypes: true });
    } catch (err) {
      // The directory itself must be there; a sub-directory removed while listing is skipped.
      if (prefix === '') throw new Error(`Cannot read directory ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const full = join(path, e.name);
      const kind = e.isSymbolicLink() ? kindBehind(full) : e.isDirectory() ? 'dir' : e.isFile() ? 'file' : undefined;
      if (kind === 'file') files.push(prefix + e.name);
      else if (kind === 'dir') walk(full, `${prefix}${e.name}/`);
    }
  };
  walk(dir, '');
  return files.sort();
}

/** What a symbolic link leads to; undefined if nowhere (a broken link is skipped). */
function kindBehind(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : undefined;
  } catch {
    return undefined;
  }
}
