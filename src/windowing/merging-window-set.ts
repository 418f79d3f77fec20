/**
 * Which state window holds each in-flight window of a merging assigner, for one key (Flink's
 * MergingWindowSet). When sessions merge, the contents stay where they are: the merged window
 * keeps one of the merged windows' state windows as its namespace, and only the others' state
 * is merged into it. The mapping itself is keyed state, kept as plain data (pairs of
 * namespaces) so it snapshots and restores like any other state.
 */
import type { MergeCallback } from './time-window.js';
import type { Window, WindowNamespace, WindowSerializer } from './window.js';

/** What the set needs of a merging assigner (any `MergingWindowAssigner` is one). */
export interface WindowMerger<W extends Window> {
  mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;
  getWindowSerializer(): WindowSerializer<W>;
}

/** One entry of the mapping: [in-flight window, its state window], as namespaces. */
export type WindowMappingEntry = readonly [WindowNamespace, WindowNamespace];

/** Where the mapping is kept: the list state of the current key (a `ListState<WindowMappingEntry>` fits). */
export interface MergingWindowSetState {
  /** The stored mapping; empty (or undefined) when there is none. */
  get(): readonly WindowMappingEntry[] | undefined;
  /** Replaces the stored mapping. */
  update(entries: Iterable<WindowMappingEntry>): void;
}

/**
 * Called when adding a window merged windows: `mergeResult` replaces `mergedWindows` (which
 * never include the window being added); the caller merges the state of `mergedStateWindows`
 * into `stateWindowResult`, moves the trigger to the merged window (`onMerge`, then `clear` and
 * cleanup-timer deletion for each merged window), and so on.
 */
export type MergeFunction<W> = (mergeResult: W, mergedWindows: W[], stateWindowResult: W, mergedStateWindows: W[]) => void;

/**
 * The in-flight windows of one key and their state windows. Build one from the key's state (or
 * {@link load} the current key's into one built before), call {@link addWindow}/{@link
 * retireWindow}, then {@link persist}.
 *
 * Loaded per record, so it is kept to a few flat arrays (a key has few windows in flight; the
 * lookups scan them): in-flight window i < `size` is `windows[i]`, under `namespaces[i]`, its
 * contents in `stateWindows[i]`. The order is the one the mapping had as a Map (read order,
 * merge results and new windows appended), since it is the order written to state and
 * snapshots. The arrays are refilled by each load, not made anew, and are never emptied by
 * `length = 0` (which drops an array's slots, so the next push makes seventeen): a session
 * job's records made four arrays each and grew them, a fifth of all the job allocated.
 */
export class MergingWindowSet<W extends Window> {
  private readonly serializer: WindowSerializer<W>;
  private readonly windows: (W | undefined)[] = [];
  private readonly namespaces: WindowNamespace[] = [];
  private readonly stateWindows: (W | undefined)[] = [];
  /** The stored entry of window i while it is unchanged (written back as it is), else undefined. */
  private readonly entries: (WindowMappingEntry | undefined)[] = [];
  /** In-flight windows: the arrays' slots from `size` on are spare. */
  private size = 0;
  /** The mapping as read, to write only when it changed. */
  private initial: readonly WindowMappingEntry[] = [];
  private changed = false;
  /** The merges the assigner reported in {@link addWindow} (`mergeCount` of them): results, and the windows each merged. */
  private readonly mergeResults: (W | undefined)[] = [];
  private readonly mergeSources: (W[] | undefined)[] = [];
  private mergeCount = 0;
  /** The assigner's merge callback, made once. */
  private readonly collectMerge: MergeCallback<W> = (toBeMerged, mergeResult) => {
    this.mergeResults[this.mergeCount] = mergeResult;
    this.mergeSources[this.mergeCount] = toBeMerged;
    this.mergeCount++;
  };

  /** Reads the mapping from `state`; the stored namespaces are decoded (and checked) by the assigner's serializer. */
  constructor(
    private readonly assigner: WindowMerger<W>,
    private readonly state: MergingWindowSetState,
  ) {
    this.serializer = assigner.getWindowSerializer();
    this.load();
  }

