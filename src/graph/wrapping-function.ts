import { hasMethods } from '../util/has-methods.js';
import { type CheckpointedFunction, type CheckpointListener, isCheckpointedFunction } from './functions.js';

/**
 * A function the API puts around the user's own (Flink's WrappingFunction): the window function
 * of a window join or coGroup, around the JoinFunction or CoGroupFunction. It forwards the rich
 * lifecycle itself; the checkpoint hooks the engine finds by looking through it (below), as
 * Flink's StreamingFunctionUtils does, so a wrapper needs no method per hook.
 */
export interface WrappingFunction {
  getWrappedFunction(): unknown;
}

function isWrappingFunction(f: unknown): f is WrappingFunction {
  return hasMethods(f, 'getWrappedFunction');
}

/** The first of `fn` and the functions it wraps, through any number of wrappers, that `has` accepts; undefined if none. */
function unwrapTo<T>(fn: unknown, has: (f: unknown) => f is T): T | undefined {
  for (let f = fn; ; f = f.getWrappedFunction()) {
    if (has(f)) return f;
    if (!isWrappingFunction(f)) return undefined;
  }
}

/** The CheckpointedFunction `fn` is or wraps: the one whose operator state is snapshotted and restored. */
export function checkpointedFunctionOf(fn: unknown): CheckpointedFunction | undefined {
  return unwrapTo(fn, isCheckpointedFunction);
}

/**
 * The function `fn` is or wraps that has CheckpointListener's method `hook`. Flink tells only an
 * operator's outermost function, so a wrapped one there never hears of checkpoints' ends; here it
 * does, as every other function.
 */
export function checkpointListenerOf(fn: unknown, hook: keyof CheckpointListener): Partial<CheckpointListener> | undefined {
  return unwrapTo(fn, (f): f is Partial<CheckpointListener> => hasMethods(f, hook));
}
