/**
 * The CLI's error reports: `--verbose` must show every
 * stack in full without losing what the plain report shows (the user's frames of an error from a
 * worker thread, the 'See <log>' note of a detached start failure); input echoed by commander's
 * own messages (an unknown command or option) is cut at 200 characters as the README says; an
 * error whose stack has no frames at all prints one line, not the message twice.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cleanUpAfterAll, freshHome, nonWarningLines, runFlink, stackLines, tempDir } from './helpers.js';

cleanUpAfterAll();

/** A job file outside the checkout whose map throws on record 3 (`check`, line 3). */
function throwingJob(preamble = ''): string {
  const job = join(tempDir(), 'throws.ts');
  writeFileSync(
    job,
    "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
      `${preamble}const env = StreamExecutionEnvironment.getExecutionEnvironment();\n` +
      "function check(v: number): number { if (v === 3) throw new Error('bad record 3'); return v; }\n" +
      'env.fromSequence(1, 5).map(check).print();\n' +
      "await env.execute('throws');\n",
  );
  return job;
}

describe('CLI error reports', () => {
  test("a job error of 100 kB over 5,000 lines: its line is cut, the text under it too, the user's frame kept", async () => {
    const home = freshHome();
    const job = join(tempDir(), 'huge.ts');
    writeFileSync(
      job,
      "import { StreamExecutionEnvironment } from 'flink-ts';\n" +
        'const env = StreamExecutionEnvironment.getExecutionEnvironment();\n' +
        "function check(v: number): number { if (v === 3) throw new Error('x'.repeat(20).concat('\\n').repeat(5000)); return v; }\n" +
        'env.fromSequence(1, 5).map(check).print();\n' +
        "await env.execute('huge');\n",
    );
    const r = await runFlink(['run', job], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    assert.ok(r.stderr.length < 10_000, `stderr is ${r.stderr.length} characters`);
    assert.ok(stackLines(r.stderr).some((l) => /huge\.ts:3:/.test(l)), r.stderr.slice(-2000));
    assert.match(r.stderr, /… \(\d+ more lines\)/);
  });

  test("--verbose with worker threads (-p 2, 2 slots) still shows the frames of the user code that threw, and names the engine's frames by its sources", async () => {
    const home = freshHome();
    const job = throwingJob();
    const args = ['run', '-D', 'taskmanager.numberOfTaskSlots=2', '-p', '2', job];
    const plain = await runFlink(args, { home, timeoutMs: 30_000 });
    assert.equal(plain.code, 1, plain.stderr);
    assert.ok(stackLines(plain.stderr).some((l) => /throws\.ts:3:/.test(l)), `without --verbose the user's frame is shown:\n${plain.stderr}`);
    const verbose = await runFlink(['--verbose', ...args], { home, timeoutMs: 30_000 });
    assert.equal(verbose.code, 1, verbose.stderr);
    assert.ok(
      stackLines(verbose.stderr).some((l) => /throws\.ts:3:/.test(l)),
      `--verbose ("every stack trace in full") lost the user's frame that the plain report shows:\n${verbose.stderr}`,
    );
    // Engine frames by the bundles' source maps, not by lines of hashed chunks: those of the
    // worker thread where the record failed (its task), and those of the CLI's own thread.
    const frames = stackLines(verbose.stderr);
    const inWorker = stackLines(verbose.stderr.slice(verbose.stderr.lastIndexOf('Caused by: Error: bad record 3')));
    assert.ok(inWorker.some((l) => /src\/runtime\/tasks\/[\w-]+\.ts:\d+/.test(l)), `a worker's engine frame named by its source:\n${verbose.stderr}`);
    assert.ok(frames.some((l) => /src\/cluster\/[\w-]+\.ts:\d+/.test(l)), `a main-thread engine frame named by its source:\n${verbose.stderr}`);
    assert.ok(!frames.some((l) => /dist\/chunks\//.test(l)), `no frame left in a bundled chunk:\n${verbose.stderr}`);
  });

  test("--verbose keeps the 'See <log>' note of a detached job that fails at start-up", async () => {
    const home = freshHome();
    const job = join(tempDir(), 'top.ts');
    writeFileSync(job, "import { StreamExecutionEnvironment } from 'flink-ts';\nthrow new Error('setting X is missing');\n");
    const plain = await runFlink(['run', '-d', job], { home, timeoutMs: 30_000 });
    assert.equal(plain.code, 1, plain.stderr);
    assert.match(plain.stderr, /See \S+\.log for the job's log\./);
    const verbose = await runFlink(['--verbose', 'run', '-d', job], { home, timeoutMs: 30_000 });
    assert.equal(verbose.code, 1, verbose.stderr);
    assert.match(verbose.stderr, /See \S+\.log for the job's log\./, `--verbose dropped the log note:\n${verbose.stderr}`);
  });

  test('an unknown command or option of 300 characters is cut at 200 in the error line', async () => {
    const home = freshHome();
    const long = 'a'.repeat(300);
    for (const args of [[long], ['list', `--${long}`], ['run', `-${long}`]]) {
      const r = await runFlink(args, { home, timeoutMs: 15_000 });
      assert.equal(r.code, 1, r.stderr);
      const lines = nonWarningLines(r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.doesNotMatch(lines[0]!, /a{201}/, `${args.join(' ').slice(0, 20)}…: the input is echoed in full: ${lines[0]}`);
    }
  });

  test('a user error whose stack has no frames (Error.stackTraceLimit = 0) prints one line, not its message twice', async () => {
    const home = freshHome();
    const job = throwingJob('Error.stackTraceLimit = 0;\n');
    const r = await runFlink(['run', job], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(nonWarningLines(r.stderr).length, 1, r.stderr);
  });
});
