/**
 * The JdbcSink's target table: identifiers, whether the table fits the sink (a pure check over
 * what the catalog says, each misfit one line naming it and what to do), and the statements
 * that write a batch.
 */
import { FlinkError, SinkTargetError } from '../util/errors.js';

/** A column as the catalog describes it. */
export interface CatalogColumn {
  readonly name: string;
  /** `format_type(...)`, e.g. `bigint`, `character varying(20)`. */
  readonly type: string;
  readonly notNull: boolean;
  /** Has a default, or is an identity or generated column. */
  readonly filledByServer: boolean;
  readonly generated: boolean;
}

/** What the catalog says of the table; `columns` undefined when it does not exist. */
export interface CatalogTable {
  readonly columns: readonly CatalogColumn[] | undefined;
  /** Column sets of the table's unique indexes (non-partial, on plain columns). */
  readonly uniqueKeys: readonly (readonly string[])[];
}

/** Which table a sink writes and how. */
export interface TableTarget {
  /** `name` or `schema.name`. */
  readonly table: string;
  readonly columns: readonly string[];
  readonly upsertKey?: readonly string[];
}

/**
 * An error of the JdbcSink's configuration or of its target that retrying cannot fix: the job
 * fails at once, without going through its restart strategy.
 */
export class JdbcSinkError extends SinkTargetError {
  constructor(code: string, message: string) {
    super(`connector.jdbc.${code}`, message);
  }
}

/**
 * The server cannot be used right now — it is down or restarting, or another run of the job is
 * still connected — which a restart may get past: the job goes through its restart strategy.
 */
export class JdbcSinkUnavailableError extends FlinkError {
  constructor(code: string, message: string) {
    super(`connector.jdbc.${code}`, message);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A quoted identifier (names are case-sensitive, as written). */
export function quoteIdent(name: string, what: string): string {
  if (!IDENT.test(name)) throw new TypeError(`JdbcSink: ${what} '${name}' is not a plain SQL identifier (letters, digits, _).`);
  return `"${name}"`;
}

/** `"schema"."name"` or `"name"`. */
export function quoteTable(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2) throw new TypeError(`JdbcSink: table '${table}' must be 'name' or 'schema.name'.`);
  return parts.map((p) => quoteIdent(p, 'table')).join('.');
}

/** Checks the sink's own options (before any connection). */
export function checkTarget(t: TableTarget): void {
  quoteTable(t.table);
  if (t.columns.length === 0) throw new TypeError('JdbcSink needs at least one column.');
  const seen = new Set<string>();
  for (const c of t.columns) {
    quoteIdent(c, 'column');
    if (seen.has(c)) throw new TypeError(`JdbcSink: column '${c}' is listed twice.`);
    seen.add(c);
  }
  for (const k of t.upsertKey ?? []) {
    if (!seen.has(k)) throw new TypeError(`JdbcSink: upsert key '${k}' is not one of the columns (${t.columns.join(', ')}).`);
  }
  if (t.upsertKey && t.upsertKey.length === 0) throw new TypeError('JdbcSink: upsertKey, when given, needs at least one column.');
}

/**
 * Whether the table fits: it exists, has every column, every NOT NULL column it has without a
 * default is written, no generated column is, and an upsert key has a unique index to conflict on.
 *
 * @throws JdbcSinkError naming the first misfit
 */
export function checkTableFits(t: TableTarget, catalog: CatalogTable, database: string): readonly CatalogColumn[] {
  const table = quoteTable(t.table);
  const cols = catalog.columns;
  if (!cols) {
    throw new JdbcSinkError(
      'tableMissing',
      `JdbcSink: table ${table} does not exist in database "${database}"; create it first (e.g. CREATE TABLE ${table} (${t.columns.map((c) => `"${c}" …`).join(', ')})).`,
    );
  }
  const byName = new Map(cols.map((c) => [c.name, c]));
  const missing = t.columns.filter((c) => !byName.has(c));
  if (missing.length > 0) {
    throw new JdbcSinkError(
      'columnMismatch',
      `JdbcSink: table ${table} has no column ${missing.map((c) => `"${c}"`).join(', ')} (its columns: ${cols.map((c) => c.name).join(', ')}); make the sink's columns match the table.`,
    );
  }
  const generated = t.columns.filter((c) => byName.get(c)!.generated);
  if (generated.length > 0) {
    throw new JdbcSinkError('columnMismatch', `JdbcSink: column ${generated.map((c) => `"${c}"`).join(', ')} of table ${table} is generated and cannot be written; leave it out of the sink's columns.`);
  }
  const unfilled = cols.filter((c) => c.notNull && !c.filledByServer && !t.columns.includes(c.name));
  if (unfilled.length > 0) {
    throw new JdbcSinkError(
      'columnMismatch',
      `JdbcSink: table ${table} needs a value for NOT NULL column ${unfilled.map((c) => `"${c.name}"`).join(', ')}, which the sink does not write; add it to the sink's columns or give it a default.`,
    );
  }
  const key = t.upsertKey;
  if (key && !catalog.uniqueKeys.some((u) => u.length === key.length && key.every((k) => u.includes(k)))) {
    throw new JdbcSinkError(
      'noUniqueKey',
      `JdbcSink: upsert key (${key.join(', ')}) needs a primary key or unique index on exactly these columns of table ${table}; add one (e.g. ALTER TABLE ${table} ADD PRIMARY KEY (${key.map((k) => `"${k}"`).join(', ')})).`,
    );
  }
  return t.columns.map((c) => byName.get(c)!);
}

/** Reads the catalog: columns and unique keys of `table` (as `to_regclass` resolves it). */
export const CATALOG_QUERIES = {
  columns: `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
      (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS "filledByServer", a.attgenerated <> '' AS generated
    FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  exists: 'SELECT to_regclass($1) IS NOT NULL AS exists',
  uniqueKeys: `SELECT array_agg(a.attname::text ORDER BY a.attname) AS columns
    FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
    WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
    GROUP BY i.indexrelid`,
} as const;

/** `COPY "t" ("a", "b") FROM STDIN`: plain inserts. */
export function copyStatement(t: TableTarget): string {
  return `COPY ${quoteTable(t.table)} (${t.columns.map((c) => quoteIdent(c, 'column')).join(', ')}) FROM STDIN`;
}

/**
 * The upsert of a batch: one array parameter per column, unnested; of rows with the same key
 * the last one wins (PostgreSQL refuses to update one row twice in a statement).
 */
export function upsertStatement(t: TableTarget, columns: readonly CatalogColumn[]): string {
  const key = t.upsertKey!;
  const q = (c: string) => quoteIdent(c, 'column');
  const cols = t.columns.map(q).join(', ');
  const arrays = columns.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const keys = key.map(q).join(', ');
  const rest = t.columns.filter((c) => !key.includes(c));
  const action = rest.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${rest.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}`;
  return (
    `INSERT INTO ${quoteTable(t.table)} (${cols}) ` +
    `SELECT DISTINCT ON (${keys}) ${cols} FROM unnest(${arrays}) WITH ORDINALITY AS u(${cols}, "_fts_ord") ` +
    `ORDER BY ${keys}, "_fts_ord" DESC ON CONFLICT (${keys}) ${action}`
  );
}
