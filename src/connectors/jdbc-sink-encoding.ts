/**
 * How the JdbcSink's row values travel to PostgreSQL: as COPY text (plain inserts), or as the
 * text elements of one array parameter per column (upserts through `unnest`). Both spell a value
 * the same way, so a row means the same whichever way it goes: dates as ISO 8601 in UTC, bytes
 * as bytea hex, booleans as t/f.
 */
import { describeValue } from './table-sink-options.js';

/** A value of one column. */
export type JdbcValue = string | number | bigint | boolean | null | Date | Uint8Array;

/** The text PostgreSQL reads for `v`; null for SQL NULL. */
export function textOf(v: JdbcValue | undefined): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'undefined':
      return null;
    default:
      if (v === null) return null;
      if (v instanceof Date) return v.toISOString();
      if (v instanceof Uint8Array) return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  }
  throw new TypeError(
    `JdbcSink: toRow returned ${describeValue(v)}; a column value must be a string, number, bigint, boolean, Date, Uint8Array or null.`,
  );
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field of COPY's text format. */
function copyField(v: JdbcValue | undefined): string {
  const t = textOf(v);
  if (t === null) return '\\N';
  return COPY_SPECIAL.test(t) ? t.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : t;
}

/** Rows in COPY's text format: tab-separated fields, one line per row. */
export function copyText(rows: readonly (readonly JdbcValue[])[]): string {
  let out = '';
  for (const row of rows) {
    for (let c = 0; c < row.length; c++) out += (c === 0 ? '' : '\t') + copyField(row[c]);
    out += '\n';
  }
  return out;
}

/** The rows as one array of texts per column (`columns` wide). */
export function columnArrays(rows: readonly (readonly JdbcValue[])[], columns: number): (string | null)[][] {
  const out: (string | null)[][] = Array.from({ length: columns }, () => new Array<string | null>(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < columns; c++) out[c]![r] = textOf(row[c]);
  }
  return out;
}
