/**
 * How a record is shown as text by `print()` and by sinks without an encoder: strings as they
 * are, other primitives with String(), objects and arrays as JSON (bigint as a number, Map and
 * Set as arrays of entries and values).
 */
export function formatRecord(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
    case 'symbol':
      return String(value);
    case 'function':
      return '[function]';
    default:
      if (value === null) return 'null';
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value, (_k, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (v instanceof Map) return [...v.entries()];
        if (v instanceof Set) return [...v.values()];
        return v;
      });
  }
}
