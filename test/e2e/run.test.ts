/**
 * End-to-end tests of `flink run`: the real bin/flink in a child process, with its own
 * FLINK_TS_HOME and working directory.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  FIXTURES,
  linesOf,
  parseAttachedRun,
  removeTempDirs,
  runFlink,
  runPlain,
  spawnFlink,
  tempDir,
} from './helpers.js';

after(removeTempDirs);

const SUBMITTED = /^Job has been submitted with JobID ([0-9a-f]{32})$/;

/** Copies a fixture into a fresh temp dir (no package.json anywhere near it); returns its path. */
function jobOutsideRepo(fixture: string, name = 'job.ts'): { dir: string; file: string } {
  const dir = tempDir();
  assert.equal(existsSync(join(dir, 'package.json')), false);
  const file = join(dir, name);
  copyFileSync(join(FIXTURES, fixture), file);
  return { dir, file };
}

/** `at ...` lines of a stack on stderr. */
function stackFrames(stderr: string): string[] {
  return linesOf(stderr).filter((l) => /^\s*at\s/.test(l));
}

/** Asserts that stderr shows no frame of flink-ts itself (its dist/ or bin/flink), only the user's. */
function assertOnlyUserFrames(stderr: string, jobFile: string): void {
  for (const frame of stackFrames(stderr)) {
    assert.ok(!/[/\\](dist|src)[/\\]|bin[/\\]flink/.test(frame), `stderr shows a frame of flink-ts internals: ${frame}\n${stderr}`);
    assert.ok(frame.includes(jobFile), `stderr shows a frame outside the user's job file: ${frame}\n${stderr}`);
  }
}

function sortedNumbers(lines: readonly string[]): number[] {
  return lines.map(Number).sort((a, b) => a - b);
}

const ONE_TO_HUNDRED = Array.from({ length: 100 }, (_, i) => i + 1);

