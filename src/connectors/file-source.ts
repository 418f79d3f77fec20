import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Boundedness, InputStatus, ReaderOutput, Source, SourceOutput, SourceReader, SourceReaderContext } from '../graph/index.js';
import type { Clock } from '../util/clock.js';
import type { DurationLike } from '../util/time.js';
import { positiveMillis } from './positive-setting.js';
import { TextLineInputFormat } from './text-line-input-format.js';
import { type TextFileBytes, openTextFile } from './text-file-bytes.js';
import { isFile } from './text-file-source.js';
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
  /**
   * Which share of the files this split reads (a source at parallelism p has p splits): those
   * whose path hashes to `shard` modulo `shards`. Absent: every file (parallelism 1, and
   * snapshots from before sources read directories in parallel).
   */
  readonly shard?: number;
  readonly shards?: number;
}

/**
 * The lines of the files under a directory, its sub-directories included, file by file in path
 * order (or of one file, given as the path) (Flink's FileSource with a text line format: lines end at `\n`, `\r` or `\r\n`, as its
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
 * @example Flink's spelling, several paths read one after another:
 * FileSource.forRecordStreamFormat(new TextLineInputFormat(), 'in/a', 'in/b').build()
 */
export class FileSource implements Source<string, DirectorySplit> {
  private constructor(
    private readonly dirs: readonly string[],
    private readonly monitorIntervalMs: number | undefined,
  ) {}

  /** A source of the text lines of every file under the directory `path` — or of the file `path`, as Flink's reads one. */
  static forTextLines(path: string): FileSourceBuilder {
    return FileSource.forRecordStreamFormat(new TextLineInputFormat(), path);
  }

  /**
   * Flink's way to build the same source: the lines of every file under each of `paths` (files
   * or directories), one path after another. `TextLineInputFormat` is the one format here.
   */
  static forRecordStreamFormat(format: TextLineInputFormat, ...paths: string[]): FileSourceBuilder {
    if (!(format instanceof TextLineInputFormat)) {
      throw new TypeError('FileSource.forRecordStreamFormat takes a TextLineInputFormat (new TextLineInputFormat()), the one stream format here.');
    }
    if (paths.length === 0 || paths.some((p) => typeof p !== 'string' || p === '')) {
      throw new TypeError(`FileSource.forRecordStreamFormat needs one or more paths (strings) after the format; got ${paths.length === 0 ? 'none' : JSON.stringify(paths)}.`);
    }
    const dirs = paths.map((p) => resolve(p));
    // Flink would read a path given twice twice; here a path is a split's identity, so refuse it.
    const twice = dirs.find((d, i) => dirs.indexOf(d) !== i);
    if (twice !== undefined) throw new TypeError(`FileSource.forRecordStreamFormat: the path ${twice} is given twice.`);
    return new FileSourceBuilder(dirs);
  }

  /** @internal */
  static create(dirs: readonly string[], monitorIntervalMs: number | undefined): FileSource {
    return new FileSource(dirs, monitorIntervalMs);
  }

  getBoundedness(): Boundedness {
    return this.monitorIntervalMs === undefined ? 'BOUNDED' : 'CONTINUOUS_UNBOUNDED';
  }

  /**
   * Per path, one split per subtask, each a share of the files by path hash (Flink assigns whole
   * files to readers too); subtask i gets share i of every path (splits are dealt round-robin).
   */
  createSplits(parallelism = 1): DirectorySplit[] {
    return this.dirs.flatMap((dir): DirectorySplit[] => {
      if (parallelism <= 1) return [{ dir, done: [], current: null }];
      return Array.from({ length: parallelism }, (_, shard) => ({ dir, done: [], current: null, shard, shards: parallelism }));
    });
  }

  createReader(ctx: SourceReaderContext): SourceReader<string, DirectorySplit> {
    return new DirectoryReader(this.monitorIntervalMs, ctx.clock);
  }
}

/** Configures a {@link FileSource}. */
export class FileSourceBuilder {
  private interval: number | undefined;
  constructor(private readonly dirs: readonly string[]) {}

  /**
   * Keeps watching the directory for new files, listing it every `discoveryInterval` (a Duration
   * or Time, as Flink's, or a number of ms); the source never ends.
   */
  monitorContinuously(discoveryInterval: number | DurationLike): this {
    this.interval = positiveMillis('monitorContinuously', discoveryInterval);
    return this;
  }

  build(): FileSource {
    return FileSource.create(this.dirs, this.interval);
  }
}

/** FNV-1a over a path's UTF-16 code units: which shard a file belongs to. Part of the state format: never change it. */
function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    h ^= path.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** True if the file at relative path `name` belongs to shard `shard` of `shards`. */
export function inShard(name: string, shard: number, shards: number): boolean {
  return shards <= 1 || pathHash(name) % shards === shard;
}

/** One directory split being read: its shard's files, one after another in path order. */
class ShardReader {
  readonly dir: string;
  readonly shard: number;
  readonly shards: number;
  readonly id: string;
  private readonly done: Set<string>;
  private current: { name: string; file: TextFileBytes; lines: TextLineCursor } | undefined;
  nextScan = 0;
  /** Files the last scan found and that are still to be read, in path order. */
  private queue: string[] = [];
  /** A bounded reader's one listing is done: what it found is `queue` (and `current`). */
  private listed = false;
  ended = false;

