/**
 * `a.keyBy(k).intervalJoin(b.keyBy(k)).between(lower, upper).process(fn)` (Flink's
 * KeyedStream.IntervalJoin): joins each left element at t with the right elements of the same
 * key at [t + lower, t + upper], in event time.
 */
import { type OutputTag, OutputTag as OutputTagClass, type ProcessJoinFunction } from '../graph/index.js';
import { JobDefinitionError } from '../util/errors.js';
import { type DurationLike, durationToMillis } from '../util/time.js';
import { checkMethods, twoInputOperator } from './connected-streams.js';
import type { KeyedStream, SingleOutputStreamOperator } from './data-stream.js';

export class IntervalJoin<IN1, IN2, K> {
  /** Flink's TimeBehaviour: only event time can join; processing time is refused at `between`. */
  private eventTime = true;

  /** @internal */
  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
  ) {}

  /** Joins in event time (the default, and the only time an interval join supports). */
  inEventTime(): this {
    this.eventTime = true;
    return this;
  }

  /** As in Flink, accepted here and refused by `between`: an interval join needs event time. */
  inProcessingTime(): this {
    this.eventTime = false;
    return this;
  }

  /** Joins a left element at t with right elements at [t + lower, t + upper] (both inclusive unless made exclusive). */
  between(lower: DurationLike, upper: DurationLike): IntervalJoined<IN1, IN2, K> {
    if (!this.eventTime) throw new JobDefinitionError('Time-bounded stream joins are only supported in event time: remove inProcessingTime() from the interval join.');
    const lo = durationToMillis(lower, 'The lower bound of an interval join');
    const hi = durationToMillis(upper, 'The upper bound of an interval join');
    if (lo > hi) throw new JobDefinitionError(`The interval join's lower bound (${lo} ms) must not be above its upper bound (${hi} ms): lowerBound <= upperBound must be fulfilled.`);
    return new IntervalJoined(this.left, this.right, lo, hi);
  }
}

export class IntervalJoined<IN1, IN2, K> {
  private lowerInclusive = true;
  private upperInclusive = true;
  private leftLateTag: OutputTag<IN1> | undefined;
  private rightLateTag: OutputTag<IN2> | undefined;

  /** @internal */
  constructor(
    private readonly left: KeyedStream<IN1, K>,
    private readonly right: KeyedStream<IN2, K>,
    private readonly lower: number,
    private readonly upper: number,
  ) {}

  /** A right element exactly at t + lower no longer joins. */
  lowerBoundExclusive(): this {
    this.lowerInclusive = false;
    return this;
  }

  /** A right element exactly at t + upper no longer joins. */
  upperBoundExclusive(): this {
    this.upperInclusive = false;
    return this;
  }

  /** Left elements that arrive after the watermark passed them go to `tag` instead of being dropped. */
  sideOutputLeftLateData(tag: OutputTag<IN1>): this {
    if (!(tag instanceof OutputTagClass)) throw new TypeError('sideOutputLeftLateData needs an OutputTag.');
    this.leftLateTag = tag;
    return this;
  }

  /** Right elements that arrive after the watermark passed them go to `tag` instead of being dropped. */
  sideOutputRightLateData(tag: OutputTag<IN2>): this {
    if (!(tag instanceof OutputTagClass)) throw new TypeError('sideOutputRightLateData needs an OutputTag.');
    this.rightLateTag = tag;
    return this;
  }

  /** Calls `fn` for every joined pair; results carry the larger of the two timestamps. */
  process<R>(fn: ProcessJoinFunction<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    checkMethods(fn, ['processElement'], 'process');
    // Flink moves exclusive bounds by one so the operator only compares inclusively.
    const lowerBound = this.lowerInclusive ? this.lower : this.lower + 1;
    const upperBound = this.upperInclusive ? this.upper : this.upper - 1;
    return twoInputOperator<R>(
      this.left.getExecutionEnvironment(),
      this.left,
      this.right,
      'IntervalJoin',
      {
        kind: 'intervalJoin',
        fn: fn as ProcessJoinFunction<unknown, unknown, unknown>,
        lowerBound,
        upperBound,
        leftLateTag: this.leftLateTag as OutputTag<unknown> | undefined,
        rightLateTag: this.rightLateTag as OutputTag<unknown> | undefined,
      },
      true,
    );
  }
}