describe('flink run: a job file', () => {
  test('outside the repo imports flink-ts, sees exactly its arguments, and prints its records', async () => {
    const { dir, file } = jobOutsideRepo('args-map-print.ts');
    const jobArgs = ['--input', 'x', '-p', '3', 'plain word'];
    const r = await runFlink(['run', file, ...jobArgs], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = linesOf(r.stdout);
    const id = SUBMITTED.exec(lines[0] ?? '')?.[1];
    assert.ok(id, `first line: ${lines[0]}`);
    // `-p 3` after the job file belongs to the job: the print sink stays at parallelism 1 (no prefix).
    assert.deepEqual(lines.slice(1, -2), [`args ${JSON.stringify(jobArgs)}`, 'rec:ALPHA', 'rec:BETA', 'rec:GAMMA']);
    assert.equal(lines.at(-2), `Job with JobID ${id} has finished.`);
    assert.match(lines.at(-1)!, /^Job Runtime: \d+ ms$/);
    assert.equal(lines.length, 7);
  });

  test('given by a relative path is resolved against the working directory', async () => {
    const { dir } = jobOutsideRepo('args-map-print.ts', 'relative-job.ts');
    const r = await runFlink(['run', 'relative-job.ts'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parseAttachedRun(r.stdout).body, ['args []', 'rec:ALPHA', 'rec:BETA', 'rec:GAMMA']);
  });

  test('runs as a plain program too (node --import tsx), printing the same records', async () => {
    const r = await runPlain(join(FIXTURES, 'args-map-print.ts'), ['a', '--b', '-p', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(linesOf(r.stdout), ['args ["a","--b","-p","2"]', 'rec:ALPHA', 'rec:BETA', 'rec:GAMMA']);
  });
});

describe('flink run -p', () => {
  test('-p 4 sets the default parallelism: print prefixes 1> .. 4>, every number once', async () => {
    const r = await runFlink(['run', '-p', '4', join(FIXTURES, 'parallel-print.ts')]);
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    const prefixes = new Set<string>();
    const numbers: string[] = [];
    for (const line of body) {
      const m = /^([1-4])> (\d+)$/.exec(line);
      assert.ok(m, `line without a subtask prefix 1>..4>: ${JSON.stringify(line)}`);
      prefixes.add(m[1]!);
      numbers.push(m[2]!);
    }
    assert.deepEqual([...prefixes].sort(), ['1', '2', '3', '4']);
    assert.deepEqual(sortedNumbers(numbers), ONE_TO_HUNDRED);
  });

  test("an operator's own setParallelism(1) wins over -p 4: the print sink has no prefix", async () => {
    const r = await runFlink(['run', '-p', '4', join(FIXTURES, 'parallel-print.ts'), '--sink-p1']);
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    for (const line of body) assert.match(line, /^\d+$/);
    assert.deepEqual(sortedNumbers(body), ONE_TO_HUNDRED);
  });

  test('without -p the job runs at parallelism 1: no prefix', async () => {
    const r = await runFlink(['run', join(FIXTURES, 'parallel-print.ts')]);
    assert.equal(r.code, 0, r.stderr);
    const { body } = parseAttachedRun(r.stdout);
    assert.deepEqual(body.map(Number), ONE_TO_HUNDRED);
  });

  test('a keyed job gives the same final per-key results at parallelism 1 and 4', async () => {
    const finals = async (p: string) => {
      const r = await runFlink(['run', '-p', p, join(FIXTURES, 'keyed-sum.ts')]);
      assert.equal(r.code, 0, r.stderr);
      const { body } = parseAttachedRun(r.stdout);
      assert.equal(body.length, 4000, 'one sum and one count line per record');
      const last = new Map<string, number>();
      for (const line of body) {
        const m = /^(?:\d+> )?(sum|count) (\d) (\d+)$/.exec(line);
        assert.ok(m, `unexpected line ${JSON.stringify(line)}`);
        const k = `${m[1]} ${m[2]}`;
        last.set(k, Math.max(last.get(k) ?? 0, Number(m[3])));
      }
      return last;
    };
    const [p1, p4] = await Promise.all([finals('1'), finals('4')]);
    const expected = new Map<string, number>();
    for (let n = 1; n <= 2000; n++) {
      expected.set(`sum ${n % 7}`, (expected.get(`sum ${n % 7}`) ?? 0) + n);
      expected.set(`count ${n % 7}`, (expected.get(`count ${n % 7}`) ?? 0) + 1);
    }
    const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(sorted(p1), sorted(expected));
    assert.deepEqual(sorted(p4), sorted(expected));
  });
});

describe('flink run: errors', () => {
  test('a missing job file: exit 1, one line naming the path', async () => {
    const cwd = tempDir();
    const r = await runFlink(['run', 'no-such-job.ts'], { cwd });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = linesOf(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /not found/i);
    assert.ok(lines[0]!.includes(join(cwd, 'no-such-job.ts')), lines[0]);
    assert.deepEqual(stackFrames(r.stderr), []);
  });

  test('a syntax error: exit 1, the message names the file and the line', async () => {
    const dir = tempDir();
    const file = join(dir, 'broken.ts');
    writeFileSync(
      file,
      [
        "import { StreamExecutionEnvironment } from 'flink-ts';",
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();',
        'env.fromElements(1, 2).print();',
        'const x = ;',
        "await env.execute('broken');",
        '',
      ].join('\n'),
    );
    const r = await runFlink(['run', file], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const first = linesOf(r.stderr)[0] ?? '';
    assert.ok(first.includes(file), first);
    assert.match(first, /line 4\b/);
    assert.match(first, /compile|syntax/i);
    assert.deepEqual(stackFrames(r.stderr), [], r.stderr);
  });

  test('a job that never calls execute(): exit 1, says so', async () => {
    const { dir, file } = jobOutsideRepo('no-execute.ts');
    const r = await runFlink(['run', file], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = linesOf(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /execute\(\)/);
    assert.ok(lines[0]!.includes(file), lines[0]);
  });

  test('a throw in user code: exit 1, names the operator and the error, shows only the user\'s frames', async () => {
    const { dir, file } = jobOutsideRepo('explode.ts');
    const r = await runFlink(['run', file], { cwd: dir });
    assert.equal(r.code, 1);
    const out = linesOf(r.stdout);
    const id = SUBMITTED.exec(out[0] ?? '')?.[1];
    assert.ok(id, r.stdout);
    assert.ok(!r.stdout.includes('has finished'), r.stdout);
    const first = linesOf(r.stderr)[0] ?? '';
    assert.ok(first.includes(id), first);
    assert.match(first, /failed/);
    assert.ok(first.includes('"Explode"'), first);
    assert.ok(first.includes('bad record 3: cannot explode'), first);
    assert.ok(stackFrames(r.stderr).some((f) => f.includes(file)), `no frame of the job file in:\n${r.stderr}`);
    assertOnlyUserFrames(r.stderr, file);
  });

  test('a throw at top level before execute(): exit 1, the error and the user\'s frames only', async () => {
    const { dir, file } = jobOutsideRepo('top-level-throw.ts');
    const r = await runFlink(['run', file], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const first = linesOf(r.stderr)[0] ?? '';
    assert.ok(first.includes('setting E2E_TOPIC is missing'), first);
    assert.ok(first.includes(file), first);
    assert.ok(stackFrames(r.stderr).some((f) => f.includes(file)), `no frame of the job file in:\n${r.stderr}`);
    assertOnlyUserFrames(r.stderr, file);
  });

  test('a bad -p: exit 1 with a usage error', async () => {
    const r = await runFlink(['run', '-p', '0', join(FIXTURES, 'parallel-print.ts')]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /parallelism/);
  });
});

describe('flink run: attached and cancelled by a signal', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    test(`${signal} cancels an unbounded job: exit ${code}, a cancelled line`, async () => {
      const job = spawnFlink(['run', join(FIXTURES, 'unbounded.ts')]);
      const submitted = await job.waitForLine(SUBMITTED);
      const id = SUBMITTED.exec(submitted)![1]!;
      // Let it produce some records first, so the job is really running.
      await job.waitForLine(/^tick 5$/);
      job.child.kill(signal);
      const r = await job.exited;
      assert.equal(r.code, code, r.stderr);
      const lines = linesOf(r.stdout);
      assert.equal(lines.at(-1), `Job with JobID ${id} has been cancelled.`);
      assert.ok(!r.stdout.includes('has finished'), r.stdout);
      for (const line of lines.slice(1, -1)) assert.match(line, /^tick \d+$/);
      assert.ok(!/Error/.test(r.stderr), r.stderr);
    });
  }
});

