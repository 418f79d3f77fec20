import type { Collector, IntervalJoinSpec, OutputTag, ProcessJoinContext, ProcessJoinFunction } from '../../../graph/index.js';
import { type KeyedStateBackend, MapStateDescriptor, type StateTable } from '../../../state/index.js';
import { UserCodeError } from '../../../util/errors.js';
import { MIN_TIMESTAMP } from '../../../util/time.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { sideOutputEmitter } from '../side-output.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

const CLEANUP_LEFT = 'CLEANUP_LEFT';
const CLEANUP_RIGHT = 'CLEANUP_RIGHT';

/**
 * Each side's buffer, per key: timestamp → the elements of that timestamp, in arrival order. The
 * values of a MapState, used through its table: an element costs one read of each side's map and
 * one write of its own, where the MapState calls would read its own map three times.
 */
type Buffer = StateTable<Map<number, unknown[]>>;

/**
 * `a.keyBy(k).intervalJoin(b.keyBy(k)).between(lower, upper)` (Flink's IntervalJoinOperator):
 * every element is buffered per key and timestamp and joined with the other side's buffered
 * elements whose timestamps lie within its bounds (a left element at t with right elements in
 * [t + lower, t + upper]; a right one at t with left ones in [t − upper, t − lower]). A pair's
 * timestamp is the larger of the two. An element earlier than the watermark is late: it goes to
 * its side's late output, if set, or is dropped. A cleanup timer per element removes its bucket
 * once the watermark has passed the last time it could still join.
 */
export class IntervalJoinOperator extends TwoInputStreamOperator implements Triggerable {
  private readonly fn: ProcessJoinFunction<unknown, unknown, unknown>;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private readonly leftLateTag: OutputTag<unknown> | undefined;
  private readonly rightLateTag: OutputTag<unknown> | undefined;
  private backend!: KeyedStateBackend;
  private leftBuffer!: Buffer;
  private rightBuffer!: Buffer;
  private readonly context: ProcessJoinContext;
  private leftTimestamp = MIN_TIMESTAMP;
  private rightTimestamp = MIN_TIMESTAMP;
  private resultTimestamp = MIN_TIMESTAMP;
  /** The element {@link joinBucket} joins: its value, timestamp, side, and the other side's bounds for it. */
  private readonly scan = { value: undefined as unknown, timestamp: 0, from: 0, to: 0, isLeft: true };

  constructor(ctx: OperatorContext, spec: IntervalJoinSpec) {
    super(ctx, spec.fn);
    this.fn = spec.fn;
    this.lowerBound = spec.lowerBound;
    this.upperBound = spec.upperBound;
    this.leftLateTag = spec.leftLateTag;
    this.rightLateTag = spec.rightLateTag;
    this.context = {
      getLeftTimestamp: () => this.leftTimestamp,
      getRightTimestamp: () => this.rightTimestamp,
      getTimestamp: () => this.resultTimestamp,
      output: sideOutputEmitter(ctx),
    };
  }

  override open(): Promise<void> {
    this.backend = this.ctx.keyedBackend!;
    this.leftBuffer = this.bufferTable('_intervalJoinLeft');
    this.rightBuffer = this.bufferTable('_intervalJoinRight');
    return super.open();
  }

  private bufferTable(name: string): Buffer {
    this.backend.getOrCreateState(new MapStateDescriptor<number, unknown[]>(name));
    return this.backend.stateTables().get(name)!.table as Buffer;
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    this.processElement(value, this.leftBuffer, this.rightBuffer, this.lowerBound, this.upperBound, true);
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    this.processElement(value, this.rightBuffer, this.leftBuffer, -this.upperBound, -this.lowerBound, false);
  }

