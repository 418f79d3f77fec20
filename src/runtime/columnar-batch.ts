import type { Packr } from 'msgpackr';
import { MIN_TIMESTAMP } from '../util/time.js';
import { RecordBatch } from './channel-events.js';

/*
 * Record batches laid out as columns in one buffer, for the records most jobs move between
 * threads: numbers, or plain objects of one shape (the same fields in the same order). A
 * numeric field becomes a column written and read as a typed array — int32s where every value
 * is one (V8 then keeps the decoded field unboxed), else float64s; numeric keys, key groups and
 * timestamps likewise; what is not a number (a string field, a nested object, string keys) goes
 * into one MessagePack section beside them. Encoding a keyed batch of
 * `{ key, amount }` this way costs about a fifth, decoding about a quarter, of MessagePack
 * records with keys and key groups as arrays (bench/experiments/channel-codec.ts), and the
 * keyed count on two workers spent a third of its time there.
 *
 * A float64 keeps every number as it is (-0, NaN, the infinities; MessagePack writes -0 as 0).
 * Values that are not objects
 * of one shape — strings, class instances, objects of different shapes or of more than
 * MAX_FIELDS fields, or with a field named `__proto__` (which a decoder's assignment would turn
 * into a prototype) — go as one column: numeric if all are numbers, else in MessagePack as
 * before, their keys and key groups still as typed arrays.
 *
 * Layout (byte offsets; typed arrays in the platform's byte order, both ends being one process):
 *   0       format byte (the caller's), 1 flags, 2–3 unused
 *   4–19    u32 records, u32 float64s, u32 int32s, u32 bytes of the MessagePack section
 *   24      float64s: the float columns (fields in order, then the keys), then the timestamps
 *   …       int32s: the int columns (fields in order, then the keys)
 *   …       u16 key groups (max parallelism ≤ 32768 keeps them in 16 bits)
 *   …       MessagePack: [fields | null, each column's kind (fields, then keys), the packed columns]
 */

/** The most fields an object may have to go as columns (a decoder makes each record with one store per field). */
export const MAX_FIELDS = 16;
const HEADER = 24;
const KEYED = 1;
const TIMESTAMPS = 4;
/** The values are one column (numbers, or anything MessagePack holds), not fields of objects. */
const WHOLE = 8;

type Column = ArrayLike<unknown>;

let scratch = new Float64Array(4096);
let intScratch = new Int32Array(4096);

function scratchOf(size: number): Float64Array {
  if (scratch.length < size) scratch = new Float64Array(Math.max(size, scratch.length * 2));
  return scratch;
}

function intScratchOf(size: number): Int32Array {
  if (intScratch.length < size) intScratch = new Int32Array(Math.max(size, intScratch.length * 2));
  return intScratch;
}

/**
 * A plain object: its constructor is `Object` (as MessagePack, msgpackr, tells one), or failing
 * that its prototype is `Object.prototype` (a record with a field of its own named
 * `constructor`, e.g. parsed JSON). The constructor first, since comparing prototypes
 * (`Object.getPrototypeOf`) was a tenth of encoding a batch. An object that passes with an
 * unusual prototype still travels right: an inherited enumerable field makes `for…in` list more
 * fields than the first record's, so the batch goes whole.
 */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  return (v as { constructor?: unknown }).constructor === Object || Object.getPrototypeOf(v) === Object.prototype;
}

/** The fields of `v` if it is a plain object this layout can hold as columns. */
function fieldsOf(v: unknown): string[] | undefined {
  if (!isPlainObject(v)) return undefined;
  const fields = Object.keys(v);
  const f = fields.length;
  return f === 0 || f > MAX_FIELDS || fields.includes('__proto__') ? undefined : fields;
}

/** How a column (of a field, or the keys) travels. */
const PACKED = 0;
const FLOAT = 1;
const INT = 2;

