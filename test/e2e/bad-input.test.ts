/**
 * End-to-end tests of bad input to `flink run/list/cancel`: unknown, ambiguous and malformed
 * job ids, cancelling a job that already ended, bad configuration (config.yaml and -D), an
 * unusable FLINK_TS_HOME and a corrupt flink.db. Each must end with exit 1 and one readable
 * error line (no stack trace), and leave nothing running.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  FIXTURES,
  type RunResult,
  SUBMITTED_LINE,
  freshHome,
  killLeftovers,
  linesOf,
  listJson,
  nonWarningLines,
  removeTempDirs,
  runFlink,
  stackLines,
  tempDir,
} from './helpers.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

const UNBOUNDED = join(FIXTURES, 'unbounded-keyed.ts');
const BOUNDED = join(FIXTURES, 'bounded-reduce.ts');

/**
 * Exit 1, nothing on stdout, and the first non-warning stderr line is an `Error:` line matching
 * every pattern; no stack frames anywhere. Returns that line.
 */
function assertCleanError(r: RunResult, ...patterns: (RegExp | string)[]): string {
  const all = `--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
  assert.equal(r.code, 1, all);
  assert.equal(r.stdout, '', all);
  const lines = nonWarningLines(r.stderr);
  assert.equal(lines.length, 1, `expected one error line:\n${all}`);
  const line = lines[0]!;
  assert.match(line, /^Error: \S/, all);
  assert.doesNotMatch(line, /Internal error|TypeError|SqliteError|undefined/, all);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(line.includes(p), `${JSON.stringify(p)} not in: ${line}`);
    else assert.match(line, p);
  }
  assert.deepEqual(stackLines(r.stderr), [], all);
  return line;
}

/** Nothing is RUNNING (or otherwise active) in the home afterwards. */
async function assertNothingRunning(home: string): Promise<void> {
  const jobs = await listJson(home, []);
  assert.deepEqual(jobs, [], JSON.stringify(jobs));
}

async function flink(home: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return runFlink(args, { home, cwd, timeoutMs: 15_000 });
}

describe('flink cancel: bad job ids', () => {
  test('an unknown (well-formed) job id', async () => {
    const home = freshHome();
    const id = '0123456789abcdef0123456789abcdef';
    const r = await flink(home, ['cancel', id]);
    assertCleanError(r, /no job matches/i, id, 'flink list -a');
    await assertNothingRunning(home);
  });

  test('an unknown prefix', async () => {
    const home = freshHome();
    const r = await flink(home, ['cancel', 'abcdef12']);
    assertCleanError(r, /no job matches/i, 'abcdef12');
    await assertNothingRunning(home);
  });

  test('an ambiguous prefix: says so and lists the matches', async () => {
    const home = freshHome();
    // Create flink.db with its schema, then add two jobs sharing a prefix directly.
    assert.equal((await flink(home, ['list'])).code, 0);
    const ids = ['aaaaaa01' + '0'.repeat(24), 'aaaaaa02' + '0'.repeat(24), 'bbbbbb01' + '0'.repeat(24)];
    const db = new Database(join(home, 'flink.db'), { timeout: 5_000 });
    try {
      const insert = db.prepare(
        `INSERT INTO jobs (job_id, name, job_file, status, start_time, end_time) VALUES (?, ?, ?, 'FINISHED', ?, ?)`,
      );
      const now = Date.now();
      for (const [i, id] of ids.entries()) insert.run(id, `inserted-${i}`, '/nowhere/job.ts', now - 1000 + i, now + i);
    } finally {
      db.close();
    }
    assert.equal((await listJson(home)).length, 3);

    const r = await flink(home, ['cancel', 'aaaaaa']);
    const line = assertCleanError(r, /ambiguous/i, ids[0]!, ids[1]!);
    assert.ok(!line.includes(ids[2]!), line);
    // A longer prefix that is unique resolves, and then the job is FINISHED.
    const one = await flink(home, ['cancel', 'aaaaaa02']);
    assertCleanError(one, ids[1]!, /FINISHED/);
    await assertNothingRunning(home);
  });

  for (const [what, arg, words] of [
    ['a too short prefix', 'abc12', /too short|at least 6/i],
    ['a non-hex id', 'xyzxyzxyz', /not a job id|hexadecimal/i],
    ['an id longer than 32 characters', 'a'.repeat(33), /not a job id|32/i],
  ] as const) {
    test(`${what} (${arg})`, async () => {
      const home = freshHome();
      const r = await flink(home, ['cancel', arg]);
      assertCleanError(r, words, arg);
      await assertNothingRunning(home);
    });
  }

  test('cancelling a FINISHED job says it is FINISHED', async () => {
    const home = freshHome();
    const run = await flink(home, ['run', BOUNDED]);
    assert.equal(run.code, 0, run.stderr);
    const id = SUBMITTED_LINE.exec(linesOf(run.stdout)[0] ?? '')![1]!;
    const r = await flink(home, ['cancel', id.slice(0, 10)]);
    assertCleanError(r, id, /is FINISHED/);
    await assertNothingRunning(home);
  });
});

describe('bad configuration', () => {
  function homeWithConfig(yaml: string): string {
    const home = freshHome();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.yaml'), yaml);
    return home;
  }

  test('malformed config.yaml (unclosed bracket): names config.yaml and a line', async () => {
    const home = homeWithConfig('parallelism.default: 2\na: [unclosed\n');
    for (const args of [['run', UNBOUNDED], ['run', '-d', UNBOUNDED]]) {
      const r = await flink(home, args);
      assertCleanError(r, join(home, 'config.yaml'), /line \d+/);
    }
    await assertNothingRunning(home);
    assert.deepEqual(await listJson(home), [], 'no job row was created');
  });

  test('malformed config.yaml (nested compact mapping): names the right line', async () => {
    const home = homeWithConfig('parallelism.default: 2\na: b: c\n');
    const r = await flink(home, ['run', UNBOUNDED]);
    assertCleanError(r, join(home, 'config.yaml'), /line 2\b/);
    await assertNothingRunning(home);
  });

  test('an unknown key in config.yaml: names the key and the file', async () => {
    const home = homeWithConfig('execution:\n  checkpointing:\n    intervall: 1 s\n');
    const r = await flink(home, ['run', '-d', UNBOUNDED]);
    assertCleanError(r, 'execution.checkpointing.intervall', join(home, 'config.yaml'), /unknown/i);
    await assertNothingRunning(home);
    assert.deepEqual(await listJson(home), []);
  });

  test('a bad value in config.yaml: names the key, the value and the file', async () => {
    const home = homeWithConfig('parallelism.default: two\n');
    const r = await flink(home, ['run', UNBOUNDED]);
    assertCleanError(r, 'parallelism.default', "'two'", join(home, 'config.yaml'));
    await assertNothingRunning(home);
  });

  for (const [what, d, words] of [
    ['an unknown key via -D', 'no.such.key=1', ['no.such.key', '-D', /unknown/i]],
    ['a bad duration via -D', 'execution.checkpointing.interval=soon', ['execution.checkpointing.interval', "'soon'", /duration/]],
    ['a bad enum value via -D', 'execution.checkpointing.mode=SOMETIMES', ['execution.checkpointing.mode', 'SOMETIMES', 'EXACTLY_ONCE', 'AT_LEAST_ONCE']],
    ['a bad integer via -D', 'parallelism.default=0', ['parallelism.default', "'0'"]],
    ['a -D without =', 'parallelism.default', ['-D', /key=value/]],
  ] as const) {
    test(`${what} (${d}): exit 1, names the key`, async () => {
      const home = freshHome();
      for (const args of [['run', '-D', d, UNBOUNDED], ['run', '-d', '-D', d, UNBOUNDED]]) {
        const r = await flink(home, args);
        assertCleanError(r, ...words);
      }
      await assertNothingRunning(home);
      assert.deepEqual(await listJson(home), [], 'no job row was created');
    });
  }
});

describe('unusable home and database', () => {
  test('FLINK_TS_HOME beneath a regular file: names FLINK_TS_HOME and the path', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp, 'file'), 'not a directory\n');
    const home = join(tmp, 'file', 'home');
    for (const args of [['list'], ['list', '-a', '--json'], ['run', UNBOUNDED], ['run', '-d', UNBOUNDED], ['cancel', 'abcdef']]) {
      const r = await flink(home, args);
      assertCleanError(r, 'FLINK_TS_HOME', home);
    }
  });

  for (const [what, content] of [
    ['text', Buffer.from('this is not a database, just some text\n'.repeat(200))],
    ['random bytes', randomBytes(16_384)],
  ] as const) {
    test(`a corrupt flink.db (${what}): list, run and cancel name flink.db and what to do`, async () => {
      const home = freshHome();
      mkdirSync(home, { recursive: true });
      const db = join(home, 'flink.db');
      writeFileSync(db, content);
      for (const args of [['list'], ['list', '-a', '--json'], ['run', BOUNDED], ['run', '-d', UNBOUNDED], ['cancel', 'abcdef']]) {
        const r = await flink(home, args);
        assertCleanError(r, db, /not a database|corrupt/i, /move it aside|fresh/i);
      }
    });
  }
});
