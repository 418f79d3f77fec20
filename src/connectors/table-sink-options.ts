/** What the sinks that write records as rows of a SQL table (SqliteSink, JdbcSink) are told alike. */
export interface TableSinkOptions<T, V> {
  /** The table rows go into. */
  readonly table: string;
  /** The columns written, in `toRow` order. */
  readonly columns: readonly string[];
  /** Turns a record into the values of one row, in `columns` order. */
  readonly toRow: (element: T) => readonly V[];
  /** Upsert: replace the row with the same values in these columns instead of inserting. */
  readonly upsertKey?: readonly string[];
}

/**
 * `row` as `toRow` returned it, checked to be an array of one value per column: a row of another
 * width would fail only when its checkpoint commits, over and over after every restore.
 */
export function checkRowWidth<V>(sink: string, row: readonly V[], columns: readonly string[]): readonly V[] {
  if (!Array.isArray(row) || row.length !== columns.length) {
    throw new TypeError(
      `${sink}: toRow returned ${Array.isArray(row) ? `${row.length} values` : 'no array'} for the ${columns.length} columns (${columns.join(', ')}).`,
    );
  }
  return row;
}

/** What a column value that a sink cannot store is, for its error message. */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' && v !== null ? `an object (${(v as object).constructor?.name ?? 'no prototype'})` : `a ${typeof v}`;
}
