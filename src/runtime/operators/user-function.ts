import { type RichFunction, checkpointedFunctionOf } from '../../graph/index.js';
import { UserCodeError } from '../../util/errors.js';
import type { OperatorContext } from './stream-operator.js';

/** Wraps an error thrown by user code with the operator's name, once. */
export function userError(operatorName: string, err: unknown): UserCodeError {
  return err instanceof UserCodeError ? err : new UserCodeError(operatorName, err);
}

/** Runs the start-up of a user function: runtime context, operator state, then `open`. */
export async function openUserFunction(fn: unknown, ctx: OperatorContext): Promise<void> {
  if (typeof fn !== 'object' || fn === null) return;
  try {
    const rich = fn as RichFunction;
    rich.setRuntimeContext?.(ctx.runtimeContext);
    // After setRuntimeContext: a wrapper (a window join's) makes its subtask's copy of the function it wraps there.
    checkpointedFunctionOf(fn)?.initializeState({
      isRestored: () => ctx.operatorStateStore.isRestored,
      getOperatorStateStore: () => ctx.operatorStateStore.forUserCode(),
    });
    await rich.open?.({ attemptNumber: ctx.info.attemptNumber });
  } catch (err) {
    // Open is where restored state is registered: name the uid it is matched by.
    throw err instanceof UserCodeError ? err : new UserCodeError(ctx.node.name, err, ctx.node.uid);
  }
}

/** Runs `close` of a user function. */
export async function closeUserFunction(fn: unknown, operatorName: string): Promise<void> {
  if (typeof fn !== 'object' || fn === null) return;
  try {
    await (fn as RichFunction).close?.();
  } catch (err) {
    throw userError(operatorName, err);
  }
}

/** Turns a plain function or an object with method `method` into a callable. */
export function toCallable<F extends (...args: never[]) => unknown>(fn: unknown, method: string): F {
  if (typeof fn === 'function') return fn as F;
  const m = (fn as Record<string, unknown> | null)?.[method];
  if (typeof m !== 'function') throw new TypeError(`Expected a function or an object with a ${method}() method.`);
  return m.bind(fn) as F;
}

/**
 * Gives a parallel subtask its own instance of a function object, as Flink does by
 * deserializing the function per subtask: same prototype, own fields copied (plain data
 * deeply, anything else by reference). Plain arrow functions are shared as they are.
 */
export function instantiateUserFunction<F>(fn: F): F {
  if (typeof fn !== 'object' || fn === null) return fn;
  const copy = Object.create(Object.getPrototypeOf(fn) as object) as Record<string, unknown>;
  for (const key of Object.keys(fn)) {
    copy[key] = copyField((fn as Record<string, unknown>)[key]);
  }
  return copy as F;
}

function copyField(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const proto = Object.getPrototypeOf(v) as unknown;
  const plain = proto === Object.prototype || proto === null || Array.isArray(v) || v instanceof Map || v instanceof Set || v instanceof Date;
  if (!plain) return v;
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}
