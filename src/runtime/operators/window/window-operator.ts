/**
 * Flink's WindowOperator: assigns each element to windows, keeps their contents in namespaced
 * keyed state (one namespace per window), asks the trigger when to fire and purge, and drops a
 * window's state at its cleanup time. Contents are one folded value per key and window for
 * `reduce`/`aggregate`, the elements otherwise; sessions merge through the merging window set,
 * itself keyed state. Results carry the window's `maxTimestamp()`.
 */
import { type KeyedStateStore, type OutputTag, type RecordCheck, type WindowOperatorSpec, recordCheckOf } from '../../../graph/index.js';
import {
  type KeyedStateBackend,
  ListStateDescriptor,
  type Namespace,
  type ListState,
  type NamespacedState,
  type StateDescriptor,
} from '../../../state/index.js';
import { FlinkError } from '../../../util/errors.js';
import { MIN_TIMESTAMP } from '../../../util/time.js';
import {
  EventTimeTrigger,
  type MergingWindowAssigner,
  MergingWindowSet,
  type Trigger,
  type Window,
  type WindowAssigner,
  type WindowAssignerContext,
  type MergeFunction,
  type WindowMappingEntry,
  type WindowSerializer,
  cleanupTime,
  isCleanupReached,
  isCleanupTime,
  isElementLate,
  isWindowLate,
} from '../../../windowing/index.js';
import type { Output } from '../../output.js';
import { FunctionOperator } from '../function-operator.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import type { InternalWindowFunction } from './internal-window-function.js';
import { checkMergeResult } from './merge-check.js';
import { WindowProcessContext, WindowTriggerContext } from './window-contexts.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { type WindowOperatorServices, windowServices } from './window-services.js';
import { AccumulatorBuffer, type FoldingState, NOT_BUFFERED, isFolding } from './accumulator-buffer.js';
import { type AppendingState, MERGING_WINDOW_SET_STATE, contentsDescriptor } from './window-contents-state.js';

export { type AppendingState, MERGING_WINDOW_SET_STATE, WINDOW_CONTENTS_STATE } from './window-contents-state.js';

/** No namespaces to merge (a session that grew without swallowing another's contents). */
const NO_NAMESPACES: readonly Namespace[] = [];

export class WindowOperator<W extends Window = Window> extends FunctionOperator<unknown> implements Triggerable {
  protected readonly assigner: WindowAssigner<unknown, W>;
  protected readonly trigger: Trigger<unknown, W>;
  protected readonly serializer: WindowSerializer<W>;
  protected readonly allowedLateness: number;
  protected readonly eventTime: boolean;
  /** The assigner merges windows (sessions): asked once, it never changes. */
  private readonly merging: boolean;
  protected readonly backend: KeyedStateBackend;
  protected readonly fn: InternalWindowFunction<W>;
  protected readonly triggerContext: WindowTriggerContext<W>;
  protected readonly processContext: WindowProcessContext<W>;
  protected readonly assignerContext: WindowAssignerContext;
  protected readonly services: WindowOperatorServices;
  protected contents!: NamespacedState<AppendingState>;
  private mergingSets: ListState<WindowMappingEntry> | undefined;
  /** See {@link mergingWindowSet}. */
  private mergingSet: MergingWindowSet<W> | undefined;
  /**
   * The key (as stored, and its key group) whose merging-window set `mergingSet` holds as the
   * state holds it; key group -1 while it holds none for sure (before the first persist, while
   * a record or timer works on it, after a snapshot's cut).
   */
  private mergingSetKey: unknown = undefined;
  private mergingSetKeyGroup = -1;
  private readonly lateTag: OutputTag<unknown> | undefined;
  private lateOutput: Output<unknown> | undefined;
  /** Late elements dropped for want of a late-data side output (Flink's numLateRecordsDropped). */
  numLateRecordsDropped = 0;
  /**
   * By position in the assigned windows: the window object last seen there, its namespace and
   * its cleanup time. Assigners hand out the same window objects while times fall into them
   * (windows are values, never changed), so these are worked out once per window, not per element.
   */
  private readonly slotWindows: (W | undefined)[] = [];
  private readonly slotNamespaces: Namespace[] = [];
  private readonly slotCleanupTimes: number[] = [];
  /**
   * By position, as above: no key had contents in the window when the operator opened, so every
   * key's contents there were added by this operator, which set their timers then (see
   * {@link processAligned}).
   */
  private readonly slotFresh: boolean[] = [];
  /** The namespaces with contents when the operator opened (restored state); undefined while the shortcut is off. */
  private restoredNamespaces: Set<Namespace> | undefined;
  /** Accumulators folded in memory between timers and snapshots (see accumulator-buffer.ts); undefined where it does not apply. */
  private buffer: AccumulatorBuffer | undefined;
  private lastTimerNamespace: Namespace = 0;
  private lastTimerWindow: W | undefined;
  private readonly checkElement: RecordCheck | undefined;