  private processElement(value: unknown, ours: Buffer, other: Buffer, relativeLower: number, relativeUpper: number, isLeft: boolean): void {
    const rc = this.ctx.recordContext;
    const ts = rc.timestamp;
    if (ts === MIN_TIMESTAMP) {
      throw new UserCodeError(
        this.name,
        new Error(
          'Elements used in interval stream joins need to have meaningful timestamps: this one has none. Give the inputs timestamps with a WatermarkStrategy (fromSource or assignTimestampsAndWatermarks).',
        ),
      );
    }
    if (this.isLate(ts)) {
      const tag = isLeft ? this.leftLateTag : this.rightLateTag;
      if (tag) this.ctx.sideOutput(tag)?.collect(value);
      return;
    }
    const kg = this.backend.currentKeyGroup;
    const mk = this.backend.currentMapKey;
    const buffered = ours.get(kg, mk);
    if (buffered === undefined) ours.set(kg, mk, new Map<number, unknown[]>().set(ts, [value]));
    else {
      const bucket = buffered.get(ts);
      if (bucket) bucket.push(value);
      else buffered.set(ts, [value]);
      ours.set(kg, mk, buffered);
    }

    const others = other.get(kg, mk);
    if (others !== undefined) {
      const scan = this.scan;
      scan.value = value;
      scan.timestamp = ts;
      scan.from = ts + relativeLower;
      scan.to = ts + relativeUpper;
      scan.isLeft = isLeft;
      others.forEach(this.joinBucket);
      scan.value = undefined;
    }
    rc.timestamp = ts;
    const cleanupTime = relativeUpper > 0 ? ts + relativeUpper : ts;
    this.ctx.timerService!.registerEventTimeTimer(isLeft ? CLEANUP_LEFT : CLEANUP_RIGHT, cleanupTime);
  }

  private isLate(timestamp: number): boolean {
    const watermark = this.currentWatermark;
    return watermark !== MIN_TIMESTAMP && timestamp < watermark;
  }

  /**
   * Joins the element being processed ({@link scan}) with one bucket of the other side, if its
   * timestamp is within bounds. One function for the operator's life, its arguments in fields:
   * iterating a Map's entries with `for…of` allocated an entry array per bucket (and closures
   * per element would allocate too), a fifth of what the join allocated per element.
   */
  private readonly joinBucket = (elements: unknown[], otherTs: number): void => {
    const s = this.scan;
    if (otherTs < s.from || otherTs > s.to) return;
    for (let i = 0; i < elements.length; i++) {
      if (s.isLeft) this.collectPair(s.value, elements[i], s.timestamp, otherTs);
      else this.collectPair(elements[i], s.value, otherTs, s.timestamp);
    }
  };

  /** Calls the join function with the pair's timestamp in the slot (restored by the caller). */
  private collectPair(left: unknown, right: unknown, leftTs: number, rightTs: number): void {
    const result = leftTs > rightTs ? leftTs : rightTs;
    this.ctx.recordContext.timestamp = result;
    this.leftTimestamp = leftTs;
    this.rightTimestamp = rightTs;
    this.resultTimestamp = result;
    try {
      this.fn.processElement(left, right, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  onEventTime(timer: InternalTimer): void {
    const t = timer.timestamp;
    if (timer.namespace === CLEANUP_LEFT) this.removeBucket(this.leftBuffer, this.upperBound <= 0 ? t : t - this.upperBound);
    else if (timer.namespace === CLEANUP_RIGHT) this.removeBucket(this.rightBuffer, this.lowerBound <= 0 ? t + this.lowerBound : t);
    else throw new Error(`internal: invalid interval join timer namespace ${String(timer.namespace)}`);
  }

  /** Drops the current key's elements at `timestamp` from `buffer` (and the key's map once empty). */
  private removeBucket(buffer: Buffer, timestamp: number): void {
    const kg = this.backend.currentKeyGroup;
    const mk = this.backend.currentMapKey;
    const buffered = buffer.get(kg, mk);
    if (!buffered?.delete(timestamp)) return;
    if (buffered.size === 0) buffer.delete(kg, mk);
    else buffer.set(kg, mk, buffered);
  }

  onProcessingTime(): void {}
}
