import { echo } from './sanitize.js';

/**
 * A value an API was given, as its error message shows it. A number shows as itself; anything
 * else says what it is, so that a string read from `process.argv` ('5') is not shown as the
 * number it looks like — "must be a positive integer, got 5" reads as a contradiction.
 *
 * @example describeArgument('5') // "the string '5'"
 */
export function describeArgument(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'undefined':
      return String(value);
    case 'string':
      return `the string '${echo(value)}'`;
    case 'bigint':
      return `the bigint ${value}n`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return value === null ? 'null' : `an object (${(value as object).constructor?.name ?? 'Object'})`;
  }
}
