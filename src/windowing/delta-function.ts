import { describeArgument } from '../util/describe-argument.js';

/** The distance between two elements (Flink's DeltaFunction), for DeltaEvictor and DeltaTrigger. */
export interface DeltaFunction<T> {
  getDelta(oldDataPoint: T, newDataPoint: T): number;
}
/** What DeltaEvictor and DeltaTrigger take: a {@link DeltaFunction} or a plain function. */
export type DeltaFunctionLike<T> = DeltaFunction<T> | ((oldDataPoint: T, newDataPoint: T) => number);

/** Checks the arguments of a delta evictor or trigger (`what` names it) and returns the delta as a plain function. */
export function deltaOf<T>(threshold: number, deltaFunction: DeltaFunctionLike<T>, what: string): (oldDataPoint: T, newDataPoint: T) => number {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new TypeError(`${what}.of needs a numeric threshold, got ${describeArgument(threshold)}.`);
  if (typeof deltaFunction === 'function') return deltaFunction;
  if (deltaFunction !== null && typeof deltaFunction === 'object' && typeof deltaFunction.getDelta === 'function') return (a, b) => deltaFunction.getDelta(a, b);
  throw new TypeError(`${what}.of needs a delta function (oldDataPoint, newDataPoint) => number.`);
}
