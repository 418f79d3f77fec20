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
