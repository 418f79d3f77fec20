/**
 * A record's own copy, as Flink's type serializers make one (`TypeSerializer.copy`) where a
 * record is handed to an operator that must not share it: a new object of the same shape, with
 * nothing reachable from it shared with the original.
 *
 * - Primitives (numbers, strings, booleans, bigints, symbols, null, undefined) are returned as
 *   they are: they cannot be changed, so a copy would be indistinguishable. That is the fast path,
 *   one `typeof` test; functions are returned as they are too.
 * - Arrays, Maps, Sets and plain objects are copied deeply, entry by entry.
 * - An instance of a class keeps its class (Flink's PojoSerializer.copy makes a new instance of
 *   the record's class): a new object with the same prototype and its own enumerable properties
 *   copied deeply. The constructor is not called, and JavaScript's private fields (`#x`) cannot
 *   be reached from outside the class, so a class whose methods read them fails on the copy.
 * - Dates, typed arrays, Buffers, DataViews and ArrayBuffers get their own storage.
 * - What is not data — promises, errors, regular expressions, weak collections — is shared.
 *
 * A value that refers to itself (a cycle) is copied with the same cycle: past a depth no plain
 * record reaches, the copy starts over keeping track of what it copied.
 */
export function copyRecord<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return copyObject(value, 0, undefined) as T;
  } catch (err) {
    if (err !== TOO_DEEP) throw err;
    return copyObject(value, 0, new Map()) as T;
  }
}

/** Deeper than this the copy starts over tracking references: a cycle, or data unusually deep. */
const MAX_UNTRACKED_DEPTH = 64;
const TOO_DEEP = new Error('too deep to copy without tracking references');

/** What the copy shares rather than copies: objects whose state is not their own enumerable fields. */
const SHARED: ReadonlyArray<abstract new (...args: never[]) => object> = [Promise, Error, RegExp, WeakMap, WeakSet, WeakRef];

function copyValue(v: unknown, depth: number, seen: Map<object, unknown> | undefined): unknown {
  return typeof v !== 'object' || v === null ? v : copyObject(v, depth + 1, seen);
}

function copyObject(v: object, depth: number, seen: Map<object, unknown> | undefined): unknown {
  if (seen !== undefined) {
    const done = seen.get(v);
    if (done !== undefined) return done;
  } else if (depth > MAX_UNTRACKED_DEPTH) {
    throw TOO_DEEP;
  }
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    seen?.set(v, out);
    for (let i = 0; i < n; i++) {
      const x: unknown = v[i];
      out[i] = typeof x !== 'object' || x === null ? x : copyObject(x, depth + 1, seen);
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype) {
    if (seen === undefined) {
      const copy = copyByShape(v as Record<string, unknown>, plainShapes, null, depth);
      if (copy !== undefined) return copy;
    }
    return copyFields({ ...(v as Record<string, unknown>) }, v, depth, seen);
  }
  // A class seen before: its copiers (no built-in type gets one), without the tests below.
  const shapes = seen === undefined && proto !== null ? classShapes.get(proto as object) : undefined;
  if (shapes !== undefined) {
    const copy = copyByShape(v as Record<string, unknown>, shapes, proto as object, depth);
    if (copy !== undefined) return copy;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen?.set(v, out);
    for (const [k, x] of v) out.set(copyValue(k, depth, seen), copyValue(x, depth, seen));
    return keepClass(out, proto);
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    seen?.set(v, out);
    for (const x of v) out.add(copyValue(x, depth, seen));
    return keepClass(out, proto);
  }
  if (v instanceof Date) return keepClass(new Date(v.getTime()), proto);
  if (ArrayBuffer.isView(v)) return copyView(v);
  if (v instanceof ArrayBuffer) return v.slice(0);
  for (const type of SHARED) if (v instanceof type) return v;
  // A class instance (or an object without a prototype): same prototype, own fields copied.
  if (shapes === undefined && seen === undefined && proto !== null) {
    const fresh: ShapeCopier[] = [];
    classShapes.set(proto as object, fresh);
    const copy = copyByShape(v as Record<string, unknown>, fresh, proto as object, depth);
    if (copy !== undefined) return copy;
  }
  return copyFields(Object.assign(Object.create(proto as object | null) as Record<string, unknown>, v), v, depth, seen);
}