/**
 * Where the encoder collects columns: numbers in scratch areas, column c of n at c·n, until a
 * value that is not a number turns up in a column, which then becomes an array of its own. Each
 * number is stored both as a float64 and as an int32 while the column's kind is open, so the
 * kind is known when the last value is in (no second pass to test each) and either copy goes
 * out as it is (no conversion of each value).
 */
class ColumnsBuilder {
  readonly cols: Float64Array;
  readonly ints: Int32Array;
  /** 1 for a column holding a number that is not an int32 (or is -0). */
  readonly notInt: Uint8Array;
  readonly other: (unknown[] | undefined)[];
  constructor(
    readonly n: number,
    columns: number,
  ) {
    this.cols = scratchOf(columns * n);
    this.ints = intScratchOf(columns * n);
    this.notInt = new Uint8Array(columns);
    this.other = new Array<unknown[] | undefined>(columns).fill(undefined);
  }

  put(c: number, at: number, x: unknown): void {
    const o = this.other[c];
    if (o !== undefined) o.push(x);
    else if (typeof x === 'number') {
      const i = c * this.n + at;
      this.cols[i] = x;
      this.ints[i] = x;
      if ((x | 0) !== x || (x === 0 && 1 / x < 0)) this.notInt[c] = 1;
    } else {
      const arr: unknown[] = [];
      for (let j = 0; j < at; j++) arr.push(this.cols[c * this.n + j]);
      arr.push(x);
      this.other[c] = arr;
    }
  }

  /** How column `c` travels. */
  kindOf(c: number): number {
    return this.other[c] !== undefined ? PACKED : this.notInt[c] === 1 ? FLOAT : INT;
  }
}

/**
 * Fills columns 0…f-1 with the fields of every value; false as soon as a value is not a plain
 * object with exactly `fields` in order. One for…in per value checks its shape and reads each
 * field once (V8 reads them through the shape's enum cache: loading by a name from a list costs
 * ~9 ns a field more). Numbers go straight into the scratch areas, through locals, until some
 * column turns out not to be numeric (then every value goes through `put`). These are `put`'s
 * own stores, repeated here: `put` taking this path itself measured slower (36–55 ns a record
 * against ~31). Encoding a batch of the keyed count's `{ key, amount }` took 4–5% less time
 * than with every value through `put` (both builds alternating in one process, median of 25
 * rounds' ratios, three processes). Most of what is left is the for…in (~8 ns a record for two
 * fields, against ~1.4 for reading them by name), which is what checks every record's shape.
 */
function putFields(batches: readonly RecordBatch[], fields: readonly string[], into: ColumnsBuilder): boolean {
  const f = fields.length;
  const n = into.n;
  const cols = into.cols;
  const ints = into.ints;
  const notInt = into.notInt;
  const other = into.other;
  let packed = false;
  let at = 0;
  for (const b of batches) {
    const values = b.values;
    for (let i = 0; i < values.length; i++, at++) {
      const v = values[i];
      if (!isPlainObject(v)) return false;
      let c = 0;
      for (const k in v) {
        if (c === f || k !== fields[c]) return false;
        const x = v[k];
        if (typeof x === 'number' && !packed) {
          const j = c * n + at;
          cols[j] = x;
          ints[j] = x;
          if ((x | 0) !== x || (x === 0 && 1 / x < 0)) notInt[c] = 1;
        } else {
          into.put(c, at, x);
          packed = other[c] !== undefined || packed;
        }
        c++;
      }
      if (c !== f) return false;
    }
  }
  return true;
}

/** Fills column 0 with the values themselves. */
function putWhole(batches: readonly RecordBatch[], into: ColumnsBuilder): void {
  let at = 0;
  for (const b of batches) {
    const values = b.values;
    for (let i = 0; i < values.length; i++) into.put(0, at++, values[i]);
  }
}

/**
 * Encodes a run of batches (all keyed or none) as one columnar buffer whose byte 0 is `format`
 * (undefined for no records). Throws what MessagePack throws for a value it cannot hold as
 * plain data (a RangeError for one that refers to itself).
 */
