import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { loadOrCreateToken } from '../../src/web/token.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-web-token-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a new token is 32 random bytes in hex, written owner-only, and kept for the next start', () => {
  const file = path.join(dir, 'a');
  const t = loadOrCreateToken(file);
  assert.match(t, /^[0-9a-f]{64}$/);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(loadOrCreateToken(file), t);
  assert.notEqual(loadOrCreateToken(path.join(dir, 'b')), t);
});

test('a token file others can read is not trusted: a new token replaces it', () => {
  const file = path.join(dir, 'c');
  const t = loadOrCreateToken(file);
  fs.chmodSync(file, 0o644);
  const u = loadOrCreateToken(file);
  assert.notEqual(u, t);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('a malformed token file is replaced, and a symbolic link is never followed', () => {
  const file = path.join(dir, 'd');
  fs.writeFileSync(file, 'short\n', { mode: 0o600 });
  assert.match(loadOrCreateToken(file), /^[0-9a-f]{64}$/);
  const target = path.join(dir, 'elsewhere');
  fs.writeFileSync(target, `${'e'.repeat(64)}\n`, { mode: 0o600 });
  const link = path.join(dir, 'link');
  fs.symlinkSync(target, link);
  assert.notEqual(loadOrCreateToken(link), 'e'.repeat(64));
  assert.equal(fs.readFileSync(target, 'utf8'), `${'e'.repeat(64)}\n`, 'the link target is untouched');
});