/**
 * `out`, a shallow copy of `original` (its own enumerable fields), with the fields that hold
 * objects replaced by their copies: the way for shapes without a copier.
 */
function copyFields(out: Record<string, unknown>, original: object, depth: number, seen: Map<object, unknown> | undefined): Record<string, unknown> {
  seen?.set(original, out);
  const keys = Object.keys(out);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = out[k];
    if (typeof x === 'object' && x !== null) out[k] = copyObject(x, depth + 1, seen);
  }
  return out;
}

/** A copier for one shape: objects with exactly these own fields, in this order. */
interface ShapeCopier {
  readonly keys: readonly string[];
  readonly copy: (v: Record<string, unknown>, depth: number) => Record<string, unknown>;
}

/**
 * Copiers made for the shapes met so far, with the field names written out: V8 then sees one
 * shape per copier, and a plain object is built as a literal. Measured on `{ key, amount }`, a
 * copy took ~70 ns as a spread and a scan of its fields for objects to copy deeply, far less
 * with a copier; a 7-field class instance ~20 ns against ~140 field by field through computed
 * names. A shape is known by its own keys (one `Object.keys` per copy); past
 * {@link MAX_SHAPES} shapes of one prototype the rest are copied field by field.
 */
const plainShapes: ShapeCopier[] = [];
const classShapes = new WeakMap<object, ShapeCopier[]>();
const MAX_SHAPES = 8;

/** `v` copied by the copier of its shape among `shapes` (one is made if there is room), or undefined. */
function copyByShape(v: Record<string, unknown>, shapes: ShapeCopier[], proto: object | null, depth: number): Record<string, unknown> | undefined {
  const keys = Object.keys(v);
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    if (sameKeys(keys, s.keys)) return s.copy(v, depth + 1);
  }
  // `__proto__` as a literal's field name would set the prototype instead.
  if (shapes.length >= MAX_SHAPES || keys.includes('__proto__')) return undefined;
  const made = newCopier(keys, proto);
  shapes.push(made);
  return made.copy(v, depth + 1);
}

/** What a copier calls for a field that holds an object (copiers only run without reference tracking). */
function copyNested(x: object, depth: number): unknown {
  return copyObject(x, depth, undefined);
}

function newCopier(keys: readonly string[], proto: object | null): ShapeCopier {
  // Field names go in as JSON string literals: any name is safe to write out.
  const fields = keys.map((k, i) => ({ name: JSON.stringify(k), value: `typeof x${i} === 'object' && x${i} !== null ? deep(x${i}, depth) : x${i}` }));
  const reads = fields.map((f, i) => `const x${i} = v[${f.name}];`).join(' ');
  const build =
    proto === null
      ? `return { ${fields.map((f) => `${f.name}: ${f.value}`).join(', ')} };`
      : `const o = Object.create(P); ${fields.map((f) => `o[${f.name}] = ${f.value};`).join(' ')} return o;`;
  const make = new Function('P', 'deep', `return function copyShape(v, depth) { ${reads} ${build} };`) as (p: object | null, deep: typeof copyNested) => ShapeCopier['copy'];
  return { keys: [...keys], copy: make(proto, copyNested) };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A subclass of Map, Set or Date keeps its prototype (and own fields are not copied: rare enough). */
function keepClass<T extends object>(out: T, proto: unknown): T {
  if (Object.getPrototypeOf(out) !== proto) Object.setPrototypeOf(out, proto as object | null);
  return out;
}

function copyView(v: ArrayBufferView): ArrayBufferView {
  if (v instanceof DataView) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  // Buffer#slice shares memory; Buffer.from copies.
  if (Buffer.isBuffer(v)) return Buffer.from(v);
  return (v as unknown as { slice(): ArrayBufferView }).slice();
}