  constructor(
    split: DirectorySplit,
    private readonly monitorIntervalMs: number | undefined,
    private readonly clock: Clock,
  ) {
    this.dir = split.dir;
    this.shard = split.shard ?? 0;
    this.shards = split.shards ?? 1;
    this.id = this.shards > 1 ? `${this.dir}#${this.shard}/${this.shards}` : this.dir;
    this.done = new Set(split.done);
    if (split.current) this.open(split.current.name, split.current.offset);
    if (split.pending !== undefined && monitorIntervalMs === undefined) {
      this.queue = split.pending.filter((n) => !this.done.has(n));
      this.listed = true;
    }
  }

  /** Emits up to `max` lines into `out`; false once there is nothing (more) to read now. */
  read(out: SourceOutput<string>, max: number): { emitted: number; more: boolean } {
    let emitted = 0;
    while (emitted < max) {
      if (!this.current && !this.openNextFile()) return { emitted, more: false };
      const c = this.current!;
      const line = c.lines.next();
      if (line !== null) {
        out.collect(line);
        emitted++;
      } else {
        c.file.close();
        this.done.add(c.name);
        this.current = undefined;
      }
    }
    return { emitted, more: true };
  }

  snapshot(): DirectorySplit {
    const c = this.current;
    const split: DirectorySplit = {
      dir: this.dir,
      done: [...this.done],
      current: c ? { name: c.name, offset: c.lines.offset } : null,
      ...(this.shards > 1 ? { shard: this.shard, shards: this.shards } : {}),
    };
    return this.listed ? { ...split, pending: [...this.queue] } : split;
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

  /** Lists the directory (a bounded reader once; a monitoring one at most once per interval) for this shard's files not read yet. */
  private scan(): void {
    const now = this.clock.now();
    if (this.monitorIntervalMs !== undefined && now < this.nextScan) return;
    this.nextScan = now + (this.monitorIntervalMs ?? 0);
    this.listed = this.monitorIntervalMs === undefined;
    this.queue = listFiles(this.dir).filter((n) => !this.done.has(n) && inShard(n, this.shard, this.shards));
  }

  private open(name: string, offset: number): void {
    const file = openTextFile(join(this.dir, name));
    this.current = { name, file, lines: new TextLineCursor(file.source, offset, 'any') };
  }
}

/**
 * A source subtask's reader: the directory splits it was given (one, or several after a restore
 * at a lower parallelism), read one after another; each split's files share its output (they
 * are read in order, so one watermark generator follows them).
 */
class DirectoryReader implements SourceReader<string, DirectorySplit> {
  private readonly shards: ShardReader[] = [];

  constructor(
    private readonly monitorIntervalMs: number | undefined,
    private readonly clock: Clock,
  ) {}

  addSplits(splits: DirectorySplit[]): void {
    for (const s of splits) this.shards.push(new ShardReader(s, this.monitorIntervalMs, this.clock));
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    let emitted = 0;
    for (const shard of this.shards) {
      if (shard.ended) continue;
      const { emitted: n, more } = shard.read(output.createOutputForSplit(shard.id), max - emitted);
      emitted += n;
      if (more) return 'MORE_AVAILABLE';
      if (this.monitorIntervalMs === undefined) {
        shard.ended = true;
        output.releaseOutputForSplit(shard.id);
      }
    }
    if (this.monitorIntervalMs === undefined && this.shards.every((s) => s.ended)) return 'END_OF_INPUT';
    return emitted > 0 ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  nextAvailableTime(): number {
    return Math.min(...this.shards.map((s) => s.nextScan));
  }

  snapshotState(): DirectorySplit[] {
    return this.shards.map((s) => s.snapshot());
  }

  close(): void {
    for (const s of this.shards) s.close();
  }
}

/**
 * The files under `dir`, by path relative to it, sorted: sub-directories are read recursively,
 * as by Flink's default enumerator; names starting with `.` or `_` are skipped, a directory's as
 * a file's (Flink's DefaultFileFilter); symbolic links are followed, as Flink's local file system
 * follows them, and a directory reached a second time (a link back up the tree) is not read again.
 */
function listFiles(dir: string): string[] {
  // Flink's enumerator filters the path it is given as it filters what it finds under it: a
  // hidden one (that exists) yields nothing. A file given as the path is the source's one file
  // (Flink takes files and directories alike), named '' relative to itself.
  const rootHidden = isHidden(basename(dir));
  if (isFile(dir)) return rootHidden ? [] : [''];
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
      if (prefix === '') throw new Error(`Cannot read ${path} (the FileSource's file or directory): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return;
    }
    if (prefix === '' && rootHidden) return;
    for (const e of entries) {
      if (isHidden(e.name)) continue;
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

/** Flink's DefaultFileFilter: names starting with `.` or `_` are hidden (a root's empty name is not). */
function isHidden(name: string): boolean {
  return name.startsWith('.') || name.startsWith('_');
}
