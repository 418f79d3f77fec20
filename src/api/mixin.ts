/**
 * A second base class for a class that already extends one: `applyMixin(Target, Mixin)` puts
 * Mixin's methods on Target's prototype, and `interface Target<...> extends Mixin<...> {}` beside
 * the class gives its type the same methods (TypeScript's declaration-merging mixin).
 */
type AnyClass = abstract new (...args: never[]) => unknown;

export function applyMixin(target: AnyClass, mixin: AnyClass): void {
  for (const name of Object.getOwnPropertyNames(mixin.prototype)) {
    if (name !== 'constructor') Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(mixin.prototype, name)!);
  }
}
