import type { SinkProcessingTimeService } from '../../src/index.js';

/**
 * A sink writer's processing-time service whose time moves only when told (Flink's
 * ManuallyTriggeredProcessingTimeService): `advanceTo` fires the timers due by then, in time
 * order, each at its own time.
 */
export class ManualProcessingTime implements SinkProcessingTimeService {
  private timers: { time: number; callback: (t: number) => void }[] = [];

  constructor(public now = 0) {}

  getCurrentProcessingTime(): number {
    return this.now;
  }

  registerProcessingTimer(time: number, callback: (t: number) => void): void {
    this.timers.push({ time, callback });
  }

  advanceTo(to: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.time - b.time);
      const next = this.timers[0];
      if (!next || next.time > to) break;
      this.timers.shift();
      this.now = next.time;
      next.callback(next.time);
    }
    this.now = to;
  }
}
