/**
 * When a window is evaluated (Flink's Trigger). The window operator calls a trigger for every
 * element added to a window and for every timer the trigger registered, and acts on the
 * {@link TriggerResult}. A trigger is shared by all keys and windows: it keeps what it needs in
 * the partitioned state of its context, never in fields.
 */
import type { MergingStateDescriptor, StateFor } from '../../graph/keyed-state-store.js';
import type { StateDescriptor } from '../../state/index.js';
import type { Window } from '../window.js';
import { TriggerResult } from './trigger-result.js';

/**
 * What a trigger may do, scoped to the current key and window: read the clocks, register and
 * delete timers (a timer fires `onProcessingTime`/`onEventTime` once for this key and window;
 * registering the same time twice is one timer), and use state of this key and window.
 */
export interface TriggerContext {
  getCurrentProcessingTime(): number;
  /** The operator's current watermark (`MIN_TIMESTAMP` before the first). */
  getCurrentWatermark(): number;
  registerProcessingTimeTimer(time: number): void;
  /** Fires when the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  /** State of the current key and window, e.g. a `ReducingState` for a descriptor of one. */
  getPartitionedState<D extends StateDescriptor>(descriptor: D): StateFor<D>;
}

/** The context of {@link Trigger.onMerge}: its window is the merge result. */
export interface OnMergeContext extends TriggerContext {
  /**
   * Merges the state of `descriptor` from the windows being merged into the merge result's
   * (lists concatenate, reducing and aggregating states combine); the merged windows' state of
   * this descriptor is gone afterwards.
   */
  mergePartitionedState(descriptor: MergingStateDescriptor): void;
}

/**
 * Decides when a window fires and purges. Methods run synchronously on the task's thread.
 *
 * @example
 * class EveryTen extends Trigger<unknown, GlobalWindow> {
 *   private readonly count = new ReducingStateDescriptor<number>('count', (a, b) => a + b);
 *   onElement(_e: unknown, _ts: number, _w: GlobalWindow, ctx: TriggerContext) {
 *     const n = ctx.getPartitionedState(this.count);
 *     n.add(1);
 *     if ((n.get() ?? 0) < 10) return TriggerResult.CONTINUE;
 *     n.clear();
 *     return TriggerResult.FIRE_AND_PURGE;
 *   }
 *   clear(_w: GlobalWindow, ctx: TriggerContext) { ctx.getPartitionedState(this.count).clear(); }
 * }
 */
export abstract class Trigger<T, W extends Window> {
  /** Called for every element added to `window`. */
  abstract onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  /**
   * Called when a processing-time timer this trigger registered for `window` fires. The default
   * (for triggers that register none) continues.
   */
  onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  /**
   * Called when an event-time timer this trigger registered for `window` fires. The default (for
   * triggers that register none) continues.
   */
  onEventTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  /** True if the trigger can merge its state; required by merging (session) assigners. */
  canMerge(): boolean {
    return false;
  }

  /**
   * Called when windows merged into `window`: merge the trigger's state and re-register the
   * timers the merged window needs. Afterwards `clear` is called for each merged window.
   */
  onMerge(_window: W, _ctx: OnMergeContext): void {
    throw new Error(`${this.constructor.name} does not support merging (canMerge() is false).`);
  }

  /**
   * Called when the window is removed: delete its timers and its partitioned state.
   */
  abstract clear(window: W, ctx: TriggerContext): void;

  /**
   * How messages name the trigger: its class. The built-in ones add their settings; a custom one
   * would otherwise read `[object Object]` in an error about it (a session window refusing it).
   */
  toString(): string {
    return this.constructor.name || 'a custom Trigger';
  }
}
