import { copyRecord } from '../util/copy-record.js';

/**
 * Where an operator sends its results: the next chained operator, a record writer, or several.
 * A record's timestamp is not an argument: it is the task's {@link RecordContext} slot.
 * Watermarks and idleness go to every output, in order with the records.
 */
export interface Output<T> {
  collect(value: T): void;
  /** Event time has reached `timestamp`: no more records at or below it are expected. */
  emitWatermark(timestamp: number): void;
  /** This output goes idle (`true`: no records or watermarks for now) or active again. */
  emitWatermarkStatus(idle: boolean): void;
}

/** Sends every record and watermark to each of several outputs (a node feeding several operators). */
export class BroadcastingOutput<T> implements Output<T> {
  constructor(private readonly outputs: readonly Output<T>[]) {}
  collect(value: T): void {
    for (const o of this.outputs) o.collect(value);
  }
  emitWatermark(timestamp: number): void {
    for (const o of this.outputs) o.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    for (const o of this.outputs) o.emitWatermarkStatus(idle);
  }
}

/**
 * In front of a chained operator while object reuse is off (`pipeline.object-reuse: false`, the
 * default): the operator gets its own copy of each record (Flink's CopyingChainingOutput), so
 * what it keeps or changes is not what the operator before it keeps changing (a function that
 * reuses one output object), nor what another operator fed by the same output sees (a fan-out:
 * each of its chained outputs copies, as each of Flink's does). Primitives pass as they are.
 */
export class CopyingChainedOutput<T> implements Output<T> {
  constructor(readonly operator: Output<T>) {}
  collect(value: T): void {
    this.operator.collect(typeof value !== 'object' || value === null ? value : copyRecord(value));
  }
  emitWatermark(timestamp: number): void {
    this.operator.emitWatermark(timestamp);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.operator.emitWatermarkStatus(idle);
  }
}

/** Drops everything; the output of a sink or of an operator nobody reads. */
export const discardingOutput: Output<unknown> = { collect: () => {}, emitWatermark: () => {}, emitWatermarkStatus: () => {} };

/** Combines outputs into one. */
export function combineOutputs<T>(outputs: readonly Output<T>[]): Output<T> {
  if (outputs.length === 0) return discardingOutput;
  if (outputs.length === 1) return outputs[0]!;
  return new BroadcastingOutput(outputs);
}

/**
 * Records to `main` only; watermarks and idleness to the side outputs too. What a source's
 * chain starts with: a source sends no records to side outputs, but `getSideOutput(tag)` of it
 * is a stream, and as in Flink (where watermarks go to every output of an operator) its readers'
 * event time moves with the source's instead of standing still until the end of input.
 */
export function withWatermarksToSides<T>(main: Output<T>, sides: readonly Output<unknown>[]): Output<T> {
  if (sides.length === 0) return main;
  const all = [main, ...sides];
  return {
    collect: (value) => main.collect(value),
    emitWatermark: (timestamp) => {
      for (const o of all) o.emitWatermark(timestamp);
    },
    emitWatermarkStatus: (idle) => {
      for (const o of all) o.emitWatermarkStatus(idle);
    },
  };
}