  constructor(
    ctx: OperatorContext,
    protected readonly spec: WindowOperatorSpec,
    /** The window function, its own copy for this subtask. */
    windowFunction: InternalWindowFunction<W>,
  ) {
    super(ctx, windowFunction.userFunction);
    const services = windowServices(ctx);
    this.services = services;
    this.assigner = spec.assigner as WindowAssigner<unknown, W>;
    this.trigger = spec.trigger as Trigger<unknown, W>;
    this.serializer = this.assigner.getWindowSerializer();
    this.allowedLateness = spec.allowedLateness;
    this.eventTime = this.assigner.isEventTime();
    this.merging = this.assigner.isMerging();
    this.lateTag = spec.lateDataTag;
    this.backend = ctx.keyedBackend!;
    this.fn = windowFunction;
    this.triggerContext = new WindowTriggerContext<W>(this.backend, services);
    const global: KeyedStateStore = ctx.runtimeContext;
    this.processContext = new WindowProcessContext<W>(this.backend, services, global, (w) => this.serializer.toNamespace(w), this.assigner.isMerging());
    this.assignerContext = { getCurrentProcessingTime: () => services.timerService.currentProcessingTime() };
    // A field aggregation checks every element: the reduce function never sees a window's first alone.
    this.checkElement = spec.contents.kind === 'reduce' ? recordCheckOf(spec.contents.fn) : undefined;
  }

  /** The descriptor of the window contents' state. */
  protected contentsDescriptor(): StateDescriptor {
    return contentsDescriptor(this.spec.contents, this.serializer.id, this.spec.windows.shape);
  }

