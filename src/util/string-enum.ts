/**
 * Flink's string-valued enums (`CheckpointingMode.EXACTLY_ONCE`) as TypeScript has them without
 * `enum`: a frozen object whose every value is its own name, and the union of those values.
 *
 * @example
 * export const Mode = stringEnum('FAST', 'SAFE');
 * export type Mode = EnumValue<typeof Mode>; // 'FAST' | 'SAFE'
 */
export function stringEnum<const K extends string>(...names: K[]): { readonly [P in K]: P } {
  return Object.freeze(Object.fromEntries(names.map((n) => [n, n]))) as { readonly [P in K]: P };
}

/** The union of an enum object's values. */
export type EnumValue<E> = E[keyof E];
