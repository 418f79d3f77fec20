/**
 * A process function used on keyed input behaves as a keyed one (as in Flink): one without an
 * `onTimer` is given a no-op, so the keyed operator may call it for every timer that fires.
 */
export function withOnTimer<F extends object>(fn: F): F & { onTimer(...args: never[]): unknown } {
  const f = fn as F & { onTimer?: (...args: never[]) => unknown };
  if (typeof f.onTimer !== 'function') f.onTimer = () => {};
  return f as F & { onTimer(...args: never[]): unknown };
}
