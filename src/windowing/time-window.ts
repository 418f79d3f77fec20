/** Time windows `[start, end)` and the arithmetic assigners share (Flink's TimeWindow). */
import { Window, WindowDataError, type WindowNamespace, type WindowSerializer } from './window.js';

/** The windows of an overlap group, and the window covering them. */
export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

/** A window from `start` (inclusive) to `end` (exclusive), in milliseconds. */
export class TimeWindow extends Window {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }

  getStart(): number {
    return this.start;
  }

  getEnd(): number {
    return this.end;
  }

  /** `end − 1`: the last timestamp in the window; its result carries this timestamp. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  equals(other: unknown): boolean {
    return other instanceof TimeWindow && other.start === this.start && other.end === this.end;
  }

  /** True if the windows overlap or touch (`[0,5)` and `[5,10)` intersect, so sessions join). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window covering both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  override toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * The start of the window of `size` (shifted by `offset`) that holds `timestamp`; right for
   * negative timestamps and offsets (windows are `[offset + k·size, offset + (k+1)·size)` for
   * every integer k).
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /**
   * Merges overlapping (or touching) windows, as Flink's: sorts by start, groups each run of
   * intersecting windows, and calls `callback` for every group of more than one distinct window
   * with the window covering it. Equal windows count once.
   */
  static mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    const sorted = [...windows].sort((a, b) => a.start - b.start);
    let cover: TimeWindow | undefined;
    let group: TimeWindow[] = [];
    const flush = () => {
      if (cover !== undefined && group.length > 1) callback(group, cover);
    };
    for (const candidate of sorted) {
      if (cover !== undefined && cover.intersects(candidate)) {
        cover = cover.cover(candidate);
        if (!group.some((w) => w.equals(candidate))) group.push(candidate);
      } else {
        flush();
        cover = candidate;
        group = [candidate];
      }
    }
    flush();
  }
}

function windowDataError(serializerId: string, namespace: unknown): WindowDataError {
  const shown = typeof namespace === 'string' ? `'${namespace}'` : String(namespace);
  return new WindowDataError(`Window state holds ${shown}, which is not a window of ${serializerId}; the snapshot is corrupt or was written by another window assigner.`);
}

/**
 * Time windows of one fixed size (tumbling and sliding assigners), keyed by their start: a
 * number, the cheapest key for per-window state.
 */
export class TimeWindowStartSerializer implements WindowSerializer<TimeWindow> {
  readonly id: string;
  constructor(private readonly size: number) {
    this.id = `TimeWindow.start/${size}`;
  }
  toNamespace(window: TimeWindow): WindowNamespace {
    return window.start;
  }
  fromNamespace(namespace: unknown): TimeWindow {
    if (typeof namespace !== 'number' || !Number.isSafeInteger(namespace)) throw windowDataError(this.id, namespace);
    return new TimeWindow(namespace, namespace + this.size);
  }
}

const BOUNDS = /^(-?\d{1,16}):(-?\d{1,16})$/;

/** Time windows of any size (sessions, custom assigners), keyed by `"start:end"`. */
export class TimeWindowBoundsSerializer implements WindowSerializer<TimeWindow> {
  static readonly INSTANCE = new TimeWindowBoundsSerializer();
  readonly id = 'TimeWindow.bounds';
  toNamespace(window: TimeWindow): WindowNamespace {
    return `${window.start}:${window.end}`;
  }
  fromNamespace(namespace: unknown): TimeWindow {
    const m = typeof namespace === 'string' ? BOUNDS.exec(namespace) : null;
    const start = m ? Number(m[1]) : NaN;
    const end = m ? Number(m[2]) : NaN;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw windowDataError(this.id, namespace);
    return new TimeWindow(start, end);
  }
}
