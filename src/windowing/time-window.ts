/** Time windows `[start, end)` and the arithmetic assigners share (Flink's TimeWindow). */
import { Window, WindowDataError, type WindowNamespace, type WindowSerializer } from './window.js';

/** The windows of an overlap group, and the window covering them. */
export type MergeCallback<W> = (toBeMerged: W[], mergeResult: W) => void;

/** A window from `start` (inclusive) to `end` (exclusive), in milliseconds. */
export class TimeWindow extends Window {
  /**
   * This window's `start:end` namespace ({@link TimeWindowBoundsSerializer}'s), made on first
   * use and kept: a session's window is asked for it several times per record, and a string made
   * afresh each time costs its formatting and, as a Map key, its hashing. The one read back from
   * state is kept as it was read. Private, so equality checks and encoders never see it.
   */
  #bounds: string | undefined;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }

  /** @internal The bounds namespace of `window`, made once (see {@link TimeWindow.#bounds}). */
  static boundsNamespace(window: TimeWindow): string {
    const { start, end } = window;
    // A look-alike that is no TimeWindow instance (no private slot) gets a fresh string.
    if (!(#bounds in window)) return `${start}:${end}`;
    return (window.#bounds ??= `${start}:${end}`);
  }

  /** @internal The window of a bounds namespace already parsed, keeping `namespace` as its own. */
  static ofBoundsNamespace(start: number, end: number, namespace: string): TimeWindow {
    const window = new TimeWindow(start, end);
    window.#bounds = namespace;
    return window;
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
   * with the window covering it (a new window). Equal windows count once. Sessions call it on
   * every record, so the cover is kept as two numbers and a group's array is made only once it
   * has a second window.
   */
  static mergeWindows(windows: Iterable<TimeWindow>, callback: MergeCallback<TimeWindow>): void {
    const sorted = Array.isArray(windows) ? (windows as TimeWindow[]).slice() : [...windows];
    // (A stable sort leaves sorted windows as they are: a new session bid's window comes last.)
    if (!sortedByStart(sorted)) sorted.sort((a, b) => a.start - b.start);
    let first: TimeWindow | undefined;
    let group: TimeWindow[] | undefined;
    let start = 0;
    let end = 0;
    for (const candidate of sorted) {
      if (first !== undefined && start <= candidate.end && end >= candidate.start) {
        start = Math.min(start, candidate.start);
        end = Math.max(end, candidate.end);
        // Made with its first two windows: an array grows by 16 slots at its first push.
        if (group === undefined) group = first.equals(candidate) ? [first] : [first, candidate];
        else if (!containsEqual(group, candidate)) group.push(candidate);
      } else {
        if (group !== undefined && group.length > 1) callback(group, new TimeWindow(start, end));
        first = candidate;
        group = undefined;
        start = candidate.start;
        end = candidate.end;
      }
    }
    if (group !== undefined && group.length > 1) callback(group, new TimeWindow(start, end));
  }
}

function sortedByStart(windows: readonly TimeWindow[]): boolean {
  for (let i = 1; i < windows.length; i++) if (windows[i - 1]!.start > windows[i]!.start) return false;
  return true;
}

function containsEqual(group: readonly TimeWindow[], window: TimeWindow): boolean {
  for (const w of group) if (w.equals(window)) return true;
  return false;
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

/**
 * Reads one bound of a `start:end` namespace: `-?` and 1–16 ASCII digits from `from` up to
 * `to`; NaN if that is not what is there. By hand, not by a regular expression: sessions decode
 * their windows from state on every record.
 */
function parseBound(s: string, from: number, to: number): number {
  const negative = s.charCodeAt(from) === 45; // '-'
  const first = negative ? from + 1 : from;
  if (to - first < 1 || to - first > 16) return NaN;
  let value = 0;
  for (let i = first; i < to; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    // Exact below 2^53; above it, rounding keeps it above, so the safe-integer check still fails.
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Time windows of any size (sessions, custom assigners), keyed by `"start:end"`. */
export class TimeWindowBoundsSerializer implements WindowSerializer<TimeWindow> {
  static readonly INSTANCE = new TimeWindowBoundsSerializer();
  readonly id = 'TimeWindow.bounds';
  toNamespace(window: TimeWindow): WindowNamespace {
    return TimeWindow.boundsNamespace(window);
  }
  fromNamespace(namespace: unknown): TimeWindow {
    const colon = typeof namespace === 'string' ? namespace.indexOf(':') : -1;
    const ns = namespace as string;
    const start = colon < 0 ? NaN : parseBound(ns, 0, colon);
    const end = colon < 0 ? NaN : parseBound(ns, colon + 1, ns.length);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw windowDataError(this.id, namespace);
    return TimeWindow.ofBoundsNamespace(start, end, ns);
  }
}
