/**
 * True if `x` is an object with a function under each of `names`: how a user's object shows
 * that it implements one of the engine's interfaces (there are no runtime interfaces to check).
 */
export function hasMethods(x: unknown, ...names: readonly string[]): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const record = x as Record<string, unknown>;
  return names.every((name) => typeof record[name] === 'function');
}
