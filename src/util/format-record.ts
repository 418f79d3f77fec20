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
      // A replacer is a call back into JS for every key and value (≈3× the cost of the whole
      // stringify); most records hold none of what it converts, and a JS walk to find out is cheap.
      return isPlainJson(value, 0) ? JSON.stringify(value) : JSON.stringify(value, convert);
  }
}

function convert(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return [...v.entries()];
  if (v instanceof Set) return [...v.values()];
  return v;
}

/** True if JSON.stringify alone gives what `convert` would: no bigint, Map or Set anywhere. */
function isPlainJson(v: unknown, depth: number): boolean {
  if (typeof v === 'bigint') return false;
  if (typeof v !== 'object' || v === null) return true;
  if (depth > 64 || v instanceof Map || v instanceof Set) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isPlainJson(v[i], depth + 1)) return false;
    return true;
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  for (const k in v) if (!isPlainJson((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}
