import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { makeDirectoriesSync } from '../util/make-directories.js';

/**
 * Compiled job files kept on disk between runs, so a `flink run` (and each of its worker
 * threads) loads an unchanged TypeScript file without starting the compiler. An entry is found by
 * a key that hashes everything its output depends on (see {@link compileCacheKey}), so a stale
 * entry is never asked for; and it carries its key and a digest of its code, so a foreign,
 * truncated or corrupt file under that name is ignored (compiled again and replaced), never
 * used and never fatal. Every failure to read or write is a cache miss.
 */
export interface CompileCache {
  /** The code stored under key, or undefined when there is none or it does not check out. */
  get(key: string): string | undefined;
  /** Stores code under key: written to a temporary file, then renamed into place. */
  put(key: string, code: string): void;
}

/** Bumped when what an entry holds (or how a file is compiled) changes: older entries stop matching. */
const ENTRY_FORMAT = 'flink-ts-compiled-1';
/** Entries not written for this long are removed by the next sweep (a weekly recompile of a job in use). */
const ENTRY_MAX_AGE_MS = 7 * 24 * 3600_000;
/** How often a process that writes an entry sweeps the directory. */
const SWEEP_EVERY_MS = 24 * 3600_000;

/** A key for a compile: a hash of the parts, each length-prefixed so no two part lists collide. */
export function compileCacheKey(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of [ENTRY_FORMAT, ...parts]) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('hex');
}

function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** The per-user directory: `<os.tmpdir()>/flink-ts-<uid>`, as tsx keeps `/tmp/tsx-<uid>`. */
export function defaultCompileCacheDir(): string {
  const uid = process.getuid?.() ?? userInfo().username;
  return join(tmpdir(), `flink-ts-${uid}`);
}

/**
 * Whether dir may hold this user's compiled code: a real directory (not a symlink), owned by
 * this user, that no one else may write or read. Made so when missing; a directory that is
 * someone else's (another user could plant code there) or open to others is not used.
 */
function usableDir(dir: string): boolean {
  try {
    makeDirectoriesSync(dir, 0o700);
    const st = lstatSync(dir);
    if (!st.isDirectory()) return false;
    const uid = process.getuid?.();
    if (uid === undefined) return true;
    return st.uid === uid && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The cache in dir, or null (compile every time) when dir cannot be used safely. */
export function openCompileCache(dir = defaultCompileCacheDir()): CompileCache | null {
  if (!usableDir(dir)) return null;
  const entryPath = (key: string) => join(dir, `${key}.mjs`);
  return {
    get(key) {
      let text: string;
      try {
        text = readFileSync(entryPath(key), 'utf8');
      } catch {
        return undefined;
      }
      // First line: `// <format> <key> <sha256 of the code>`, then the code.
      const newline = text.indexOf('\n');
      const header = newline === -1 ? [] : text.slice(0, newline).split(' ');
      const code = text.slice(newline + 1);
      if (header.length !== 4 || header[1] !== ENTRY_FORMAT || header[2] !== key || header[3] !== digest(code)) return undefined;
      return code;
    },
    put(key, code) {
      const temp = join(dir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        writeFileSync(temp, `// ${ENTRY_FORMAT} ${key} ${digest(code)}\n${code}`, { mode: 0o600, flag: 'wx' });
        renameSync(temp, entryPath(key));
      } catch {
        rmSync(temp, { force: true });
        return;
      }
      sweepIfDue(dir);
    },
  };
}

/**
 * Removes entries (and temporary files left by a crash) older than {@link ENTRY_MAX_AGE_MS}, at
 * most once a day per directory: a marker file's time says when the last sweep was.
 */
function sweepIfDue(dir: string): void {
  const marker = join(dir, '.swept');
  const now = Date.now();
  try {
    const last = statSync(marker, { throwIfNoEntry: false });
    if (last && now - last.mtimeMs < SWEEP_EVERY_MS) return;
    if (last) utimesSync(marker, now / 1000, now / 1000);
    else writeFileSync(marker, '', { mode: 0o600 });
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.mjs') && !name.endsWith('.tmp')) continue;
      const path = join(dir, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (st && now - st.mtimeMs > ENTRY_MAX_AGE_MS) rmSync(path, { force: true });
    }
  } catch {
    // A sweep is housekeeping: the next one tries again.
  }
}
