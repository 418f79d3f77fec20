import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { FlinkError } from '../util/errors.js';

const TOKEN = /^[0-9a-f]{64}$/;

/**
 * The token of `flink web`: read from `file` if it holds one that only its owner can read,
 * else a new random one written there (mode 0600, atomically). Kept across restarts, so scripts
 * can read it and the start-up URL stays the same; deleting the file makes a new one.
 */
export function loadOrCreateToken(file: string): string {
  const existing = readPrivateToken(file);
  if (existing !== undefined) return existing;
  const token = randomBytes(32).toString('hex');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new FlinkError('web.token', `Cannot keep the token of flink web in ${file}: ${(err as Error).message}. Check that the home is yours and writable.`);
  }
  return token;
}

/** The token in `file`, unless the file is missing, not ours, readable by others, or malformed. */
function readPrivateToken(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  const ours = typeof process.getuid !== 'function' || st.uid === process.getuid();
  if (!st.isFile() || !ours || (st.mode & 0o077) !== 0 || st.size > 1024) return undefined;
  const text = fs.readFileSync(file, 'utf8').trim();
  return TOKEN.test(text) ? text : undefined;
}

/** Compares a presented token with the real one in constant time. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
