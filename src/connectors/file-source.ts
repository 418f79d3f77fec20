import { resolve } from 'node:path';
import type { Boundedness, Source, SourceReader, SourceReaderContext, SplitEnumerator, SplitEnumeratorContext } from '../graph/index.js';
import type { DurationLike } from '../util/time.js';
import { ContinuousFileSplitEnumerator, type FileEnumeratorState, LegacySplitsEnumerator, StaticFileSplitEnumerator } from './file-source-enumerator.js';
import { FileSourceReader } from './file-source-reader.js';
import { checkedEnumeratorState } from './file-split-check.js';
import type { FileSourceSplit } from './file-source-split.js';
import { positiveMillis } from './positive-setting.js';
import { TextLineInputFormat } from './text-line-input-format.js';

export type { DirectorySplit } from './directory-split-reader.js';
export type { FileSourceSplit, FileSplit } from './file-source-split.js';
export type { FileEnumeratorState } from './file-source-enumerator.js';

/**
 * The lines of the files under a directory, its sub-directories included, file by file in path
 * order (or of one file, given as the path) (Flink's FileSource with a text line format: lines end at `\n`, `\r` or `\r\n`, as its
 * TextLineInputFormat reads them). As Flink's, its enumerator, on the job's main thread, finds
 * the files and hands them out one at a time, in path order, to whichever reader asks — a
 * reader asks whenever it has finished its file — so at parallelism p no reader idles while
 * files wait. Bounded, it lists the files once, at its start, as Flink's static enumerator
 * does: files added later are not read. With `monitorContinuously(ms)` it lists them again
 * every interval and never ends. The files not handed out yet (and, monitoring, every file
 * found) are the enumerator's state, each reader's file and offset its own, so a restored job
 * neither reads a file twice nor misses one. Add files by
 * moving finished files in (write elsewhere, then rename); files and directories whose names
 * start with `.` or `_` are ignored, as in Flink.
 *
 * @example
 * env.fromSource(FileSource.forTextLines('in/').monitorContinuously(1000).build(),
 *   WatermarkStrategy.noWatermarks(), 'files');
 * @example Flink's spelling, several paths read one after another:
 * FileSource.forRecordStreamFormat(new TextLineInputFormat(), 'in/a', 'in/b').build()
 */
export class FileSource implements Source<string, FileSourceSplit> {
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

  createEnumerator(ctx: SplitEnumeratorContext<FileSourceSplit>): SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
    return this.enumerator(ctx, undefined);
  }

  /** `legacy`: a snapshot from before the enumerator, whose directory splits the readers read as then. */
  restoreEnumerator(ctx: SplitEnumeratorContext<FileSourceSplit>, state: unknown, legacy: boolean): SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
    const checked = legacy ? undefined : checkedEnumeratorState(state, this.dirs);
    if (checked === undefined || checked.legacy === true) return new LegacySplitsEnumerator(ctx, this.monitorIntervalMs === undefined);
    return this.enumerator(ctx, checked);
  }

  createReader(ctx: SourceReaderContext): SourceReader<string, FileSourceSplit> {
    return new FileSourceReader(ctx, this.dirs, this.monitorIntervalMs);
  }

  private enumerator(ctx: SplitEnumeratorContext<FileSourceSplit>, state: FileEnumeratorState | undefined): SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
    if (this.monitorIntervalMs === undefined) return new StaticFileSplitEnumerator(ctx, this.dirs, state);
    return new ContinuousFileSplitEnumerator(ctx, this.dirs, this.monitorIntervalMs, state);
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
