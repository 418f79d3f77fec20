/** The metadata tests' database files: fresh flink.db paths, and the schema version a file records. */
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { tempRoot } from '../helpers/temp-root.js';

/** Returns a function giving a new flink.db path (its directory not yet created) on each call. */
export function freshDbPaths(prefix: string): () => string {
  const root = tempRoot(prefix);
  let n = 0;
  return () => path.join(root, `db-${n++}`, 'flink.db');
}

/** `PRAGMA user_version` of the database file, read over a connection of its own. */
export function userVersionOf(file: string): unknown {
  const check = new BetterSqlite3(file);
  try {
    return check.pragma('user_version', { simple: true });
  } finally {
    check.close();
  }
}
