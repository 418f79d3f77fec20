import { join } from 'node:path';
import type { InputStatus, ReaderOutput, SourceOutput, SourceReader } from '../graph/index.js';
import type { Clock } from '../util/clock.js';
import { listFiles } from './file-listing.js';
import { type TextFileBytes, openTextFile } from './text-file-bytes.js';
import { TextLineCursor } from './text-lines.js';

/**
 * Position in a directory: the files read to the end, and how far into the current one. A file
 * is named by its path relative to the directory (`day=1/part-0`; a file directly in it by its
 * name). The split of a FileSource before it had an enumerator: snapshots of that time hold
 * these, and a restored job reads them on with the reader here, as it did then (a split per
 * subtask, each a share of the files by path hash, listing the directory itself).
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
 * The reader of directory splits restored from a snapshot taken before FileSource had an
 * enumerator: the splits it was given (one, or several after a restore at a lower
 * parallelism), read one after another; each split's files share its output (they are read in
 * order, so one watermark generator follows them).
 */
export class DirectoryReader implements SourceReader<string, DirectorySplit> {
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
