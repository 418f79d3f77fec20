import { type TimeWindow, TimeWindowStartSerializer } from '../time-window.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { WindowAssigner, type WindowAssignerContext } from './window-assigner.js';
import type { WindowTime } from './window-time.js';

/**
 * What tumbling and sliding windows share: a size and an offset, windows named by their start,
 * and the element's time on the assigner's clock.
 */
export abstract class FixedSizeTimeWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly serializer: TimeWindowStartSerializer;

  protected constructor(
    protected readonly name: string,
    private readonly time: WindowTime,
    protected readonly size: number,
    protected readonly offset: number,
  ) {
    super();
    this.serializer = new TimeWindowStartSerializer(size);
  }

  /** The windows holding `time`, as a read-only array the assigner may hand out again. */
  protected abstract windowsAt(time: number): readonly TimeWindow[];

  assignWindows(_element: unknown, timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowsAt(this.time.timeOf(timestamp, context, this.name));
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return this.time.defaultTrigger();
  }

  isEventTime(): boolean {
    return this.time.isEventTime;
  }

  getSize(): number {
    return this.size;
  }

  getOffset(): number {
    return this.offset;
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return this.serializer;
  }

  override toString(): string {
    return `${this.name}(${this.size})`;
  }
}
