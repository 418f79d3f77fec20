/**
 * A trigger that gives one fixed answer to every element and timer, for tests of what wraps or
 * runs a trigger (Flink's FireEverytime… and fixed-result test triggers).
 */
import { Trigger, type TriggerResult, type Window } from '../../src/windowing/index.js';

export class ConstantTrigger<W extends Window = Window> extends Trigger<unknown, W> {
  constructor(private readonly result: TriggerResult) {
    super();
  }
  onElement(): TriggerResult {
    return this.result;
  }
  override onEventTime(): TriggerResult {
    return this.result;
  }
  override onProcessingTime(): TriggerResult {
    return this.result;
  }
  clear(): void {}
}