  override async open(): Promise<void> {
    this.contents = this.backend.getOrCreateNamespacedState<AppendingState>(this.contentsDescriptor());
    if (this.assigner.isMerging()) {
      if (!this.trigger.canMerge()) {
        throw new FlinkError('window.triggerCannotMerge', `A merging window assigner (${String(this.assigner)}) cannot be used with a trigger that does not support merging (${String(this.trigger)}).`);
      }
      this.mergingSets = this.backend.getOrCreateState<ListState<WindowMappingEntry>>(new ListStateDescriptor<WindowMappingEntry>(MERGING_WINDOW_SET_STATE));
      this.mergingSet = undefined;
      this.mergingSetKeyGroup = -1;
    }
    this.lateOutput = this.lateTag && this.services.sideOutput(this.lateTag);
    const shortcut = this.eventTime && !this.merging && this.trigger.constructor === EventTimeTrigger && this.contents.state.addIfPresent !== undefined;
    if (shortcut) this.restoredNamespaces = this.contents.namespacesInUse();
    // Only where the shortcut holds (no trigger or function reads contents between timers) and
    // contents are one accumulator, not the elements an evictor needs.
    const c = this.spec.contents.kind;
    if (shortcut && (c === 'reduce' || c === 'aggregate') && this.spec.evictor === undefined && isFolding(this.contents.state)) {
      this.buffer = new AccumulatorBuffer(this.contents as NamespacedState<AppendingState & FoldingState>, this.backend);
    }
    await super.open();
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.checkElement?.(value);
      this.processElement(value, this.services.recordContext.timestamp);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  private processElement(value: unknown, timestamp: number): void {
    const windows = this.assigner.assignWindows(value, timestamp, this.assignerContext);
    const skipped = this.merging ? this.processMerging(value, timestamp, windows) : this.processAligned(value, timestamp, windows);
    // Late: no window took it, and its own time is past the watermark by more than the lateness.
    if (skipped && isElementLate(timestamp, this.allowedLateness, this.eventTime, this.services.timerService.currentWatermark())) {
      if (this.lateOutput !== undefined) this.lateOutput.collect(value);
      else if (this.lateTag === undefined) this.numLateRecordsDropped++;
    }
  }

  /** Windows that do not merge; true if every window was late. */
  private processAligned(value: unknown, timestamp: number, windows: readonly W[]): boolean {
    let skipped = true;
    const ctx = this.triggerContext;
    // The watermark does not move while an element is processed.
    const watermark = this.eventTime ? this.services.timerService.currentWatermark() : MIN_TIMESTAMP;
    for (let i = 0; i < windows.length; i++) {
      const window = windows[i]!;
      if (this.slotWindows[i] !== window) this.learnWindow(i, window);
      const cleanup = this.slotCleanupTimes[i]!;
      if (this.eventTime && isCleanupReached(cleanup, watermark)) continue;
      skipped = false;
      const ns = this.slotNamespaces[i]!;
      this.contents.setCurrentNamespace(ns);
      // EventTimeTrigger would register the window's end timer, and we its cleanup timer: both
      // are set if this operator added to the key's contents before (the end is ahead of the
      // watermark, so neither has fired; the contents are cleared when a timer of theirs is).
      const shortcut = this.slotFresh[i] && window.maxTimestamp() > watermark;
      const buffer = this.buffer;
      if (shortcut && buffer !== undefined) {
        // Folded into the key's accumulator: done. Else it is the window's first element, now
        // in the buffer: the trigger and cleanup timer below as for any first element.
        if (buffer.add(i, ns, value)) continue;
      } else {
        if (shortcut && this.addElementIfPresent(value, timestamp)) continue;
        this.addElement(value, timestamp);
      }
      ctx.set(window, ns);
      const result = this.trigger.onElement(value, timestamp, window, ctx);
      // (EventTimeTrigger neither fires nor purges a window ahead of the watermark; should one,
      // it reads and clears state, so buffered accumulators go there first.)
      if (buffer !== undefined && (result.isFire() || result.isPurge())) buffer.flush();
      if (result.isFire()) this.fire(window);
      if (result.isPurge()) this.contents.state.clear();
      ctx.registerCleanupTimer(cleanup, this.eventTime);
    }
    return skipped;
  }

  /** Remembers `window` at position `i` of the assigned windows, with its namespace and cleanup time. */
  private learnWindow(i: number, window: W): void {
    this.slotWindows[i] = window;
    this.slotNamespaces[i] = this.serializer.toNamespace(window);
    this.slotCleanupTimes[i] = cleanupTime(window, this.allowedLateness, this.eventTime);
    this.slotFresh[i] = this.restoredNamespaces !== undefined && !this.restoredNamespaces.has(this.slotNamespaces[i]!);
  }

  /** Merging windows (sessions); true if every window was late. */
  private processMerging(value: unknown, timestamp: number, windows: readonly W[]): boolean {
    let skipped = true;
    const ctx = this.triggerContext;
    const sets = this.mergingWindowSet();
    for (const window of windows) {
      const actual = sets.addWindow(window, this.mergeWindowState);
      if (this.isWindowLate(actual)) {
        sets.retireWindow(actual);
        continue;
      }
      skipped = false;
      const stateWindow = sets.getStateWindow(actual);
      if (stateWindow === undefined) throw new Error(`internal: window ${String(window)} is not in the in-flight window set`);
      this.contents.setCurrentNamespace(this.serializer.toNamespace(stateWindow));
      this.addElement(value, timestamp);
      ctx.set(actual, this.serializer.toNamespace(actual));
      const result = this.trigger.onElement(value, timestamp, actual, ctx);
      if (result.isFire()) this.fire(actual);
      if (result.isPurge()) this.contents.state.clear();
      ctx.registerCleanupTimer(cleanupTime(actual, this.allowedLateness, this.eventTime), this.eventTime);
    }
    this.persistMergingSet(sets);
    return skipped;
  }

  /**
   * The merge function of {@link processMerging}: moves the trigger to the merge result and the
   * merged windows' contents into its state window. One function for the operator's life, not a
   * closure per record.
   */
  private readonly mergeWindowState: MergeFunction<W> = (mergeResult, mergedWindows, stateWindowResult, mergedStateWindows) => {
    const ctx = this.triggerContext;
    const ser = this.serializer;
    checkMergeResult(mergeResult, this.eventTime, this.allowedLateness, this.services.timerService);
    const mergedNamespaces = mergedWindows.map((w) => ser.toNamespace(w));
    ctx.set(mergeResult, ser.toNamespace(mergeResult));
    ctx.mergedNamespaces = mergedNamespaces;
    this.trigger.onMerge(mergeResult, ctx);
    ctx.mergedNamespaces = [];
    for (let i = 0; i < mergedWindows.length; i++) {
      ctx.set(mergedWindows[i]!, mergedNamespaces[i]!);
      this.trigger.clear(mergedWindows[i]!, ctx);
      ctx.deleteCleanupTimer(cleanupTime(mergedWindows[i]!, this.allowedLateness, this.eventTime), this.eventTime);
    }
    const target = ser.toNamespace(stateWindowResult);
    this.contents.mergeNamespaces(target, mergedStateWindows.length === 0 ? NO_NAMESPACES : mergedStateWindows.map((w) => ser.toNamespace(w)));
  };

  /** An event-time timer of the current key fired (the key is set). */
  onEventTime(timer: InternalTimer): void {
    try {
      this.onTimer(timer, true);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  /** A processing-time timer of the current key fired (the key is set). */
  onProcessingTime(timer: InternalTimer): void {
    try {
      this.onTimer(timer, false);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  private onTimer(timer: InternalTimer, eventTimeTimer: boolean): void {
    const window = this.timerWindow(timer.namespace);
    const ctx = this.triggerContext;
    ctx.set(window, timer.namespace);
    let sets: MergingWindowSet<W> | undefined;
    if (this.assigner.isMerging()) {
      sets = this.mergingWindowSet();
      const stateWindow = sets.getStateWindow(window);
      // A timer of a window already purged and merged away (a trigger that left its timers): nothing to do.
      if (stateWindow === undefined) return;
      this.contents.setCurrentNamespace(this.serializer.toNamespace(stateWindow));
    } else {
      this.contents.setCurrentNamespace(timer.namespace);
    }
    const result = eventTimeTimer ? this.trigger.onEventTime(timer.timestamp, window, ctx) : this.trigger.onProcessingTime(timer.timestamp, window, ctx);
    if (result.isFire()) this.fire(window);
    if (result.isPurge()) this.clearContents();
    if (this.eventTime === eventTimeTimer && isCleanupTime(window, timer.timestamp, this.allowedLateness, this.eventTime)) {
      this.clearAllState(window, sets);
    }
    if (sets !== undefined) this.persistMergingSet(sets);
  }

  /** The window of a timer's namespace; the one of the previous timer if it is the same (a watermark fires a window's timers of every key in a row). */
  private timerWindow(ns: Namespace): W {
    if (ns !== this.lastTimerNamespace || this.lastTimerWindow === undefined) {
      this.lastTimerWindow = this.serializer.fromNamespace(ns);
      this.lastTimerNamespace = ns;
    }
    return this.lastTimerWindow;
  }

  /** Drops everything of `window`: contents, trigger state, the function's window state, its place in the merging set. */
  private clearAllState(window: W, sets: MergingWindowSet<W> | undefined): void {
    this.clearContents();
    this.trigger.clear(window, this.triggerContext);
    this.processContext.set(window);
    this.fn.clear(window, this.processContext);
    if (sets !== undefined) {
      sets.retireWindow(window);
      sets.persist();
    }
  }

  /** Adds an element to the contents of the current namespace. */
  protected addElement(value: unknown, _timestamp: number): void {
    this.contents.state.add(value);
  }

  /** {@link addElement} if the current key has contents in the current namespace; true if it added. */
  protected addElementIfPresent(value: unknown, _timestamp: number): boolean {
    return this.contents.state.addIfPresent!(value);
  }

  /**
   * At a watermark, only the windows it reaches leave the buffer. Their timers fire first and
   * read them from the buffer (see {@link fire}); the windows it ends (their cleanup time is
   * reached) are dropped by their cleanup (see {@link clearContents}); those it reaches but does
   * not end (their end passed, their allowed lateness has not) then go back to state, since
   * from now on their late elements take the full path, through state. Windows still open stay
   * buffered: no timer of this watermark reads them, and elements keep folding into the buffer
   * (writing them back at every watermark cost an in-process sliding-window job about 4% of its
   * CPU time: its windows stay open across several watermarks). The ended windows' state is
   * cleared by then, so the buffer forgets it wrote them back.
   */
  override processWatermark(timestamp: number): void {
    const buffer = this.buffer;
    if (buffer === undefined) {
      super.processWatermark(timestamp);
      return;
    }
    super.processWatermark(timestamp);
    buffer.writeBackExcept((ns) => this.serializer.fromNamespace(ns).maxTimestamp() > timestamp);
    buffer.forgetEnded((ns) => cleanupTime(this.serializer.fromNamespace(ns), this.allowedLateness, true) <= timestamp);
  }

  override advanceProcessingTime(now: number): void {
    if (this.buffer !== undefined && this.nextTimerTime() <= now) this.buffer.flush();
    super.advanceProcessingTime(now);
  }

  /** ... and before a snapshot's cut. */
  protected override prepareSnapshot(checkpointId: number, timestamp: number): void {
    this.buffer?.flush();
    // The set loaded stays what the state holds across a cut; forgotten all the same, so that
    // nothing read before a snapshot is carried past it.
    this.mergingSetKeyGroup = -1;
    super.prepareSnapshot(checkpointId, timestamp);
  }

  /** Runs the window function over the contents of the current namespace, if there are any. */
  protected fire(window: W): void {
    const buffered = this.buffer === undefined ? NOT_BUFFERED : this.buffer.resultOf(this.contents.getCurrentNamespace());
    const contents = buffered === NOT_BUFFERED ? this.contents.state.get() : buffered;
    if (contents === undefined || (Array.isArray(contents) && contents.length === 0)) return;
    this.emitWindowContents(window, contents);
  }

  /** Drops the contents of the current namespace: from the buffer, and from state unless they were only in the buffer. */
  private clearContents(): void {
    if (this.buffer === undefined || this.buffer.discard(this.contents.getCurrentNamespace())) this.contents.state.clear();
  }

  /** Calls the window function with the window's `maxTimestamp()` as the results' timestamp. */
  protected emitWindowContents(window: W, contents: unknown): void {
    const slot = this.services.recordContext;
    const previous = slot.timestamp;
    slot.timestamp = window.maxTimestamp();
    this.processContext.set(window);
    try {
      this.fn.process(this.backend.getCurrentKey(), window, this.processContext, contents, this.output);
    } finally {
      slot.timestamp = previous;
    }
  }

  /**
   * The current key's merging-window set, read from state: one set for the operator's life (so
   * that a record does not make the set's arrays anew), loaded for each record or timer unless
   * it holds this key's set as stored already. Only this operator writes the set's state, always
   * through this set ({@link persistMergingSet}), and nothing but a restore rewrites it (which
   * comes before the operator opens: the state has no TTL); so after the previous record or
   * timer of the same key it is still what a load would read. Most records of a session job
   * are of such a key (q11's hot bidder, a user's clicks in a row), and the decoding of its
   * windows was ~15% of q11's run. Until the set is persisted the key is forgotten: a record
   * that fails half-way leaves no half-changed set to be taken for the stored one.
   */
  private mergingWindowSet(): MergingWindowSet<W> {
    const backend = this.backend;
    if (this.mergingSet === undefined) {
      this.mergingSet = new MergingWindowSet<W>(this.assigner as MergingWindowAssigner<unknown, W>, this.mergingSets!);
    } else if (this.mergingSetKeyGroup !== backend.currentKeyGroup || this.mergingSetKey !== backend.currentMapKey) {
      this.mergingSet.load();
    }
    this.mergingSetKeyGroup = -1;
    return this.mergingSet;
  }

  /** Writes the current key's merging-window set if it changed; the set now holds that key's, as stored. */
  private persistMergingSet(sets: MergingWindowSet<W>): void {
    sets.persist();
    this.mergingSetKey = this.backend.currentMapKey;
    this.mergingSetKeyGroup = this.backend.currentKeyGroup;
  }

  private isWindowLate(window: W): boolean {
    return this.eventTime && isWindowLate(window, this.allowedLateness, true, this.services.timerService.currentWatermark());
  }
}
