/**
 * What a window operator is made of, as the API records it (plain data, like every
 * transformation). The assigner, trigger and evictor live in `windowing/`, above this part, so
 * they are opaque objects here; the runtime reads them with their types.
 */
import type { AggregateFunction } from '../state/index.js';
import type { ReduceFunctionLike } from './functions.js';
import type { OutputTag } from './output-tag.js';
import type { AllWindowFunctionOrLambda, ProcessAllWindowFunction, ProcessWindowFunction, WindowFunctionLike } from './window-functions.js';

/**
 * How a window keeps its contents: every element (`process`, `apply`, and any window with an
 * evictor), or one value per key and window folded as elements arrive (`reduce`, `aggregate`).
 * With an evictor the elements are kept and folded when the window fires, as in Flink.
 */
export type WindowContentsSpec =
  | { readonly kind: 'elements' }
  | { readonly kind: 'reduce'; readonly fn: ReduceFunctionLike<unknown> }
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunction<unknown, unknown, unknown> };

/** The function a firing window's contents go through: a window function, or none (the folded value itself is the result). */
export type WindowFunctionSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'process'; readonly fn: ProcessWindowFunction<unknown, unknown, unknown, unknown> }
  | { readonly kind: 'processAll'; readonly fn: ProcessAllWindowFunction<unknown, unknown, unknown> }
  | { readonly kind: 'apply'; readonly fn: WindowFunctionLike<unknown, unknown, unknown, unknown> }
  | { readonly kind: 'applyAll'; readonly fn: AllWindowFunctionOrLambda<unknown, unknown, unknown> };

/**
 * What the assigner's windows are, as data (the assigner is opaque here): what a restore
 * compares with a snapshot's window state, and names to the user when they differ.
 */
export interface AssignedWindows {
  /** The id of the assigner's window serializer, which turns its windows into state namespaces (`TimeWindow.start/1000`). */
  readonly encoding: string;
  /** The assigner merges windows (sessions). */
  readonly merging: boolean;
  /** The windows as a user would name them: `10 s tumbling event-time windows`. */
  readonly shape: string;
}

/** A window operator: Flink's WindowOperator, or EvictingWindowOperator when there is an evictor. */
export interface WindowOperatorSpec {
  /** A `WindowAssigner`. */
  readonly assigner: object;
  /** What the assigner's windows are (windowing's `assignedWindows(assigner)`). */
  readonly windows: AssignedWindows;
  /** A `Trigger`. */
  readonly trigger: object;
  /** An `Evictor`, if any. */
  readonly evictor: object | undefined;
  /** Milliseconds, ≥ 0. */
  readonly allowedLateness: number;
  /** Where late elements go; without one they are dropped and counted. */
  readonly lateDataTag: OutputTag<unknown> | undefined;
  readonly contents: WindowContentsSpec;
  readonly function: WindowFunctionSpec;
}