  /** Forgets what the set held and reads the mapping from the state again (for the key now current). */
  load(): void {
    const serializer = this.serializer;
    const initial = this.state.get() ?? [];
    const previous = this.size;
    this.initial = initial;
    this.changed = false;
    this.size = 0;
    for (let i = 0; i < initial.length; i++) {
      const entry = initial[i]!;
      const ns = entry[0];
      const stateNs = entry[1];
      const window = serializer.fromNamespace(ns);
      // An unmerged window is its own state window: one decoding for both.
      this.append(window, ns, stateNs === ns ? window : serializer.fromNamespace(stateNs), entry);
    }
    for (let i = this.size; i < previous; i++) this.clearSlot(i);
  }

  /** The state window of an in-flight window, or undefined if it is not in flight. */
  getStateWindow(window: W): W | undefined {
    const i = this.indexOf(this.serializer.toNamespace(window));
    return i < 0 ? undefined : this.stateWindows[i];
  }

  /** Removes an in-flight window (after it was purged or cleaned up). */
  retireWindow(window: W): void {
    const i = this.indexOf(this.serializer.toNamespace(window));
    if (i < 0) throw new Error(`Window ${String(window)} is not in the in-flight window set.`);
    this.removeAt(i);
    this.changed = true;
  }

  /**
   * Adds `newWindow`, merging it with in-flight windows as the assigner says, and returns the
   * window it ended up in: itself, or the merge result that swallowed it. Add elements and call
   * the trigger for the returned window only. `mergeFunction` is called once per merge that
   * involves windows already in flight.
   */
  addWindow(newWindow: W, mergeFunction: MergeFunction<W>): W {
    const ser = this.serializer;
    // The assigner's own array (it may keep it), made at its size: a push would grow it by 16.
    const n = this.size;
    const candidates = new Array<W>(n + 1);
    for (let i = 0; i < n; i++) candidates[i] = this.windows[i]!;
    candidates[n] = newWindow;
    this.mergeCount = 0;
    this.assigner.mergeWindows(candidates, this.collectMerge);

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    const merges = this.mergeCount;
    for (let m = 0; m < merges; m++) {
      const mergeResult = this.mergeResults[m]!;
      const reported = this.mergeSources[m]!;
      this.mergeResults[m] = undefined;
      this.mergeSources[m] = undefined;
      // The new window by equality (windows are values: equal windows have one namespace),
      // which spares making the namespace of a new window that is merged away.
      const merged = withoutWindow(reported, newWindow);
      if (merged.length === 0) continue; // the new window "merged" with copies of itself only
      if (merged.length < reported.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The first merged window's state window holds the merge result's contents (Flink picks
      // any; the first keeps it deterministic, so a restored run picks the same).
      const first = this.indexOf(ser.toNamespace(merged[0]!));
      if (first < 0) {
        throw new Error(`The window assigner merged ${String(merged[0])}, which is not in flight; mergeWindows must only merge the windows it was given, each at most once.`);
      }
      const target = this.stateWindows[first]!;
      const mergedStateWindows: W[] = [];
      for (const w of merged) {
        const i = this.indexOf(ser.toNamespace(w));
        if (i >= 0) {
          const stateWindow = this.stateWindows[i]!;
          this.removeAt(i);
          if (!stateWindow.equals(target)) mergedStateWindows.push(stateWindow);
        }
      }
      this.put(mergeResult, target);
      this.changed = true;

      // A merge of one in-flight window into itself (the new window fell inside it) changes
      // nothing that needs merging.
      const onlyItself = merged.length === 1 && merged[0]!.equals(mergeResult);
      if (!onlyItself) mergeFunction(mergeResult, merged, target, mergedStateWindows);
    }

    // A self-contained new window. Flink puts it even when an equal window is already in flight,
    // which re-points that window at itself and orphans its state window's contents (possible
    // with dynamic gaps); an equal in-flight window is kept as it is instead.
    if (!mergedNewWindow && this.indexOf(ser.toNamespace(newWindow)) < 0) {
      this.put(newWindow, newWindow);
      this.changed = true;
    }
    return resultWindow;
  }

  /**
   * Writes the mapping to the state if it differs from what was read. Afterwards the set holds
   * what the state holds, in its order, as a {@link load} now would: a caller that knows the
   * state was not touched since (the same key, no restore) may use it again without loading.
   */
  persist(): void {
    if (!this.changed) return;
    this.changed = false;
    if (this.sameAsRead()) {
      // Unwritten, so the stored order stands (a merge into a window already in flight moves
      // it to the end here, as a Map's delete and set would).
      this.restoreReadOrder();
      return;
    }
    const out: WindowMappingEntry[] = new Array<WindowMappingEntry>(this.size);
    for (let i = 0; i < out.length; i++) {
      out[i] = this.entries[i] ??= [this.namespaces[i]!, this.serializer.toNamespace(this.stateWindows[i]!)];
    }
    this.initial = out;
    this.state.update(out);
  }

  /** Puts the windows back in the order read, when the mapping is the one read (see {@link sameAsRead}). */
  private restoreReadOrder(): void {
    const initial = this.initial;
    for (let j = 0; j < initial.length; j++) {
      const entry = initial[j]!;
      let i = j;
      while (this.namespaces[i] !== entry[0]) i++;
      if (i !== j) this.swap(i, j);
      this.entries[j] = entry;
    }
  }

  /** Whether the mapping, as a map from namespace to state namespace, is the one read (its order may differ). */
  private sameAsRead(): boolean {
    const initial = this.initial;
    const n = this.size;
    if (n !== initial.length) return false;
    for (let i = 0; i < n; i++) {
      const kept = this.entries[i];
      if (kept !== undefined) continue; // an entry as read, still mapped as it was
      const ns = this.namespaces[i]!;
      let j = 0;
      while (j < n && initial[j]![0] !== ns) j++;
      if (j === n || initial[j]![1] !== this.serializer.toNamespace(this.stateWindows[i]!)) return false;
    }
    return true;
  }

  /** The position of the in-flight window under `ns`, or -1. */
  private indexOf(ns: WindowNamespace): number {
    const namespaces = this.namespaces;
    for (let i = 0; i < this.size; i++) if (namespaces[i] === ns) return i;
    return -1;
  }

  /** Maps `window` to `stateWindow`: in place if it is in flight (a Map's `set`), else appended. */
  private put(window: W, stateWindow: W): void {
    const ns = this.serializer.toNamespace(window);
    const i = this.indexOf(ns);
    if (i >= 0) {
      this.windows[i] = window;
      this.stateWindows[i] = stateWindow;
      this.entries[i] = undefined;
      return;
    }
    this.append(window, ns, stateWindow, undefined);
  }

  private append(window: W, ns: WindowNamespace, stateWindow: W, entry: WindowMappingEntry | undefined): void {
    const i = this.size++;
    this.windows[i] = window;
    this.namespaces[i] = ns;
    this.stateWindows[i] = stateWindow;
    this.entries[i] = entry;
  }

  /** Takes window i out, keeping the others' order (by hand: `splice` makes an array of what it removes). */
  private removeAt(i: number): void {
    const last = this.size - 1;
    for (let j = i; j < last; j++) {
      this.windows[j] = this.windows[j + 1];
      this.namespaces[j] = this.namespaces[j + 1]!;
      this.stateWindows[j] = this.stateWindows[j + 1];
      this.entries[j] = this.entries[j + 1];
    }
    this.clearSlot(last);
    this.size = last;
  }

  private swap(i: number, j: number): void {
    const window = this.windows[i];
    const ns = this.namespaces[i]!;
    const stateWindow = this.stateWindows[i];
    const entry = this.entries[i];
    this.windows[i] = this.windows[j];
    this.namespaces[i] = this.namespaces[j]!;
    this.stateWindows[i] = this.stateWindows[j];
    this.entries[i] = this.entries[j];
    this.windows[j] = window;
    this.namespaces[j] = ns;
    this.stateWindows[j] = stateWindow;
    this.entries[j] = entry;
  }

  /** Lets go of what a spare slot held (another key's windows, kept alive for nothing). */
  private clearSlot(i: number): void {
    this.windows[i] = undefined;
    this.namespaces[i] = 0;
    this.stateWindows[i] = undefined;
    this.entries[i] = undefined;
  }

  toString(): string {
    const parts: string[] = [];
    for (let i = 0; i < this.size; i++) parts.push(`${String(this.windows[i])} -> ${String(this.stateWindows[i])}`);
    return `MergingWindowSet{${parts.join(', ')}}`;
  }
}

/** `reported` without the windows equal to `window`, in an array of its own (handed to the merge function), made at its size. */
function withoutWindow<W extends Window>(reported: readonly W[], window: W): W[] {
  let n = 0;
  for (const w of reported) if (w !== window && !w.equals(window)) n++;
  const out = new Array<W>(n);
  let k = 0;
  for (const w of reported) if (w !== window && !w.equals(window)) out[k++] = w;
  return out;
}
