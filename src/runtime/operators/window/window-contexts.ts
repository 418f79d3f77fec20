/**
 * The contexts the window operator hands out, reused for every call with the current window
 * set on them (Flink's WindowOperator.Context and WindowContext): the trigger's, backed by
 * namespaced state and the timer service, and the window function's.
 */
import type { KeyedStateStore, MergingStateDescriptor, OutputTag, ProcessWindowContext, StateFor } from '../../../graph/index.js';
import {
  type KeyedStateBackend,
  type Namespace,
  type NamespacedState,
  type State,
  type StateDescriptor,
  checkUserStateName,
} from '../../../state/index.js';
import { type OnMergeContext, type Window, needsCleanupTimer } from '../../../windowing/index.js';
import { DefaultKeyedStateStore } from '../../default-keyed-state-store.js';
import { checkOutputTag } from '../side-output.js';
import type { WindowOperatorServices } from './window-services.js';

/** The trigger's context: timers and partitioned state of the current key and {@link window}. */
export class WindowTriggerContext<W extends Window> implements OnMergeContext {
  /** The window the trigger is called for. */
  window!: W;
  /** Its namespace. */
  namespace: Namespace = 0;
  /** During `onMerge`: the namespaces of the windows merged into {@link window}. */
  mergedNamespaces: readonly Namespace[] = [];
  private readonly states = new Map<StateDescriptor, NamespacedState<State>>();
  /**
   * The event-time and processing-time timers last registered for {@link window} since the
   * context was pointed at it (NaN: none): the operator's cleanup timer, usually the trigger's
   * own (EventTimeTrigger, no lateness), then costs nothing.
   */
  private lastEventTimer = Number.NaN;
  private lastProcessingTimer = Number.NaN;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly services: WindowOperatorServices,
  ) {}

  /** Points the context at `window`. */
  set(window: W, namespace: Namespace): void {
    this.window = window;
    this.namespace = namespace;
    this.lastEventTimer = Number.NaN;
    this.lastProcessingTimer = Number.NaN;
  }

  /** True if an event-time (or processing-time) timer at `time` was registered for the current window since {@link set}. */
  registeredJustNow(time: number, eventTime: boolean): boolean {
    return time === (eventTime ? this.lastEventTimer : this.lastProcessingTimer);
  }

  getCurrentProcessingTime(): number {
    return this.services.timerService.currentProcessingTime();
  }

  getCurrentWatermark(): number {
    return this.services.timerService.currentWatermark();
  }

  registerProcessingTimeTimer(time: number): void {
    this.services.timerService.registerProcessingTimeTimer(this.namespace, time);
    this.lastProcessingTimer = time;
  }

  registerEventTimeTimer(time: number): void {
    this.services.timerService.registerEventTimeTimer(this.namespace, time);
    this.lastEventTimer = time;
  }

  deleteProcessingTimeTimer(time: number): void {
    this.services.timerService.deleteProcessingTimeTimer(this.namespace, time);
    if (time === this.lastProcessingTimer) this.lastProcessingTimer = Number.NaN;
  }

  deleteEventTimeTimer(time: number): void {
    this.services.timerService.deleteEventTimeTimer(this.namespace, time);
    if (time === this.lastEventTimer) this.lastEventTimer = Number.NaN;
  }

  /**
   * The window operator's cleanup timer of the current window at `time`, in the window's time
   * domain: none for a window that never ends (see needsCleanupTimer), and no lookup in the
   * timer service if the trigger has just registered the same timer (EventTimeTrigger without
   * lateness does).
   */
  registerCleanupTimer(time: number, eventTime: boolean): void {
    if (!needsCleanupTimer(time) || this.registeredJustNow(time, eventTime)) return;
    if (eventTime) this.registerEventTimeTimer(time);
    else this.registerProcessingTimeTimer(time);
  }

  /** Deletes the cleanup timer at `time` of the current window (one merged away). */
  deleteCleanupTimer(time: number, eventTime: boolean): void {
    if (!needsCleanupTimer(time)) return;
    if (eventTime) this.deleteEventTimeTimer(time);
    else this.deleteProcessingTimeTimer(time);
  }

  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateFor<D> {
    const s = this.namespaced(descriptor);
    s.setCurrentNamespace(this.namespace);
    return s.state as StateFor<D>;
  }

  mergePartitionedState(descriptor: MergingStateDescriptor): void {
    if (this.mergedNamespaces.length > 0) this.namespaced(descriptor).mergeNamespaces(this.namespace, this.mergedNamespaces);
  }

  private namespaced(descriptor: StateDescriptor): NamespacedState<State> {
    let s = this.states.get(descriptor);
    if (s === undefined) {
      s = this.backend.getOrCreateNamespacedState(descriptor);
      this.states.set(descriptor, s);
    }
    return s;
  }
}

/**
 * Per-window state of a window function (`context.windowState()`), in the namespace of the
 * window being evaluated; refused for merging windows, as in Flink (their windows come and go
 * by merging, and such state would be lost or double-counted).
 */
export class PerWindowStateStore extends DefaultKeyedStateStore {
  namespace: Namespace = 0;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly merging: boolean,
  ) {
    super();
  }

  protected getPartitionedState<S>(d: StateDescriptor): S {
    if (this.merging) throw new Error('Per-window state is not allowed when using merging windows.');
    checkUserStateName(d.name);
    const s = this.backend.getOrCreateNamespacedState(d);
    s.setCurrentNamespace(this.namespace);
    return s.state as S;
  }
}

/** The window function's context (`ProcessWindowFunction.Context`). */
export class WindowProcessContext<W extends Window> implements ProcessWindowContext<W> {
  private current!: W;
  private readonly perWindow: PerWindowStateStore;

  constructor(
    backend: KeyedStateBackend,
    private readonly services: WindowOperatorServices,
    private readonly global: KeyedStateStore,
    private readonly toNamespace: (window: W) => Namespace,
    merging: boolean,
  ) {
    this.perWindow = new PerWindowStateStore(backend, merging);
  }

  /** Points the context at `window`. */
  set(window: W): void {
    this.current = window;
  }

  window(): W {
    return this.current;
  }

  currentProcessingTime(): number {
    return this.services.timerService.currentProcessingTime();
  }

  currentWatermark(): number {
    return this.services.timerService.currentWatermark();
  }

  windowState(): KeyedStateStore {
    this.perWindow.namespace = this.toNamespace(this.current);
    return this.perWindow;
  }

  globalState(): KeyedStateStore {
    return this.global;
  }

  /** Emits `value` to side output `tag` with the window's `maxTimestamp()`, as Flink does. */
  output<X>(tag: OutputTag<X>, value: X): void {
    checkOutputTag(tag);
    const out = this.services.sideOutput(tag);
    if (out === undefined) return;
    const slot = this.services.recordContext;
    const previous = slot.timestamp;
    slot.timestamp = this.current.maxTimestamp();
    try {
      out.collect(value);
    } finally {
      slot.timestamp = previous;
    }
  }
}
