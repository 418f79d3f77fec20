import type { SplitEnumerator, SplitEnumeratorContext } from '../graph/index.js';
import { listFiles } from './file-listing.js';
import type { FileSourceSplit, FileSplit } from './file-source-split.js';

/**
 * A FileSource enumerator's state (Flink's PendingSplitsCheckpoint): the files found and not
 * yet assigned, in the order they go out, and — for a monitoring source — every file it ever
 * found (assigned ones included), so none is assigned twice. Plain data: stored as operator
 * state of the source's subtask 0.
 */
export interface FileEnumeratorState {
  /** Files found and not assigned yet (offset 0), in path order. */
  readonly pending: readonly FileSplit[];
  /** The one listing of a bounded source is done (its files are `pending` and the readers'). */
  readonly listed: boolean;
  /** A monitoring source: every file found so far, as `dir` + NUL + `name`. */
  readonly seen?: readonly string[];
  /**
   * The job was restored from a snapshot taken before FileSource had an enumerator: its readers'
   * directory splits list and read the files themselves, so this enumerator assigns nothing.
   */
  readonly legacy?: true;
}

/** The files under the source's paths, path by path, each path's in path order. */
function listAll(dirs: readonly string[]): FileSplit[] {
  // A plain loop, not flatMap: a listing's error then has no native frame between the engine's
  // and the job's, which the CLI would name as where it came from.
  const all: FileSplit[] = [];
  for (const dir of dirs) for (const name of listFiles(dir)) all.push({ dir, name, offset: 0 });
  return all;
}

const key = (s: FileSplit): string => `${s.dir}\0${s.name}`;

/**
 * The enumerator of a bounded FileSource (Flink's StaticFileSplitEnumerator): lists the files
 * once, at its start, and hands them out one at a time in path order to whichever reader asks;
 * a reader that asks when none is left is told there are no more.
 */
export class StaticFileSplitEnumerator implements SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
  private pending: FileSplit[];
  private listed: boolean;

  constructor(
    private readonly ctx: SplitEnumeratorContext<FileSourceSplit>,
    private readonly dirs: readonly string[],
    restored?: FileEnumeratorState,
  ) {
    this.pending = restored ? [...restored.pending] : [];
    this.listed = restored?.listed ?? false;
  }

  start(): void {
    if (this.listed) return;
    this.pending = listAll(this.dirs);
    this.listed = true;
  }

  addReader(): void {}

  handleSplitRequest(subtask: number): void {
    const next = this.pending.shift();
    if (next === undefined) this.ctx.signalNoMoreSplits(subtask);
    else this.ctx.assignSplit(next, subtask);
  }

  snapshotState(): FileEnumeratorState {
    return { pending: [...this.pending], listed: this.listed };
  }
}

/**
 * The enumerator of a monitoring FileSource (Flink's ContinuousFileSplitEnumerator): lists the
 * files at its start and every interval after, keeps the ones it has not seen, and hands them
 * out in path order to the readers waiting for one, in the order they asked. It never signals
 * the end.
 */
export class ContinuousFileSplitEnumerator implements SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
  private readonly pending: FileSplit[];
  private readonly seen: Set<string>;
  /** Readers that asked and got nothing yet, in the order they asked (Flink's readersAwaitingSplit). */
  private readonly awaiting = new Set<number>();

  constructor(
    private readonly ctx: SplitEnumeratorContext<FileSourceSplit>,
    private readonly dirs: readonly string[],
    private readonly intervalMs: number,
    restored?: FileEnumeratorState,
  ) {
    this.pending = restored ? [...restored.pending] : [];
    this.seen = new Set(restored?.seen ?? []);
  }

  start(): void {
    this.ctx.callAsync(
      () => listAll(this.dirs),
      (found, error) => {
        if (error !== undefined) throw error;
        this.discovered(found ?? []);
      },
      0,
      this.intervalMs,
    );
  }

  /** A listing's result: the files not seen before join the pending ones; waiting readers get them. */
  discovered(found: readonly FileSplit[]): void {
    for (const split of found) {
      const k = key(split);
      if (this.seen.has(k)) continue;
      this.seen.add(k);
      this.pending.push(split);
    }
    this.assignToWaiting();
  }

  addReader(): void {}

  handleSplitRequest(subtask: number): void {
    this.awaiting.add(subtask);
    this.assignToWaiting();
  }

  private assignToWaiting(): void {
    for (const subtask of this.awaiting) {
      const next = this.pending.shift();
      if (next === undefined) return;
      this.awaiting.delete(subtask);
      this.ctx.assignSplit(next, subtask);
    }
  }

  snapshotState(): FileEnumeratorState {
    return { pending: [...this.pending], listed: true, seen: [...this.seen] };
  }
}

/**
 * The enumerator of a FileSource restored from a snapshot taken before it had one: the readers'
 * directory splits hold the whole position and list the files themselves (as then), so it
 * assigns nothing: a bounded source's readers are told so at once; a monitoring source's are
 * left waiting. It stays so in every later snapshot.
 */
export class LegacySplitsEnumerator implements SplitEnumerator<FileSourceSplit, FileEnumeratorState> {
  constructor(
    private readonly ctx: SplitEnumeratorContext<FileSourceSplit>,
    private readonly bounded: boolean,
  ) {}

  start(): void {}
  addReader(): void {}

  handleSplitRequest(subtask: number): void {
    if (this.bounded) this.ctx.signalNoMoreSplits(subtask);
  }

  snapshotState(): FileEnumeratorState {
    return { pending: [], listed: true, legacy: true };
  }
}
