import { join } from 'node:path';
import type { InputStatus, ReaderOutput, SourceReader, SourceReaderContext } from '../graph/index.js';
import { type DirectorySplit, DirectoryReader } from './directory-split-reader.js';
import { type FileSourceSplit, type FileSplit, isDirectorySplit } from './file-source-split.js';
import { checkedSplits } from './file-split-check.js';
import { type TextFileBytes, openTextFile } from './text-file-bytes.js';
import { TextLineCursor } from './text-lines.js';

/** The id of a file split's output (its watermarks): the file's path. */
function splitId(s: FileSplit): string {
  return join(s.dir, s.name);
}

/**
 * A FileSource subtask's reader (Flink's FileSourceReader): it reads the files its enumerator
 * assigned, one after another, each through its own output (watermark generator), released
 * when the file is finished; when it holds none it asks for the next (at its start, and each
 * time it finished the ones it had), so a reader that is free gets the next file. A bounded
 * source's reader ends when told there are no more files and it has read the ones it holds.
 * Directory splits restored from a snapshot taken before the enumerator are read as they were
 * then (see DirectoryReader), before any file split.
 */
export class FileSourceReader implements SourceReader<string, FileSourceSplit> {
  /** Assigned files not started yet, in the order they came. */
  private readonly queue: FileSplit[] = [];
  private current: { readonly split: FileSplit; readonly id: string; readonly file: TextFileBytes; readonly lines: TextLineCursor } | undefined;
  /** A request is out and not answered. */
  private awaiting = false;
  private noMoreSplits = false;
  private legacy: DirectoryReader | undefined;

  constructor(
    private readonly ctx: SourceReaderContext,
    /** The source's paths: a split names one of them (restored splits are data from disk). */
    private readonly dirs: readonly string[],
    private readonly monitorIntervalMs: number | undefined,
  ) {}

  addSplits(splits: FileSourceSplit[]): void {
    const legacy: DirectorySplit[] = [];
    for (const s of checkedSplits(splits, this.dirs)) {
      if (isDirectorySplit(s)) legacy.push(s);
      else {
        this.queue.push(s);
        this.awaiting = false;
      }
    }
    if (legacy.length > 0) (this.legacy ??= new DirectoryReader(this.monitorIntervalMs, this.ctx.clock)).addSplits(legacy);
  }

  notifyNoMoreSplits(): void {
    this.noMoreSplits = true;
    this.awaiting = false;
  }

  pollNext(output: ReaderOutput<string>, max: number): InputStatus {
    let legacyEnded = true;
    if (this.legacy) {
      const status = this.legacy.pollNext(output, max);
      if (status === 'MORE_AVAILABLE') return status;
      legacyEnded = status === 'END_OF_INPUT';
    }
    // Every assigned file's output exists before any is read (created once, then the same
    // object), so a file not started holds the source's watermark back.
    for (const s of this.queue) output.createOutputForSplit(splitId(s));
    let emitted = 0;
    while (emitted < max) {
      const c = this.current ?? this.openNext();
      if (c === undefined) break;
      const out = output.createOutputForSplit(c.id);
      let line: string | null = null;
      while (emitted < max && (line = c.lines.next()) !== null) {
        out.collect(line);
        emitted++;
      }
      if (line === null) this.finish(output);
    }
    if (this.current !== undefined || this.queue.length > 0) return 'MORE_AVAILABLE';
    // Nothing in hand: ask for the next file (once until answered).
    if (!this.noMoreSplits && !this.awaiting) {
      if (this.ctx.sendSplitRequest === undefined) throw new Error('FileSource reader: the engine gave no way to ask for splits (sendSplitRequest)');
      this.awaiting = true;
      this.ctx.sendSplitRequest();
    }
    if (this.noMoreSplits && legacyEnded && this.monitorIntervalMs === undefined) return 'END_OF_INPUT';
    return emitted > 0 ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  /** Woken by an assignment, not by time; restored directory splits of a monitoring source list again every interval. */
  nextAvailableTime(): number {
    return this.legacy ? this.legacy.nextAvailableTime() : Infinity;
  }

  snapshotState(): FileSourceSplit[] {
    const splits: FileSourceSplit[] = this.legacy ? this.legacy.snapshotState() : [];
    const c = this.current;
    if (c) splits.push({ dir: c.split.dir, name: c.split.name, offset: c.lines.offset });
    for (const s of this.queue) splits.push({ dir: s.dir, name: s.name, offset: s.offset });
    return splits;
  }

  close(): void {
    this.legacy?.close();
    this.current?.file.close();
    this.current = undefined;
  }

  private openNext(): NonNullable<FileSourceReader['current']> | undefined {
    const split = this.queue.shift();
    if (split === undefined) return undefined;
    const id = splitId(split);
    const file = openTextFile(join(split.dir, split.name));
    this.current = { split, id, file, lines: new TextLineCursor(file.source, split.offset, 'any') };
    return this.current;
  }

  /** The current file is read to its end: closed, and its watermark no longer holds the source's back. */
  private finish(output: ReaderOutput<string>): void {
    const c = this.current!;
    c.file.close();
    this.current = undefined;
    output.releaseOutputForSplit(c.id);
  }
}
