import type { Database } from 'better-sqlite3';
import { MetadataError } from '../util/errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema.js';

/** The schema version recorded in the database file (0 for a new file). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` up to {@link SCHEMA_VERSION}. Each pending migration and its version bump run
 * in one IMMEDIATE transaction, and the version is re-read inside it, so several processes
 * opening a fresh database at once apply each migration exactly once.
 *
 * @throws MetadataError if the file was written by a newer flink-ts.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const target = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  // Fast path without a write lock: every later open of an up-to-date database.
  if (schemaVersion(db) === target) return;
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
    checkNotNewer(current, target, file);
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is a trusted integer.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }
  });
  apply.immediate();
}

/** Throws unless the database's schema is exactly the one this code knows (read-only opens). */
export function checkSchemaCurrent(db: Database, file: string): void {
  const current = schemaVersion(db);
  checkNotNewer(current, SCHEMA_VERSION, file);
  if (current < SCHEMA_VERSION) {
    throw new MetadataError(
      `Cannot read ${file}: its schema (version ${current}) is older than this flink-ts expects (version ${SCHEMA_VERSION}). Run any flink command that writes (e.g. 'flink run') to upgrade it.`,
    );
  }
}

function checkNotNewer(current: number, target: number, file: string): void {
  if (current > target) {
    throw new MetadataError(
      `Cannot use ${file}: it was written by a newer flink-ts (schema version ${current}, this one knows ${target}). Upgrade flink-ts or set FLINK_TS_HOME to another directory.`,
    );
  }
}
