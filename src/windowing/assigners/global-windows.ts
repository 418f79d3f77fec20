import { GlobalWindow, GlobalWindowSerializer } from '../global-window.js';
import { EndOfStreamTrigger, NeverTrigger } from '../triggers/global-window-triggers.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.js';

/**
 * Puts every element of a key into the one {@link GlobalWindow} (Flink's GlobalWindows). By
 * default it never fires: give it a trigger (e.g. `CountTrigger`), or use
 * `createWithEndOfStreamTrigger()` to fire once when the input ends.
 */
export class GlobalWindows extends WindowAssigner<unknown, GlobalWindow> {
  private static readonly WINDOWS: readonly GlobalWindow[] = [GlobalWindow.get()];

  private constructor(private readonly defaultTrigger: Trigger<unknown, GlobalWindow>) {
    super();
  }

  /** All elements in one window that never fires by itself. */
  static create(): GlobalWindows {
    return new GlobalWindows(NeverTrigger.INSTANCE);
  }

  /** All elements in one window that fires when the input ends. */
  static createWithEndOfStreamTrigger(): GlobalWindows {
    return new GlobalWindows(EndOfStreamTrigger.INSTANCE);
  }

  assignWindows(_element: unknown, _timestamp: number, _context: WindowAssignerContext): readonly GlobalWindow[] {
    // The same array every time: callers only read it.
    return GlobalWindows.WINDOWS;
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return this.defaultTrigger;
  }

  isEventTime(): boolean {
    return false;
  }

  getWindowSerializer(): WindowSerializer<GlobalWindow> {
    return GlobalWindowSerializer.INSTANCE;
  }

  override toString(): string {
    return `GlobalWindows(trigger=${String(this.defaultTrigger)})`;
  }
}
