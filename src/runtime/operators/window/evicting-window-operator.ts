/**
 * Flink's EvictingWindowOperator: a window operator whose windows keep every element with its
 * timestamp, so an evictor can remove some before and after the window function runs. With
 * `reduce`/`aggregate` the remaining elements are folded when the window fires (Flink's
 * ReduceApplyProcessWindowFunction and InternalAggregateProcessWindowFunction).
 */
import type { WindowOperatorSpec } from '../../../graph/index.js';
import { type ListState, ListStateDescriptor, type StateDescriptor } from '../../../state/index.js';
import { type Evictor, type EvictorContext, TimestampedValue, type Window } from '../../../windowing/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { type Fold, type InternalWindowFunction, foldOf } from './internal-window-function.js';
import { WindowContentsSerializer } from './window-contents-state.js';
import { WINDOW_CONTENTS_STATE, WindowOperator } from './window-operator.js';

/** An element as the window keeps it: plain data, so it snapshots and restores as it was. */
export type StoredElement = [value: unknown, timestamp: number];

export class EvictingWindowOperator<W extends Window = Window> extends WindowOperator<W> {
  private readonly evictor: Evictor<unknown, W>;
  private readonly fold: Fold | undefined;
  private readonly evictorContext: EvictorContext;

  constructor(ctx: OperatorContext, spec: WindowOperatorSpec, windowFunction: InternalWindowFunction<W>) {
    super(ctx, spec, windowFunction);
    const services = this.services;
    this.evictor = spec.evictor as Evictor<unknown, W>;
    this.fold = foldOf(spec.contents);
    this.evictorContext = {
      getCurrentProcessingTime: () => services.timerService.currentProcessingTime(),
      getCurrentWatermark: () => services.timerService.currentWatermark(),
    };
  }

  protected override contentsDescriptor(): StateDescriptor {
    return new ListStateDescriptor<StoredElement>(WINDOW_CONTENTS_STATE).setSerializer(new WindowContentsSerializer({ windows: this.serializer.id, timestamped: true, shape: this.spec.windows.shape }));
  }

  private get elements(): ListState<StoredElement> {
    return this.contents.state as unknown as ListState<StoredElement>;
  }

  protected override addElement(value: unknown, timestamp: number): void {
    this.elements.add([value, timestamp]);
  }

  protected override addElementIfPresent(value: unknown, timestamp: number): boolean {
    const element: StoredElement = [value, timestamp];
    return this.contents.state.addIfPresent!(element);
  }

  protected override fire(window: W): void {
    const stored = this.elements.get();
    if (stored.length === 0) return;
    const elements = stored.map(([v, t]) => new TimestampedValue(v, t));
    this.evictor.evictBefore(elements, elements.length, window, this.evictorContext);
    const values = elements.map((e) => e.value);
    const contents = this.fold ? this.fold(values) : values;
    // A reduce of nothing (everything evicted) has no result (Flink would hand the function null).
    if (contents !== undefined) this.emitWindowContents(window, contents);
    this.evictor.evictAfter(elements, elements.length, window, this.evictorContext);
    this.elements.update(elements.map((e): StoredElement => [e.value, e.timestamp]));
  }
}
