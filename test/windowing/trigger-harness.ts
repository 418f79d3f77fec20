/**
 * An in-memory stand-in for the window operator around one trigger and one key, after Flink's
 * TriggerTestHarness: partitioned state per window, timers per window, a watermark and a
 * processing-time clock. Firing a timer removes it first, as Flink's timer service does.
 */
import type { MergingStateDescriptor, StateFor } from '../../src/graph/index.js';
import type { AggregatingStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from '../../src/state/index.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult, Window, WindowNamespace, WindowSerializer } from '../../src/windowing/index.js';

type Slot = { value: unknown };
type Domain = 'event' | 'processing';
interface Timer<W> {
  readonly time: number;
  readonly window: W;
}

export class TriggerHarness<T, W extends Window> {
  private watermark = MIN_TIMESTAMP;
  private processingTime = 0;
  /** state name → window namespace → stored value (a list for list state, a Map for map state). */
  private readonly states = new Map<string, Map<WindowNamespace, Slot>>();
  private readonly timers: Record<Domain, Map<string, Timer<W>>> = { event: new Map(), processing: new Map() };

  constructor(
    private readonly trigger: Trigger<T, W>,
    private readonly serializer: WindowSerializer<W>,
  ) {}

  /** `trigger.onElement` for an element of `window`. */
  processElement(element: T, timestamp: number, window: W): TriggerResult {
    return this.trigger.onElement(element, timestamp, window, this.context(window));
  }

  /** Moves the watermark to `time` and fires the event-time timers it reached, earliest first. */
  advanceWatermark(time: number): Array<[W, TriggerResult]> {
    this.watermark = time;
    return this.fire('event', time, (t) => this.trigger.onEventTime(t.time, t.window, this.context(t.window)));
  }

  /** Moves the clock to `time` and fires the processing-time timers it reached, earliest first. */
  advanceProcessingTime(time: number): Array<[W, TriggerResult]> {
    this.processingTime = time;
    return this.fire('processing', time, (t) => this.trigger.onProcessingTime(t.time, t.window, this.context(t.window)));
  }

  /** Calls `onEventTime` directly, as a cleanup timer would. */
  invokeOnEventTime(time: number, window: W): TriggerResult {
    return this.trigger.onEventTime(time, window, this.context(window));
  }

  /** `onMerge` into `target`, then `clear` for each merged window, as the window operator does. */
  mergeWindows(target: W, merged: readonly W[]): void {
    this.trigger.onMerge(target, this.mergeContext(target, merged));
    for (const w of merged) this.clearTriggerState(w);
  }

  clearTriggerState(window: W): void {
    this.trigger.clear(window, this.context(window));
  }

  numStateEntries(window?: W): number {
    const ns = window === undefined ? undefined : this.serializer.toNamespace(window);
    let n = 0;
    for (const byWindow of this.states.values()) {
      for (const [k, slot] of byWindow) if ((ns === undefined || k === ns) && !isEmpty(slot)) n++;
    }
    return n;
  }

  numEventTimeTimers(window?: W): number {
    return this.count('event', window);
  }

  numProcessingTimeTimers(window?: W): number {
    return this.count('processing', window);
  }

  /** The times of the pending timers of `window`, sorted. */
  timersOf(domain: Domain, window: W): number[] {
    const ns = this.serializer.toNamespace(window);
    return [...this.timers[domain].values()].filter((t) => this.serializer.toNamespace(t.window) === ns).map((t) => t.time).sort((a, b) => a - b);
  }

  private count(domain: Domain, window?: W): number {
    if (window === undefined) return this.timers[domain].size;
    return this.timersOf(domain, window).length;
  }

  private fire(domain: Domain, upTo: number, call: (t: Timer<W>) => TriggerResult): Array<[W, TriggerResult]> {
    const due = [...this.timers[domain].entries()].filter(([, t]) => t.time <= upTo).sort(([ka, a], [kb, b]) => a.time - b.time || (ka < kb ? -1 : 1));
    for (const [k] of due) this.timers[domain].delete(k);
    return due.map(([, t]) => [t.window, call(t)]);
  }

  private timerKey(window: W, time: number): string {
    return `${String(this.serializer.toNamespace(window))}@${time}`;
  }

  private context(window: W): TriggerContext {
    const ns = this.serializer.toNamespace(window);
    const register = (domain: Domain) => (time: number) => void this.timers[domain].set(this.timerKey(window, time), { time, window });
    const remove = (domain: Domain) => (time: number) => void this.timers[domain].delete(this.timerKey(window, time));
    return {
      getCurrentProcessingTime: () => this.processingTime,
      getCurrentWatermark: () => this.watermark,
      registerEventTimeTimer: register('event'),
      registerProcessingTimeTimer: register('processing'),
      deleteEventTimeTimer: remove('event'),
      deleteProcessingTimeTimer: remove('processing'),
      getPartitionedState: <D extends StateDescriptor>(d: D) => this.state(d, ns) as StateFor<D>,
    };
  }

  private mergeContext(target: W, merged: readonly W[]): OnMergeContext {
    const targetNs = this.serializer.toNamespace(target);
    return {
      ...this.context(target),
      mergePartitionedState: (d: MergingStateDescriptor) => {
        const byWindow = this.slots(d.name);
        let acc: Slot | undefined = byWindow.get(targetNs);
        for (const w of merged) {
          const ns = this.serializer.toNamespace(w);
          const source = byWindow.get(ns);
          if (ns === targetNs || source === undefined) continue;
          byWindow.delete(ns);
          if (isEmpty(source)) continue;
          acc = acc === undefined || isEmpty(acc) ? source : { value: mergeValues(d, acc.value, source.value) };
        }
        if (acc !== undefined) byWindow.set(targetNs, acc);
      },
    };
  }

  private slots(name: string): Map<WindowNamespace, Slot> {
    let m = this.states.get(name);
    if (!m) this.states.set(name, (m = new Map()));
    return m;
  }

  private state(d: StateDescriptor, ns: WindowNamespace): unknown {
    const byWindow = this.slots(d.name);
    const get = () => byWindow.get(ns)?.value;
    const set = (value: unknown) => void byWindow.set(ns, { value });
    const clear = () => void byWindow.delete(ns);
    switch (d.kind) {
      case 'value': {
        const desc = d as ValueStateDescriptor<unknown>;
        return { value: () => (byWindow.has(ns) ? get() : desc.defaultValue), update: set, clear };
      }
      case 'list': {
        const list = () => (get() as unknown[] | undefined) ?? [];
        return {
          get: list,
          add: (v: unknown) => set([...list(), v]),
          addAll: (vs: Iterable<unknown>) => set([...list(), ...vs]),
          update: (vs: Iterable<unknown>) => set([...vs]),
          clear,
        };
      }
      case 'map': {
        const map = () => {
          let m = get() as Map<unknown, unknown> | undefined;
          if (!m) set((m = new Map()));
          return m;
        };
        return {
          get: (k: unknown) => map().get(k),
          put: (k: unknown, v: unknown) => void map().set(k, v),
          putAll: (es: Iterable<readonly [unknown, unknown]>) => { for (const [k, v] of es) map().set(k, v); },
          remove: (k: unknown) => void map().delete(k),
          contains: (k: unknown) => map().has(k),
          entries: () => map().entries(),
          keys: () => map().keys(),
          values: () => map().values(),
          isEmpty: () => map().size === 0,
          clear,
        };
      }
      case 'reducing': {
        const reduce = (d as ReducingStateDescriptor<unknown>).reduceFunction;
        return { get, add: (v: unknown) => set(byWindow.has(ns) ? reduce(get(), v) : v), clear };
      }
      case 'aggregating': {
        const agg = (d as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction;
        return {
          get: () => (byWindow.has(ns) ? agg.getResult(get()) : undefined),
          add: (v: unknown) => set(agg.add(v, byWindow.has(ns) ? get() : agg.createAccumulator())),
          clear,
        };
      }
    }
  }
}

function isEmpty(slot: Slot): boolean {
  const v = slot.value;
  return (Array.isArray(v) && v.length === 0) || (v instanceof Map && v.size === 0);
}

function mergeValues(d: MergingStateDescriptor, a: unknown, b: unknown): unknown {
  switch (d.kind) {
    case 'list':
      return [...(a as unknown[]), ...(b as unknown[])];
    case 'reducing':
      return (d as ReducingStateDescriptor<unknown>).reduceFunction(a, b);
    case 'aggregating': {
      const merge = (d as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregateFunction.merge;
      if (!merge) throw new Error(`aggregating state '${d.name}' cannot merge without merge()`);
      return merge(a, b);
    }
  }
}