export function encodeColumns(batches: readonly RecordBatch[], format: number, packr: Packr): Uint8Array | undefined {
  let n = 0;
  let timed = false;
  for (const b of batches) {
    n += b.values.length;
    if (b.timestamps !== undefined) timed = true;
  }
  if (n === 0) return undefined;
  const keyed = batches[0]!.keys !== undefined;
  // Values as fields of one shape if the first is an object; as one column if not, or if a
  // later value turns out to be of another shape.
  let fields = fieldsOf(batches[0]!.values[0]);
  let f = fields === undefined ? 1 : fields.length;
  let builder = new ColumnsBuilder(n, f + 1);
  if (fields !== undefined && !putFields(batches, fields, builder)) {
    fields = undefined;
    f = 1;
    builder = new ColumnsBuilder(n, 2);
  }
  if (fields === undefined) putWhole(batches, builder);
  if (keyed) {
    let at = 0;
    for (const b of batches) {
      const keys = b.keys!;
      for (let i = 0; i < keys.length; i++) builder.put(f, at++, keys[i]);
    }
  }
  const { cols, ints: intCols, other } = builder;
  const columns = keyed ? f + 1 : f;
  const kinds: number[] = [];
  let floats = timed ? n : 0;
  let ints = 0;
  for (let c = 0; c < columns; c++) {
    const kind = builder.kindOf(c);
    kinds.push(kind);
    if (kind === FLOAT) floats += n;
    else if (kind === INT) ints += n;
  }
  const meta = packr.pack([fields ?? null, kinds, other.filter((o) => o !== undefined)]);

  const intsAt = HEADER + floats * 8;
  const groupsAt = intsAt + ints * 4;
  const metaAt = groupsAt + (keyed ? n * 2 : 0);
  const bytes = new Uint8Array(metaAt + meta.length);
  bytes[0] = format;
  bytes[1] = (keyed ? KEYED : 0) | (timed ? TIMESTAMPS : 0) | (fields === undefined ? WHOLE : 0);
  const header = new Uint32Array(bytes.buffer, 4, 4);
  header[0] = n;
  header[1] = floats;
  header[2] = ints;
  header[3] = meta.length;
  const floatOut = new Float64Array(bytes.buffer, HEADER, floats);
  const intOut = new Int32Array(bytes.buffer, intsAt, ints);
  let fw = 0;
  let iw = 0;
  for (let c = 0; c < columns; c++) {
    if (kinds[c] === FLOAT) {
      floatOut.set(cols.subarray(c * n, (c + 1) * n), fw);
      fw += n;
    } else if (kinds[c] === INT) {
      intOut.set(intCols.subarray(c * n, (c + 1) * n), iw);
      iw += n;
    }
  }
  if (timed) {
    for (const b of batches) {
      const ts = b.timestamps;
      const m = b.values.length;
      if (ts === undefined) floatOut.fill(MIN_TIMESTAMP, fw, fw + m);
      else for (let i = 0; i < m; i++) floatOut[fw + i] = ts[i]!;
      fw += m;
    }
  }
  if (keyed) {
    const groups = new Uint16Array(bytes.buffer, groupsAt, n);
    let g = 0;
    for (const b of batches) {
      const kg = b.keyGroups!;
      for (let i = 0; i < kg.length; i++) groups[g++] = kg[i]!;
    }
  }
  bytes.set(meta, metaAt);
  return bytes;
}

