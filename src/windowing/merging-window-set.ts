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

interface Entry<W> {
  readonly window: W;
  readonly stateWindow: W;
}

/**
 * The in-flight windows of one key and their state windows. Build one per key access from the
 * key's state, call {@link addWindow}/{@link retireWindow}, then {@link persist}.
 */
export class MergingWindowSet<W extends Window> {
  private readonly serializer: WindowSerializer<W>;
  /** In-flight window namespace → window and its state window. */
  private readonly mapping = new Map<WindowNamespace, Entry<W>>();
  /** The mapping as read, to write only when it changed. */
  private readonly initial: Map<WindowNamespace, WindowNamespace>;
  private changed = false;

  /** Reads the mapping from `state`; the stored namespaces are decoded (and checked) by the assigner's serializer. */
  constructor(
    private readonly assigner: WindowMerger<W>,
    private readonly state: MergingWindowSetState,
  ) {
    this.serializer = assigner.getWindowSerializer();
    this.initial = new Map();
    for (const [ns, stateNs] of state.get() ?? []) {
      const window = this.serializer.fromNamespace(ns);
      const stateWindow = this.serializer.fromNamespace(stateNs);
      this.mapping.set(ns, { window, stateWindow });
      this.initial.set(ns, stateNs);
    }
  }

  /** The state window of an in-flight window, or undefined if it is not in flight. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(this.serializer.toNamespace(window))?.stateWindow;
  }

  /** Removes an in-flight window (after it was purged or cleaned up). */
  retireWindow(window: W): void {
    if (!this.mapping.delete(this.serializer.toNamespace(window))) {
      throw new Error(`Window ${String(window)} is not in the in-flight window set.`);
    }
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
    const newNs = ser.toNamespace(newWindow);
    const windows = [...[...this.mapping.values()].map((e) => e.window), newWindow];

    const merges: [W, W[]][] = [];
    this.assigner.mergeWindows(windows, (toBeMerged, mergeResult) => {
      merges.push([mergeResult, toBeMerged]);
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, reported] of merges) {
      const merged = reported.filter((w) => ser.toNamespace(w) !== newNs);
      if (merged.length === 0) continue; // the new window "merged" with copies of itself only
      if (merged.length < reported.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // The first merged window's state window holds the merge result's contents (Flink picks
      // any; the first keeps it deterministic, so a restored run picks the same).
      const first = this.mapping.get(ser.toNamespace(merged[0]!));
      if (first === undefined) {
        throw new Error(`The window assigner merged ${String(merged[0])}, which is not in flight; mergeWindows must only merge the windows it was given, each at most once.`);
      }
      const target = first.stateWindow;
      const mergedStateWindows: W[] = [];
      for (const w of merged) {
        const ns = ser.toNamespace(w);
        const entry = this.mapping.get(ns);
        if (entry !== undefined) {
          this.mapping.delete(ns);
          if (!entry.stateWindow.equals(target)) mergedStateWindows.push(entry.stateWindow);
        }
      }
      this.mapping.set(ser.toNamespace(mergeResult), { window: mergeResult, stateWindow: target });
      this.changed = true;

      // A merge of one in-flight window into itself (the new window fell inside it) changes
      // nothing that needs merging.
      const onlyItself = merged.length === 1 && merged[0]!.equals(mergeResult);
      if (!onlyItself) mergeFunction(mergeResult, merged, target, mergedStateWindows);
    }

    // A self-contained new window. Flink puts it even when an equal window is already in flight,
    // which re-points that window at itself and orphans its state window's contents (possible
    // with dynamic gaps); an equal in-flight window is kept as it is instead.
    if (!mergedNewWindow && !this.mapping.has(newNs)) {
      this.mapping.set(newNs, { window: newWindow, stateWindow: newWindow });
      this.changed = true;
    }
    return resultWindow;
  }

  /** Writes the mapping to the state if it differs from what was read. */
  persist(): void {
    if (!this.changed) return;
    const entries: WindowMappingEntry[] = [];
    let same = this.mapping.size === this.initial.size;
    for (const [ns, e] of this.mapping) {
      const stateNs = this.serializer.toNamespace(e.stateWindow);
      if (same && this.initial.get(ns) !== stateNs) same = false;
      entries.push([ns, stateNs]);
    }
    if (!same) this.state.update(entries);
  }

  toString(): string {
    const parts = [...this.mapping.values()].map((e) => `${String(e.window)} -> ${String(e.stateWindow)}`);
    return `MergingWindowSet{${parts.join(', ')}}`;
  }
}
