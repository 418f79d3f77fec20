import * as fs from 'node:fs';
import * as path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { FlinkError, MetadataError } from '../util/errors.js';
import { checkSchemaCurrent, migrate } from './migrations.js';
import { makeDirectoriesSync } from '../util/make-directories.js';

/** Owner-only: job history names files, arguments and failure stacks. */
const FILE_MODE = 0o600;
/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed, unless read-only) the SQLite database at `file` with the
 * settings every process must share: WAL so readers never block the writer, NORMAL sync (safe
 * under WAL; a power cut may lose the last commits, never corrupt), a busy timeout so
 * concurrent writers queue instead of failing, and foreign keys. Applies migrations.
 *
 * @throws MetadataError with one line naming the file and what to do.
 */
export function openDatabase(file: string, readonly: boolean): Database {
  const abs = path.resolve(file);
  let db: Database | undefined;
  try {
    if (!readonly) createPrivateFile(abs);
    else if (!fs.existsSync(abs)) throw new MetadataError(`Cannot open ${abs}: no job history has been recorded there yet.`);
    db = new BetterSqlite3(abs, { readonly, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (readonly) {
      checkSchemaCurrent(db, abs);
    } else {
      enableWal(db);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, abs);
      restrictPermissions(abs);
    }
    return db;
  } catch (err) {
    db?.close();
    throw openError(abs, err);
  }
}

/** Creates `file` with mode 0600 (and its directory with 0700) before SQLite does with 0644. */
function createPrivateFile(file: string): void {
  makeDirectoriesSync(path.dirname(file), 0o700);
  fs.closeSync(fs.openSync(file, 'a', FILE_MODE));
}

/**
 * Switching to WAL needs a moment of exclusive access. When several processes open a fresh
 * database at once, SQLite may refuse the switch (returning the old mode) or fail it with
 * SQLITE_BUSY without consulting the busy handler, so retry for up to the busy timeout.
 */
function enableWal(db: Database): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    let mode = '';
    try {
      mode = String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase();
      if (mode === 'wal') return;
    } catch (err) {
      if (!(isSqliteError(err) && err.code.startsWith('SQLITE_BUSY')) || Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new MetadataError(`could not switch to WAL mode (journal mode is ${mode})`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + Math.random() * 20);
  }
}

/** Tightens the database and its WAL/SHM side files to 0600 where we own them. */
function restrictPermissions(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o777) !== FILE_MODE) fs.chmodSync(f, FILE_MODE);
    } catch {
      // Missing side file, or owned by another user (shared home): nothing we can or should do.
    }
  }
}

const MOVE_ASIDE = 'Move it aside to start with a fresh job history.';

/** One line for a failure to open `file`. */
function openError(file: string, err: unknown): FlinkError {
  if (err instanceof FlinkError) {
    return err instanceof MetadataError && err.message.startsWith('Cannot ')
      ? err
      : new MetadataError(`Cannot open ${file}: ${err.message}`, { cause: err });
  }
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  const msg = err instanceof Error ? err.message : String(err);
  let reason: string;
  if (code === 'SQLITE_NOTADB') reason = `file is not a database. ${MOVE_ASIDE}`;
  else if (code.startsWith('SQLITE_CORRUPT')) reason = `the database is corrupt. ${MOVE_ASIDE}`;
  else if (code.startsWith('SQLITE_CANTOPEN')) reason = 'unable to open the file; check that it and its directory are readable and writable.';
  else if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM') reason = 'permission denied.';
  else if (code.startsWith('SQLITE_BUSY')) reason = 'the database is locked by another process; try again.';
  else if (code === 'EISDIR') reason = 'it is a directory, not a database file.';
  else reason = `${msg}.`;
  return new MetadataError(`Cannot open ${file}: ${reason}`, { cause: err });
}

/**
 * Runs `fn`, turning a SQLite failure during normal use (disk full, corruption found late, a
 * lock held past the busy timeout) into a one-line MetadataError; FlinkErrors pass through.
 */
export function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FlinkError || !isSqliteError(err)) throw err;
    const code = String(err.code);
    const hint = code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' ? ` ${MOVE_ASIDE}` : '';
    throw new MetadataError(`${file}: ${err.message} (${code}).${hint}`, { cause: err });
  }
}

/** True for errors thrown by better-sqlite3. */
export function isSqliteError(err: unknown): err is Error & { code: string } {
  return err instanceof BetterSqlite3.SqliteError;
}