/** Decodes a buffer made by {@link encodeColumns}. */
export function decodeColumns(input: Uint8Array, packr: Packr): RecordBatch {
  // Float64 views need 8-byte alignment: a buffer that arrived over a port starts at 0.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const flags = bytes[1]!;
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset + 4, 4);
  const n = header[0]!;
  const floats = header[1]!;
  const ints = header[2]!;
  const metaLength = header[3]!;
  const keyed = (flags & KEYED) !== 0;
  const timed = (flags & TIMESTAMPS) !== 0;
  const intsAt = HEADER + floats * 8;
  const groupsAt = intsAt + ints * 4;
  const metaAt = groupsAt + (keyed ? n * 2 : 0);
  const floatIn = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER, floats);
  const intIn = new Int32Array(bytes.buffer, bytes.byteOffset + intsAt, ints);
  const [fields, kinds, others] = packr.unpack(bytes.subarray(metaAt, metaAt + metaLength)) as [string[] | null, number[], unknown[][]];

  let fr = 0;
  let ir = 0;
  let o = 0;
  const columns: Column[] = [];
  for (const kind of kinds) {
    if (kind === FLOAT) {
      columns.push(floatIn.subarray(fr, fr + n));
      fr += n;
    } else if (kind === INT) {
      columns.push(intIn.subarray(ir, ir + n));
      ir += n;
    } else columns.push(others[o++]!);
  }
  const keys = keyed ? columns.pop() : undefined;
  const values = fields !== null ? makeRecords(n, fields.map(interned), columns) : kinds[0] === PACKED ? (columns[0] as unknown[]) : toArray(columns[0]!, n);
  const timestamps = timed ? floatIn.subarray(fr, fr + n) : undefined;
  const keyGroups = keyed ? new Uint16Array(bytes.buffer, bytes.byteOffset + groupsAt, n) : undefined;
  return new RecordBatch(values, keys, keyGroups, timestamps);
}

/** Field names as V8's own (internalized) strings, by name; cleared if jobs make very many. */
const names = new Map<string, string>();

/**
 * `name` as an internalized string. A name fresh from MessagePack is a string of its own:
 * storing a property by it makes V8 look it up in its string table each time (27 ns a record
 * for two fields, against 5 with the internalized name).
 */
function interned(name: string): string {
  let own = names.get(name);
  if (own === undefined) {
    if (names.size >= 4096) names.clear();
    own = Object.keys({ [name]: 0 })[0]!;
    names.set(name, own);
  }
  return own;
}

function toArray(column: Column, n: number): unknown[] {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = column[i];
  return out;
}

/**
 * The records, each a fresh plain object with `fields` in order. One store per field into a new
 * object, with the names held in locals: V8 makes all of them one hidden class, at about 6 ns a
 * record for two fields (a loop over the names costs five times that).
 */
function makeRecords(n: number, fields: readonly string[], columns: readonly Column[]): unknown[] {
  const out = new Array<unknown>(n);
  switch (fields.length) {
    case 1: {
      const [a] = fields as [string];
      const [x] = columns as [Column];
      for (let i = 0; i < n; i++) {
        const r: Record<string, unknown> = {};
        r[a] = x[i];
        out[i] = r;
      }
      return out;
    }
    case 2: {
      const [a, b] = fields as [string, string];
      const [x, y] = columns as [Column, Column];
      for (let i = 0; i < n; i++) {
        const r: Record<string, unknown> = {};
        r[a] = x[i];
        r[b] = y[i];
        out[i] = r;
      }
      return out;
    }
    case 3: {
      const [a, b, c] = fields as [string, string, string];
      const [x, y, z] = columns as [Column, Column, Column];
      for (let i = 0; i < n; i++) {
        const r: Record<string, unknown> = {};
        r[a] = x[i];
        r[b] = y[i];
        r[c] = z[i];
        out[i] = r;
      }
      return out;
    }
    case 4: {
      const [a, b, c, d] = fields as [string, string, string, string];
      const [x, y, z, u] = columns as [Column, Column, Column, Column];
      for (let i = 0; i < n; i++) {
        const r: Record<string, unknown> = {};
        r[a] = x[i];
        r[b] = y[i];
        r[c] = z[i];
        r[d] = u[i];
        out[i] = r;
      }
      return out;
    }
    default:
      for (let i = 0; i < n; i++) {
        const r: Record<string, unknown> = {};
        for (let c = 0; c < fields.length; c++) r[fields[c]!] = columns[c]![i];
        out[i] = r;
      }
      return out;
  }
}
