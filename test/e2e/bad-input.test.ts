/**
 * End-to-end tests of bad input to the CLI: unknown, ambiguous and malformed job ids, cancelling
 * a job that already ended, bad configuration (config.yaml and -D, alias bombs, values beyond
 * their bounds), bad parallelism, an unusable FLINK_TS_HOME and a corrupt flink.db, hostile
 * `_metadata` (nested 200k deep, a FIFO), bad `file:` URIs, a stdout whose reader goes away,
 * `savepoint -d` on copied and linked savepoints, and control characters in echoed input. Each
 * must end with exit 1 and one readable error line (no stack trace) — or, for a closed stdout,
 * quietly — leave nothing running, and delete nothing it should not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  FIXTURES,
  REPO,
  type RunResult,
  SUBMITTED_LINE,
  activeJobRows,
  cleanUpAfterAll,
  dbRow,
  freshHome,
  jobRows,
  linesOf,
  listFiles,
  listJson,
  nonWarningLines,
  runDetached,
  runFlink,
  savepointPathOf,
  spawnFlink,
  stackLines,
  tempDir,
  waitForInProgressPart,
} from './helpers.js';
import { UNBOUNDED_KEYED as UNBOUNDED, BOUNDED_REDUCE as BOUNDED, FO_FLAKY } from './fixture-jobs.js';

cleanUpAfterAll();


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
  const active = activeJobRows(home);
  assert.deepEqual(active, [], JSON.stringify(active));
}

async function flink(home: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return runFlink(args, { home, cwd, timeoutMs: 15_000 });
}

/** Rows straight into a home's flink.db (its schema made by a first `flink list`). */
async function insertJobs(home: string, rows: ReadonlyArray<{ id: string; status?: string; config?: Record<string, unknown> }>): Promise<void> {
  assert.equal((await flink(home, ['list'])).code, 0);
  const db = new Database(join(home, 'flink.db'), { timeout: 5_000 });
  try {
    const insert = db.prepare(`INSERT INTO jobs (job_id, name, job_file, status, config, start_time, end_time) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const now = Date.now();
    db.transaction(() => {
      for (const [i, r] of rows.entries()) insert.run(r.id, `job-${i}`, '/nowhere/job.ts', r.status ?? 'FINISHED', JSON.stringify(r.config ?? {}), now - 1000 + i, now + i);
    })();
  } finally {
    db.close();
  }
}

/** A `_metadata` nested 200,000 levels deep (JSON.stringify of it overflows the stack). */
function deepMetadataDir(): string {
  const dir = join(tempDir(), 'deep');
  mkdirSync(dir);
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
  writeFileSync(
    join(dir, '_metadata'),
    `{"checksum":"0","metadata":{"magic":"flink-ts-snapshot","formatVersion":1,"jobId":"j","checkpointId":1,"kind":"SAVEPOINT","timestamp":1,"operators":${deep}}}`,
  );
  return dir;
}

/**
 * The groups below share nothing (each test has its own FLINK_TS_HOME and directories) but run
 * one after another: the file is ~100 short, CPU-bound `flink` processes, and the suite already
 * runs two files at once on two cores. Two groups at once took this file alone from ~40 s to
 * ~24 s, but in the whole suite (CI, 2026-12-07) the file took as long as before and the files
 * beside it longer.
 */
describe('bad input to the CLI', { concurrency: false }, () => {
  describe('flink cancel: bad job ids', { concurrency: false }, () => {
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

  describe('bad configuration', { concurrency: false }, () => {
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
      assert.deepEqual(jobRows(home), [], 'no job row was created');
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
      assert.deepEqual(jobRows(home), []);
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
        assert.deepEqual(jobRows(home), [], 'no job row was created');
      });
    }
  });

  describe('unusable home and database', { concurrency: false }, () => {
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

  describe('one line where a stack trace was', { concurrency: false }, () => {
    test("a job that throws: its own frames under the message; --verbose adds every stack; a job with no frames of its own gets one line", async () => {
      const home = freshHome();
      const dir = tempDir();
      const job = join(dir, 'throws.ts');
      writeFileSync(
        job,
        "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
          'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
          "function check(v: number): number { if (v === 3) throw new Error('bad record 3'); return v; }\n" +
          'env.fromSequence(1, 5).map(check).print();\n' +
          "await env.execute('throws');\n",
      );
      const plain = await runFlink(['run', job], { home, timeoutMs: 30_000 });
      assert.equal(plain.code, 1);
      const lines = nonWarningLines(plain.stderr);
      assert.match(lines[0]!, /^Error: Job with JobID [0-9a-f]{32} failed: Operator "Map" failed: bad record 3$/);
      assert.ok(lines.some((l) => /^\s+at (\S+\.)?check \(.*throws\.ts:3:\d+\)$/.test(l)), plain.stderr);
      assert.ok(lines.slice(1).every((l) => /^\s/.test(l)), plain.stderr);
      assert.deepEqual(lines.filter((l) => /^\s+at /.test(l) && /[/\\](dist|src)[/\\]|node:internal/.test(l)), [], 'no engine or Node frames');
      const verbose = await runFlink(['--verbose', 'run', job], { home, timeoutMs: 30_000 });
      assert.equal(verbose.code, 1);
      assert.ok(verbose.stderr.includes('Caused by: '), verbose.stderr);
      // The engine's frames, named by its sources through the bundles' source maps.
      assert.ok(stackLines(verbose.stderr).some((l) => /[/\\]src[/\\][\w/\\-]+\.ts:\d+/.test(l)), `--verbose shows the engine's frames too:\n${verbose.stderr}`);
      assert.ok(stackLines(verbose.stderr).some((l) => /throws\.ts:3:/.test(l)));
      // A job file whose frames are all flink-ts's own (in its checkout): the message alone.
      const bounded = await runFlink(['run', '-D', 'restart-strategy.type=none', FO_FLAKY, join(dir, 'out'), 'always', '100', 'max', '5'], { home, timeoutMs: 30_000 });
      assert.equal(bounded.code, 1);
      assert.deepEqual(nonWarningLines(bounded.stderr).length, 1, bounded.stderr);
    });

    test("flink-ts's own refusal of a call from the job (a session gap of 0, a timer on a non-keyed stream): one line naming the job's line, no stack", async () => {
      const home = freshHome();
      const dir = tempDir();
      const header = "import { Duration, EventTimeSessionWindows, ProcessFunction, StreamExecutionEnvironment } from 'flink-ts';\nconst env = StreamExecutionEnvironment.getExecutionEnvironment();\n";
      const gap = join(dir, 'gap.ts');
      writeFileSync(gap, `${header}env.fromSequence(1, 5).keyBy((n) => n % 2).window(EventTimeSessionWindows.withGap(Duration.ofMillis(0))).reduce((a, b) => a + b).print();\nawait env.execute('gap');\n`);
      const timer = join(dir, 'timer.ts');
      writeFileSync(
        timer,
        `${header}class SetsTimer extends ProcessFunction<number, number> {\n  processElement(n: number, ctx: any) { ctx.timerService().registerEventTimeTimer(n); }\n}\n` +
          "env.fromSequence(1, 5).process(new SetsTimer()).print();\nawait env.execute('timer');\n",
      );
      const [g, t] = await Promise.all([runFlink(['run', gap], { home, timeoutMs: 30_000 }), runFlink(['run', timer], { home, timeoutMs: 30_000 })]);
      assertCleanError(g, 'threw: EventTimeSessionWindows parameters must satisfy 0 < size, got a gap of 0 ms.', `(at ${gap}:3:`);
      assert.doesNotMatch(g.stderr, /RangeError/, 'the message once, not again as an error line');
      const line = nonWarningLines(t.stderr);
      assert.equal(t.code, 1, t.stderr);
      assert.equal(line.length, 1, t.stderr);
      assert.match(line[0]!, /failed: Operator "Process" failed: Setting timers is only supported on a keyed stream: .* \(at .*timer\.ts:4:\d+\)$/);
    });

    test('input echoed in an error is cut after 200 characters, and flink savepoint without a job id says what it needs', async () => {
      const home = freshHome();
      const long = 'a'.repeat(300);
      for (const args of [['cancel', long], ['run', `/tmp/${long}.ts`], ['info', `/tmp/${long}`], ['web', '--port', long], ['savepoint', '-d', `/tmp/${long}`]]) {
        const r = await runFlink(args, { home, timeoutMs: 15_000 });
        assert.equal(r.code, 1, `${args[0]}: exit ${r.code}`);
        const lines = nonWarningLines(r.stderr);
        assert.equal(lines.length, 1, `${args[0]}: one line, got:\n${r.stderr}`);
        assert.doesNotMatch(lines[0]!, /a{201}/, `${args[0]} echoes the whole input`);
        assert.match(lines[0]!, /a{190,200}… \(\d+ more characters\)/, `${args[0]}: ${lines[0]}`);
      }
      const r = await runFlink(['savepoint'], { home, timeoutMs: 15_000 });
      assert.equal(r.code, 1);
      assert.deepEqual(nonWarningLines(r.stderr), ["Error: flink savepoint needs a job id (or -d <path> to dispose of a savepoint); see 'flink savepoint --help'."]);
    });

    test('a _metadata nested 200,000 levels deep: run -s, info and savepoint -d refuse it in one line', async () => {
      const home = freshHome();
      const dir = deepMetadataDir();
      for (const args of [['run', '-s', dir, BOUNDED], ['info', dir], ['savepoint', '-d', dir]]) {
        assertCleanError(await flink(home, args), dir, /nests deeper than 16 levels/);
      }
      assert.ok(existsSync(join(dir, '_metadata')), 'nothing deleted');
      await assertNothingRunning(home);
    });

    for (const [uri, reason] of [
      ['file://otherhost/x', /names another host/],
      ['file:///a%2Fb', /encoded '\/' \(%2F\)/],
    ] as const) {
      test(`-s ${uri}: run -s, run -d -s, info and savepoint -d refuse it in one line`, async () => {
        const home = freshHome();
        for (const args of [['run', '-s', uri, BOUNDED], ['run', '-d', '-s', uri, UNBOUNDED], ['info', uri], ['savepoint', '-d', uri]]) {
          assertCleanError(await flink(home, args), `Cannot use '${uri}'`, reason);
        }
        await assertNothingRunning(home);
      });
    }

    test('a YAML alias bomb in config.yaml: one line naming the file, no job', async () => {
      const home = freshHome();
      mkdirSync(home, { recursive: true });
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      const yaml = names.map((n, i) => (i === 0 ? `a: &a [${Array(9).fill('"lol"').join(',')}]` : `${n}: &${n} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`));
      writeFileSync(join(home, 'config.yaml'), `${yaml.join('\n')}\n`);
      for (const args of [['run', BOUNDED], ['run', '-d', UNBOUNDED]]) {
        assertCleanError(await flink(home, args), join(home, 'config.yaml'), /aliases .* expand to too much/);
      }
      await assertNothingRunning(home);
      assert.deepEqual(jobRows(home), [], 'no job row was created');
    });

    test('flink list -a with its reader gone (| head -1): exit 0 quietly, no EPIPE stack', async () => {
      const home = freshHome();
      // More than a pipe holds, as `flink list -a | head -1` met it.
      await insertJobs(home, Array.from({ length: 3000 }, (_, i) => ({ id: i.toString(16).padStart(32, '0') })));
      const list = spawnFlink(['list', '-a'], { home, timeoutMs: 20_000 });
      list.child.stdout!.destroy();
      const r = await list.exited;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
    });

    test('flink run job.ts | head: the job is CANCELED (as SIGPIPE ends `yes | head`), exit 141, no stack', async () => {
      const home = freshHome();
      const run = spawnFlink(['run', join(FIXTURES, 'unbounded.ts')], { home, timeoutMs: 30_000 });
      const submitted = await run.waitForLine(SUBMITTED_LINE);
      const jobId = SUBMITTED_LINE.exec(submitted)![1]!;
      await run.waitForLine(/^tick 2$/);
      // The reader goes away, as `head -3` does once it has its lines.
      run.child.stdout!.destroy();
      const r = await run.exited;
      assert.equal(r.code, 141, r.stderr);
      assert.deepEqual(stackLines(r.stderr), [], r.stderr);
      assert.deepEqual(nonWarningLines(r.stderr), [], r.stderr);
      const job = (await listJson(home)).find((j) => j.jobId === jobId);
      assert.equal(job?.status, 'CANCELED', JSON.stringify(job));
    });
  });

  describe('deletion and blocking hazards', { concurrency: false }, () => {
    /** A real savepoint (of sp-job, stopped) and the home that recorded it. */
    async function realSavepoint(): Promise<{ home: string; sp: string }> {
      const home = freshHome();
      const root = tempDir();
      const out = join(root, 'out');
      const { jobId } = await runDetached(home, join(FIXTURES, 'sp-job.ts'), ['v1', out, 'inf', '200']);
      await waitForInProgressPart(out);
      const sp = savepointPathOf(await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 20_000 }));
      return { home, sp };
    }
    /** A savepoint's status in flink.db; one `savepoint -d` deleted shows as `COMPLETED (discarded)`, as in `flink checkpoints`. */
    const status = (home: string, path: string) => {
      const row = dbRow<{ status: string; discarded: number }>(home, 'SELECT status, discarded FROM checkpoints WHERE path = ?', path);
      return row && (row.discarded === 1 ? `${row.status} (discarded)` : row.status);
    };

    test('savepoint -d deletes exactly what _metadata names: copies among other files, and through a symbolic link', async () => {
      const { home, sp } = await realSavepoint();
      const spFiles = readdirSync(sp).sort();
      assert.ok(spFiles.length >= 3 && spFiles.includes('_metadata'), spFiles.join(' '));
      assert.equal(status(home, sp), 'COMPLETED');

      // A directory holding a copied _metadata among the user's own files.
      const mine = join(tempDir(), 'mine');
      mkdirSync(mine);
      cpSync(join(sp, '_metadata'), join(mine, '_metadata'));
      for (const f of ['notes.txt', 'data.csv']) writeFileSync(join(mine, f), 'keep me\n');
      mkdirSync(join(mine, 'sub'));
      writeFileSync(join(mine, 'sub', 'deep.txt'), 'keep me\n');
      const r1 = await flink(home, ['savepoint', '-d', mine]);
      assert.equal(r1.code, 0, r1.stderr);
      assert.deepEqual(listFiles(mine), ['data.csv', 'notes.txt', 'sub/deep.txt']);
      assert.match(r1.stderr, /Kept .*mine: it holds 3 files that are not part of the savepoint/);

      // A whole copy of the savepoint plus a file of the user's: only the savepoint's files go.
      const copy = join(tempDir(), 'copy');
      cpSync(sp, copy, { recursive: true });
      writeFileSync(join(copy, 'README'), 'keep me\n');
      assert.equal((await flink(home, ['savepoint', '-d', copy])).code, 0);
      assert.deepEqual(readdirSync(copy), ['README']);
      assert.deepEqual(readdirSync(sp).sort(), spFiles, 'the original is untouched by disposing copies');
      assert.equal(status(home, sp), 'COMPLETED');

      // Through a symbolic link: the real directory's state files go too, and flink.db says discarded.
      const link = join(tempDir(), 'link');
      symlinkSync(sp, link);
      const r3 = await flink(home, ['savepoint', '-d', link]);
      assert.equal(r3.code, 0, r3.stderr);
      assert.deepEqual(linesOf(r3.stdout), [`Savepoint '${link}' disposed.`]);
      assert.ok(!existsSync(sp), 'the savepoint directory and all its state files are gone');
      assert.ok(lstatSync(link).isSymbolicLink(), 'the link itself is left');
      assert.equal(status(home, sp), 'COMPLETED (discarded)');
    });

    test('a FIFO _metadata: run -s, info, savepoint -d and the chk-* scan of run -s <jobId> answer at once', async () => {
      const home = freshHome();
      const dir = join(tempDir(), 'fifo-sp');
      mkdirSync(dir);
      execFileSync('mkfifo', [join(dir, '_metadata')]);
      for (const args of [['run', '-s', dir, BOUNDED], ['info', dir], ['info', join(dir, '_metadata')], ['savepoint', '-d', dir]]) {
        const r = await flink(home, args);
        assertCleanError(r, /FIFO \(named pipe\), not a regular file/);
        // flink info restores nothing: it cannot read the snapshot, where run -s cannot restore from it.
        assert.match(r.stderr, args[0] === 'info' ? /^Error: Cannot read / : /^Error: (?!Cannot read )/);
      }
      assert.deepEqual(readdirSync(dir), ['_metadata']);
      // A job whose checkpoint directory holds a chk-7 with a FIFO for _metadata.
      const jobId = 'fe'.repeat(16);
      const checkpoints = join(tempDir(), 'checkpoints');
      mkdirSync(join(checkpoints, jobId, 'chk-7'), { recursive: true });
      execFileSync('mkfifo', [join(checkpoints, jobId, 'chk-7', '_metadata')]);
      await insertJobs(home, [{ id: jobId, status: 'CANCELED', config: { 'execution.checkpointing.dir': checkpoints } }]);
      assertCleanError(await flink(home, ['run', '-s', jobId.slice(0, 8), BOUNDED]), jobId, /checkpoint 7: .*_metadata is a FIFO \(named pipe\), not a regular file/);
      await assertNothingRunning(home);
    });

    test('a FIFO or a directory as config.yaml: one line, no hang', async () => {
      for (const make of [(p: string) => execFileSync('mkfifo', [p]), (p: string) => mkdirSync(p)]) {
        const home = freshHome();
        mkdirSync(home, { recursive: true });
        make(join(home, 'config.yaml'));
        assertCleanError(await flink(home, ['run', BOUNDED]), `Cannot read ${join(home, 'config.yaml')}`, /not a regular file/);
      }
    });
  });

  describe('bounds', { concurrency: false }, () => {
    for (const [d, words] of [
      ['execution.checkpointing.interval=30 d', ['execution.checkpointing.interval', "'30 d'", 'at most 2147483647 ms']],
      ['restart-strategy.fixed-delay.delay=25d', ['restart-strategy.fixed-delay.delay', 'at most 2147483647 ms']],
      ['execution.checkpointing.timeout=0', ['execution.checkpointing.timeout', 'at least 1 ms']],
      ['restart-strategy.failure-rate.failure-rate-interval=0', ['restart-strategy.failure-rate.failure-rate-interval', 'at least 1 ms']],
      ['restart-strategy.exponential-delay.backoff-multiplier=1', ['restart-strategy.exponential-delay.backoff-multiplier', 'greater than 1']],
    ] as const) {
      test(`-D ${d}: one line naming the key and the limit, no job`, async () => {
        const home = freshHome();
        assertCleanError(await flink(home, ['run', '-D', d, UNBOUNDED]), ...words);
        await assertNothingRunning(home);
      });
    }

    test('an exponential-delay initial backoff above its maximum: one line naming both keys, no job row', async () => {
      const home = freshHome();
      const args = ['-D', 'restart-strategy.type=exponential-delay', '-D', 'restart-strategy.exponential-delay.initial-backoff=2 min'];
      const words = ['restart-strategy.exponential-delay.initial-backoff (2 min, in -D) cannot be higher than restart-strategy.exponential-delay.max-backoff (1 min, its default)'];
      assertCleanError(await flink(home, ['run', ...args, BOUNDED]), ...words);
      assert.deepEqual(jobRows(home), []);
    });

    test('-p 0, -p abc and -p 100000: one line with the range, not the usage', async () => {
      const home = freshHome();
      for (const p of ['0', 'abc', '100000']) {
        assertCleanError(await flink(home, ['run', '-p', p, BOUNDED]), `'${p}'`, 'an integer from 1 to 32768');
      }
    });

    test('-p 200 with the default max parallelism 128: refused in one line naming both keys, no job row', async () => {
      const home = freshHome();
      assertCleanError(await flink(home, ['run', '-p', '200', BOUNDED]), 'parallelism 200', 'max parallelism 128', 'pipeline.max-parallelism', '32768');
      assert.deepEqual(jobRows(home), []);
    });

    test('-p 32768 with max parallelism 32768: refused at once for the channels it would wire, no RUNNING row', async () => {
      const home = freshHome();
      const r = await flink(home, ['run', '-D', 'pipeline.max-parallelism=32768', '-p', '32768', BOUNDED]);
      assertCleanError(r, /needs \d+ channels/, 'at most 1048576', 'Lower the parallelism');
      await assertNothingRunning(home);
    });
  });

  describe('echoes of user input', { concurrency: false }, () => {
    test('control characters are shown as escapes and a long argument is cut', async () => {
      const home = freshHome();
      const hostile = 'abcdef\u001b[2J\u001b[31m\nError: forged line\r\u202e';
      for (const args of [['cancel', hostile], ['run', '-D', `${hostile}=1`, BOUNDED], ['savepoint', '-d', hostile], ['info', hostile], [hostile]]) {
        const r = await flink(home, args);
        const all = `${r.stdout}${r.stderr}`;
        assert.equal(r.code, 1, all);
        assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/.test(all), `a raw control character in: ${JSON.stringify(all)}`);
        assert.equal(nonWarningLines(r.stderr).length, 1, JSON.stringify(r.stderr));
        assert.ok(r.stderr.includes('\\x1b[2J\\x1b[31m\\nError: forged line\\r\\u202e'), JSON.stringify(r.stderr));
      }
      const long = 'x'.repeat(100_000);
      for (const args of [['cancel', long], ['run', '-D', `${long}=1`, BOUNDED], ['run', '-D', `parallelism.default=${long}`, BOUNDED], ['info', long]]) {
        const r = await flink(home, args);
        assert.equal(r.code, 1);
        assert.equal(nonWarningLines(r.stderr).length, 1);
        assert.ok(r.stderr.length < 2_500, `${args[0]}: ${r.stderr.length} characters of stderr`);
      }
    });
  });

  describe('a bad option or argument', { concurrency: false }, () => {
    test("one line that points to the command's own --help (flink --help lists no command's options), ending as our own errors end", async () => {
      const home = freshHome();
      for (const [args, line] of [
        [['list', '--bogus'], "Error: Unknown option '--bogus'; see 'flink list --help'."],
        [['run'], "Error: Missing required argument 'jobFile'; see 'flink run --help'."],
        [['cancel', 'abcdef12', 'extra'], "Error: Too many arguments for 'cancel'. Expected 1 argument but got 2; see 'flink cancel --help'."],
        [['bogus'], "Error: Unknown command 'bogus'; see 'flink --help'."],
        [['run', '-p'], "Error: Option '-p, --parallelism <n>' argument missing; see 'flink run --help'."],
        [['run', '-p', '0', BOUNDED], "Error: Option '-p, --parallelism <n>' argument '0' is invalid. The parallelism must be an integer from 1 to 32768."],
        // A suggestion reads as a bad configuration key's does (`…; did you mean 'x'?`).
        [['list', '--jsn'], "Error: Unknown option '--jsn'; did you mean --json?"],
        [['lst'], "Error: Unknown command 'lst'; did you mean list?"],
      ] as const) {
        assert.equal(assertCleanError(await flink(home, args)), line);
      }
    });
  });

  describe('flink --version', { concurrency: false }, () => {
    test('prints the version in one line, as Flink does', async () => {
      const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
      for (const flag of ['--version', '-v']) {
        const r = await runFlink([flag]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `Version: ${version}\n`);
        assert.equal(r.stderr, '');
      }
    });

    test('through a link (node_modules/.bin, npm link), also with --preserve-symlinks-main', () => {
      const link = join(tempDir(), 'flink');
      symlinkSync(join(REPO, 'bin', 'flink'), link);
      for (const flags of [[], ['--preserve-symlinks-main']]) {
        const out = execFileSync(process.execPath, [...flags, link, '--version'], { encoding: 'utf8', env: { ...process.env, FLINK_TS_HOME: tempDir() } });
        assert.match(out, /^Version: /, flags.join(' '));
      }
    });
  });
});
