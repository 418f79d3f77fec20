/**
 * The field a field aggregation (`sum`, `min`, …) reads and replaces, as Flink's field
 * expressions and FieldAccessors name it: a property name of an object record, a position of a
 * tuple (array) record — by number or, as Flink names a Tuple's fields, `'f1'` — `0` or `'*'`
 * for a record that is itself the value, and — as Flink's `"stats.count"` — a dotted path into
 * nested objects and tuples (`'stats.count'`, `'pos.1'`, `'pos.f1'`). A property whose own name
 * has a dot cannot be named, as in Flink.
 */

/** Field values of the kind `V`: how a path may go on below a value that is not one. */
type Nested<F, V, D extends number> = F extends V ? never : F extends (...args: never[]) => unknown ? never : F extends Date ? never : F extends object ? PathOf<F, V, D> : never;

/** One level less of nesting (paths go four levels deep, which keeps the types quick to check). */
type Less = [never, 0, 1, 2, 3];

type TupleFields<T extends readonly unknown[], V, D extends number> = {
  [I in keyof T]: I extends `${infer N extends number}`
    ? (T[I] extends V ? N | `f${N}` : never) | (Nested<T[I], V, Less[D]> extends infer P extends string | number ? `${N}.${P}` | `f${N}.${P}` : never)
    : never;
}[number];

type ObjectFields<T, V, D extends number> = {
  [P in keyof T & string]: (T[P] extends V ? P : never) | (Nested<T[P], V, Less[D]> extends infer Q extends string | number ? `${P}.${Q}` : never);
}[keyof T & string];

type PathOf<T, V, D extends number> = [D] extends [never] ? never : T extends readonly unknown[] ? TupleFields<T, V, D> : T extends object ? ObjectFields<T, V, D> : never;

/**
 * The fields of `T` whose values are `V`: property names, tuple positions, dotted paths into
 * nested objects and tuples, or `0` / `'*'` for a `V` itself.
 */
export type FieldOf<T, V> = T extends V ? 0 | '*' : PathOf<T, V, 4>;

/** A field, parsed once when the stream is defined: the steps from the record to the value. */
export interface FieldPath {
  /** The field as the user gave it, for messages. */
  readonly name: string;
  readonly steps: readonly (string | number)[];
  /**
   * For each step, the tuple position it names in a tuple (an array): a number's own, `'1'`'s or
   * Flink's Tuple field name `'f1'`'s; -1 for a name no tuple has. Worked out once, not per record.
   */
  readonly positions: readonly number[];
  /** `0` (or `'0'`) and `'*'` select a record that is itself a value (`'*'` only that). */
  readonly whole: boolean;
}

/** Parses a field argument when the stream is defined; a malformed one is refused there. */
export function parseFieldPath(field: unknown, what: string): FieldPath {
  if (typeof field === 'number' && Number.isSafeInteger(field) && field >= 0) return { name: String(field), steps: [field], positions: [field], whole: field === 0 };
  if (typeof field === 'string' && field.length > 0) {
    const name = JSON.stringify(field);
    if (field === '*') return { name, steps: [], positions: [], whole: true };
    const steps = field.split('.');
    if (steps.every((s) => s.length > 0 && s !== '*')) return { name, steps, positions: steps.map(tuplePosition), whole: field === '0' };
    throw new TypeError(`${what}(${name}) is not a field expression: the parts between dots need names or positions.`);
  }
  throw new TypeError(`${what}(field) needs a field name or a tuple position (a whole number ≥ 0), got ${String(field)}.`);
}

/** The tuple position a step names: `'2'` or Flink's `'f2'`; -1 for any other name. */
function tuplePosition(step: string): number {
  const m = /^f?(0|[1-9][0-9]*)$/.exec(step);
  return m === null ? -1 : Number(m[1]);
}

/** Where `step` (the i-th of `path`) leads in `node`: a tuple's position, else the property. */
function key(node: object, path: FieldPath, i: number): string | number {
  return Array.isArray(node) && path.positions[i]! >= 0 ? path.positions[i]! : path.steps[i]!;
}

/** Whether `v` has fields (an object or a tuple), rather than being a value itself. */
function hasFields(v: unknown): v is Record<string | number, unknown> {
  return typeof v === 'object' && v !== null && !(v instanceof Date);
}

/** The value at `path` in `record`; a path that does not lead to a value fails with a message naming it. */
export function getField(record: unknown, path: FieldPath, what: string): unknown {
  if (path.whole && !hasFields(record)) return record;
  let v: unknown = record;
  for (let i = 0; i < path.steps.length; i++) {
    if (!hasFields(v)) {
      const where = v === record ? 'a record that is' : 'a record with, on the way to it,';
      throw new TypeError(`${what}(${path.name}) got ${where} ${describeValue(v)}, not an object or a tuple with that field.`);
    }
    v = v[key(v, path, i)];
  }
  if (v === undefined || path.steps.length === 0) throw new TypeError(`${what}(${path.name}): a record has no field ${path.name}.`);
  return v;
}

/** A copy of `record` with the value at `path` replaced: new objects along the path, the rest shared. */
export function setField<T>(record: T, path: FieldPath, value: unknown): T {
  if (path.whole && !hasFields(record)) return value as T;
  return setAt(record, path, 0, value) as T;
}

function setAt(v: unknown, path: FieldPath, i: number, value: unknown): unknown {
  const node = v as Record<string | number, unknown>;
  const step = key(node, path, i);
  const copy = shallowCopy(node);
  copy[step] = i === path.steps.length - 1 ? value : setAt(node[step], path, i + 1, value);
  return copy;
}

/** A tuple as a new array; an object with its own prototype, so a class instance stays one. */
function shallowCopy(node: Record<string | number, unknown>): Record<string | number, unknown> {
  if (Array.isArray(node)) return node.slice() as unknown as Record<number, unknown>;
  const proto = Object.getPrototypeOf(node) as object | null;
  return proto === Object.prototype ? { ...node } : Object.assign(Object.create(proto) as object, node);
}

export function describeValue(v: unknown): string {
  return v === null ? 'null' : v instanceof Date ? 'a date' : typeof v;
}
