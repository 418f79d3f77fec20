import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ensureHome, homeLayout, resolveHome } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-home-test-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe('resolveHome', () => {
  it('uses FLINK_TS_HOME, made absolute', () => {
    assert.equal(resolveHome({ FLINK_TS_HOME: '/data/flink' }), '/data/flink');
    assert.equal(resolveHome({ FLINK_TS_HOME: 'rel/dir' }), path.resolve('rel/dir'));
    assert.equal(resolveHome({ FLINK_TS_HOME: '~/x', HOME: '/home/u' }), '/home/u/x');
  });
  it('defaults to ~/.flink-ts', () => {
    assert.equal(resolveHome({ HOME: '/home/u' }), '/home/u/.flink-ts');
    assert.equal(resolveHome({ HOME: '/home/u', FLINK_TS_HOME: '  ' }), '/home/u/.flink-ts');
  });
});

describe('homeLayout', () => {
  it('names every path in the home', () => {
    const l = homeLayout('/h');
    assert.equal(l.home, '/h');
    assert.equal(l.dbPath, '/h/flink.db');
    assert.equal(l.logDir, '/h/log');
    assert.equal(l.jobLog('abc'), '/h/log/abc.log');
    assert.equal(l.jobOut('abc'), '/h/log/abc.out');
    assert.equal(l.checkpointsDir, '/h/checkpoints');
    assert.equal(l.savepointsDir, '/h/savepoints');
    assert.equal(l.configPath, '/h/config.yaml');
  });
});

describe('ensureHome', () => {
  it('creates home and log/ with mode 0700', () => {
    const home = path.join(tmp, 'a', 'home');
    const layout = ensureHome(home);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(layout.logDir), 0o700);
  });

  it('tightens an existing home to owner-only', () => {
    const home = path.join(tmp, 'loose');
    fs.mkdirSync(path.join(home, 'log'), { recursive: true });
    fs.chmodSync(home, 0o755);
    fs.chmodSync(path.join(home, 'log'), 0o777);
    ensureHome(home);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(path.join(home, 'log')), 0o700);
  });

  it('is idempotent', () => {
    const home = path.join(tmp, 'twice');
    ensureHome(home);
    ensureHome(home);
    assert.equal(mode(home), 0o700);
  });

  it('refuses a home that is a file, in one line', () => {
    const file = path.join(tmp, 'file');
    fs.writeFileSync(file, 'x');
    assert.throws(
      () => ensureHome(file),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message === `Cannot use FLINK_TS_HOME=${file}: ${file} is not a directory. Set FLINK_TS_HOME to a writable directory.`,
    );
  });

  it('refuses a home it cannot write', () => {
    const parent = path.join(tmp, 'ro');
    fs.mkdirSync(parent, { mode: 0o555 });
    const home = path.join(parent, 'home');
    assert.equal(
      ensureHomeMessage(home),
      `Cannot use FLINK_TS_HOME=${home}: permission denied. Set FLINK_TS_HOME to a writable directory.`,
    );
  });
});

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NOBODY = 65534;

/**
 * The message ensureHome refuses `home` with ('' if it does not). Root may write anywhere, so
 * as root (as CI runs) it is asked in a child process running as nobody: the refusal of a
 * directory its user cannot write is still tested there.
 */
function ensureHomeMessage(home: string): string {
  if (process.getuid?.() !== 0) {
    try {
      ensureHome(home);
      return '';
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message;
    }
  }
  // The temporary directory is root's (0700): nobody must be able to reach the read-only one.
  fs.chmodSync(tmp, 0o755);
  const code = `import { ensureHome } from './src/config/index.ts';
try { ensureHome(${JSON.stringify(home)}); } catch (err) { process.stdout.write(err.constructor.name + ': ' + err.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: REPO,
    uid: NOBODY,
    gid: NOBODY,
    env: { PATH: process.env['PATH'], HOME: '/nonexistent' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const m = /^ConfigError: (.*)$/s.exec(r.stdout);
  assert.ok(m !== null || r.stdout === '', `not a ConfigError: ${r.stdout}`);
  return m?.[1] ?? '';
}
