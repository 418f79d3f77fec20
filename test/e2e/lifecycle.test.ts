/**
 * End-to-end tests of a job's life as a managed process: `flink run -d`, `flink list`,
 * `flink cancel`, attached runs ended by signals, lost processes, failures at load, and the
 * configuration recorded in flink.db. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES,
  FLINK_BIN,
  SUBMITTED_LINE,
  cleanUpAfterAll,
  freshHome,
  isAlive,
  linesOf,
  listJson,
  nonWarningLines,
  openDbReadonly,
  runDetached,
  runFlink,
  spawnFlink,
  stackLines,
  tempDir,
  trackPid,
  waitFor,
} from './helpers.js';
import { UNBOUNDED_KEYED as UNBOUNDED, BOUNDED_REDUCE as BOUNDED } from './fixture-jobs.js';

cleanUpAfterAll();

const RULE = '--------------------------------------------------------------';
const DATE = String.raw`\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}`;

/** True while the kernel knows the pid (zombies included), as `kill -0` sees it. */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

async function waitGone(pid: number): Promise<void> {
  await waitFor(`process ${pid} to exit`, () => !isAlive(pid), 5_000, 50);
}

async function cancel(home: string, idOrPrefix: string, jobId: string): Promise<void> {
  const r = await runFlink(['cancel', idOrPrefix], { home, timeoutMs: 15_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(linesOf(r.stdout), [`Cancelling job ${jobId}.`, `Cancelled job ${jobId}.`]);
}

describe('flink run -d / list / cancel', () => {
  test('a detached job runs, is listed, cancelled by prefix, and leaves its logs', async () => {
    const home = freshHome();
    const t0 = Date.now();
    // `run -d` returns while the (endless) job runs on.
    const { jobId, pid, result } = await runDetached(home, UNBOUNDED, ['lifecycle-job']);
    assert.deepEqual(linesOf(result.stdout), [`Job has been submitted with JobID ${jobId}`]);

    // Listed as RUNNING within 2 s of the submission line.
    const listed = await waitFor(
      'the job listed as RUNNING',
      async () => {
        const r = await runFlink(['list'], { home });
        assert.equal(r.code, 0, r.stderr);
        return r.stdout.includes(`: ${jobId} : lifecycle-job (RUNNING)`) ? r.stdout : undefined;
      },
      2_000,
    );
    const lines = linesOf(listed);
    assert.equal(lines[0], '------------------ Running/Restarting Jobs -------------------');
    assert.match(lines[1]!, new RegExp(`^${DATE} : ${jobId} : lifecycle-job \\(RUNNING\\)$`));
    assert.equal(lines[2], RULE);
    assert.equal(lines[3], 'No scheduled jobs.');

    const [job] = await listJson(home, []);
    assert.ok(job);
    assert.deepEqual(
      Object.keys(job).filter((k) => ['jobId', 'name', 'status', 'pid', 'startTime', 'endTime', 'lastCheckpoint'].includes(k)).sort(),
      ['endTime', 'jobId', 'lastCheckpoint', 'name', 'pid', 'startTime', 'status'],
    );
    assert.equal(job.jobId, jobId);
    assert.equal(job.name, 'lifecycle-job');
    assert.equal(job.status, 'RUNNING');
    assert.equal(job.pid, pid);
    assert.equal(typeof job.startTime, 'number');
    assert.ok(job.startTime >= t0 && job.startTime <= Date.now(), `startTime ${job.startTime} is when the job started (after ${t0})`);
    assert.equal(job.endTime, null);
    assert.equal(job.lastCheckpoint, null);
    assert.ok(isAlive(pid), `job process ${pid} is alive`);

    // Let it print a few records, then cancel by an 8-character prefix.
    const out = join(home, 'log', `${jobId}.out`);
    await waitFor('records in the .out file', () => /^key \d count \d+$/m.test(readFileSync(out, 'utf8')), 5_000);
    await cancel(home, jobId.slice(0, 8), jobId);

    const all = await runFlink(['list', '-a'], { home });
    assert.equal(all.code, 0, all.stderr);
    const allLines = linesOf(all.stdout);
    assert.deepEqual(allLines.slice(0, 2), ['No running jobs.', 'No scheduled jobs.']);
    assert.equal(allLines[2], '---------------------- Terminated Jobs -----------------------');
    assert.match(allLines[3]!, new RegExp(`^${DATE} : ${jobId} : lifecycle-job \\(CANCELED\\)$`));
    assert.equal(allLines[4], RULE);
    const [ended] = await listJson(home);
    assert.equal(ended?.status, 'CANCELED');
    assert.ok(ended.endTime !== null && ended.endTime >= ended.startTime, JSON.stringify(ended));

    await waitGone(pid);

    // The job's stdout: the submission line and its records; its log: the status changes.
    const outLines = linesOf(readFileSync(out, 'utf8'));
    assert.equal(outLines[0], `Job has been submitted with JobID ${jobId}`);
    const records = outLines.filter((l) => /^key \d count \d+$/.test(l));
    assert.ok(records.length >= 5, `only ${records.length} records in ${out}`);
    assert.ok(outLines.includes('key 0 count 1'), 'the first count of key 0 is printed');
    const log = readFileSync(join(home, 'log', `${jobId}.log`), 'utf8');
    for (const change of ['CREATED to RUNNING', 'RUNNING to CANCELLING', 'CANCELLING to CANCELED']) {
      assert.match(log, new RegExp(`switched from state ${change}`), log);
    }

    // Owner-only permissions.
    assert.equal(mode(home), 0o700, 'FLINK_TS_HOME mode');
    assert.equal(mode(join(home, 'flink.db')), 0o600, 'flink.db mode');
    assert.equal(mode(join(home, 'log', `${jobId}.out`)), 0o600, '.out mode');
    assert.equal(mode(join(home, 'log', `${jobId}.log`)), 0o600, '.log mode');
  });

  test('kill -9 of a detached job: listed FAILED with "job process lost"; cancel refuses', async () => {
    const home = freshHome();
    const { jobId, pid } = await runDetached(home, UNBOUNDED, ['doomed']);
    process.kill(pid, 'SIGKILL');
    // Wait until the kernel has forgotten the pid: the detached job's parent is init, which may
    // reap it a moment later (a zombie before that; see the zombie test below).
    await waitFor(`process ${pid} to be reaped`, () => !pidExists(pid), 5_000, 50);

    const running = await runFlink(['list'], { home });
    assert.equal(running.code, 0, running.stderr);
    assert.ok(!running.stdout.includes(jobId), running.stdout);
    assert.deepEqual(linesOf(running.stdout), ['No running jobs.', 'No scheduled jobs.']);

    const all = await runFlink(['list', '-a'], { home });
    assert.equal(all.code, 0, all.stderr);
    const lines = linesOf(all.stdout);
    const at = lines.findIndex((l) => l.includes(jobId));
    assert.match(lines[at]!, new RegExp(`^${DATE} : ${jobId} : doomed \\(FAILED\\)$`));
    assert.equal(lines[at + 1], '    cause: job process lost');

    const [job] = await listJson(home);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job.failureCause, 'job process lost');
    assert.notEqual(job.endTime, null);

    const c = await runFlink(['cancel', jobId], { home });
    assert.equal(c.code, 1, c.stdout);
    assert.equal(c.stdout, '');
    const errLines = linesOf(c.stderr);
    assert.equal(errLines.length, 1, c.stderr);
    assert.match(errLines[0]!, /FAILED/);
    assert.match(errLines[0]!, /not running|only a running job/i);
    assert.ok(errLines[0]!.includes(jobId), errLines[0]);
  });

  test('a killed job whose parent never reaps it (a zombie) is not listed RUNNING', async () => {
    // As in a container without an init that reaps orphans: the job's parent is a process that
    // never waits for it, so after kill -9 the job stays a zombie, yet it is not running.
    const home = freshHome();
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${FLINK_BIN}" run "${UNBOUNDED}" zombie >/dev/null 2>&1 & exec sleep 30`], {
      env: { ...process.env, FLINK_TS_HOME: home, NO_COLOR: '1', NODE_TEST_CONTEXT: '' },
      stdio: 'ignore',
    });
    try {
      const job = await waitFor('the job listed RUNNING', async () => (await listJson(home, [])).find((j) => j.status === 'RUNNING'), 8_000);
      const pid = job.pid;
      assert.ok(pid);
      trackPid(pid);
      process.kill(pid, 'SIGKILL');
      await waitFor(`process ${pid} to die`, () => !isAlive(pid), 5_000);
      assert.ok(pidExists(pid), 'the killed job is a zombie (its parent does not reap it)');
      const listed = await runFlink(['list'], { home });
      assert.equal(listed.code, 0, listed.stderr);
      assert.ok(!listed.stdout.includes('(RUNNING)'), `a dead (zombie) job is listed RUNNING:\n${listed.stdout}`);
      const [rec] = await listJson(home);
      assert.equal(rec?.status, 'FAILED');
      assert.equal(rec.failureCause, 'job process lost');
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('two detached jobs: cancelling one leaves the other running', async () => {
    const home = freshHome();
    const a = await runDetached(home, UNBOUNDED, ['job-a']);
    const b = await runDetached(home, UNBOUNDED, ['job-b']);
    assert.notEqual(a.jobId, b.jobId);
    assert.notEqual(a.pid, b.pid);
    const both = await listJson(home, ['-r']);
    assert.deepEqual(both.map((j) => [j.jobId, j.status]).sort(), [[a.jobId, 'RUNNING'], [b.jobId, 'RUNNING']].sort());

    await cancel(home, a.jobId, a.jobId);
    await waitGone(a.pid);
    const after1 = await listJson(home);
    assert.equal(after1.find((j) => j.jobId === a.jobId)?.status, 'CANCELED');
    assert.equal(after1.find((j) => j.jobId === b.jobId)?.status, 'RUNNING');
    assert.ok(isAlive(b.pid));

    await cancel(home, b.jobId.slice(0, 6), b.jobId);
    await waitGone(b.pid);
    assert.deepEqual((await listJson(home)).map((j) => j.status), ['CANCELED', 'CANCELED']);
  });
});

describe('flink run attached: signals and the recorded end', () => {
  test("cancelled by flink cancel: exit 1 as Flink's client, the cancelled line and one error line", async () => {
    const home = freshHome();
    const job = spawnFlink(['run', UNBOUNDED, 'attached-cancel'], { home, timeoutMs: 15_000 });
    trackPid(job.child.pid);
    const id = SUBMITTED_LINE.exec(await job.waitForLine(SUBMITTED_LINE))![1]!;
    await job.waitForLine(/^key \d count 2$/);
    await cancel(home, id, id);
    const r = await job.exited;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(linesOf(r.stdout).at(-1), `Job with JobID ${id} has been cancelled.`);
    assert.deepEqual(nonWarningLines(r.stderr), ['Error: The job was cancelled.']);
    assert.equal((await listJson(home))[0]?.status, 'CANCELED');
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    test(`${signal} → exit ${code}, and the job is recorded CANCELED with an end time`, async () => {
      const home = freshHome();
      const job = spawnFlink(['run', UNBOUNDED, `attached-${signal}`], { home, timeoutMs: 15_000 });
      trackPid(job.child.pid);
      const id = SUBMITTED_LINE.exec(await job.waitForLine(SUBMITTED_LINE))![1]!;
      await job.waitForLine(/^key \d count 2$/);
      job.child.kill(signal);
      const r = await job.exited;
      assert.equal(r.code, code, r.stderr);
      assert.equal(linesOf(r.stdout).at(-1), `Job with JobID ${id} has been cancelled.`);
      const [rec] = await listJson(home);
      assert.equal(rec?.jobId, id);
      assert.equal(rec.name, `attached-${signal}`);
      assert.equal(rec.status, 'CANCELED');
      assert.ok(rec.endTime !== null && rec.endTime >= rec.startTime, JSON.stringify(rec));
    });
  }

  test('a bounded job attached: exit 0, recorded FINISHED under the name given to execute()', async () => {
    const home = freshHome();
    const r = await runFlink(['run', BOUNDED], { home, timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = linesOf(r.stdout);
    const id = SUBMITTED_LINE.exec(lines[0] ?? '')?.[1];
    assert.ok(id, r.stdout);
    assert.equal(lines.at(-2), `Job with JobID ${id} has finished.`);
    assert.ok(lines.includes('sum 50500'), 'the last sum of key 0 (10+20+...+1000)');
    const [rec] = await listJson(home);
    assert.equal(rec?.jobId, id);
    assert.equal(rec.name, 'bounded-reduce-e2e');
    assert.equal(rec.status, 'FINISHED');
    assert.ok(rec.endTime !== null && rec.endTime >= rec.startTime, JSON.stringify(rec));
    assert.deepEqual(await listJson(home, []), [], 'a finished job is not in the default list');
  });

  test('a detached job whose file fails to load: run -d exits 1 with one clear line; recorded FAILED', async () => {
    const home = freshHome();
    const dir = tempDir();
    const broken = join(dir, 'broken.ts');
    writeFileSync(broken, "import { StreamExecutionEnvironment } from 'flink-ts';\nconst x = ;\n");
    for (const [file, words] of [
      [join(FIXTURES, 'top-level-throw.ts'), /setting E2E_TOPIC is missing/],
      [broken, /line 2\b/],
    ] as const) {
      const r = await runFlink(['run', '-d', file], { home, cwd: dir, timeoutMs: 15_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
      const first = nonWarningLines(r.stderr)[0] ?? '';
      assert.match(first, /^Error: .*failed/, r.stderr);
      assert.match(first, words);
      assert.ok(first.includes(file), first);
      assert.deepEqual(stackLines(r.stderr), [], r.stderr);
    }
    const jobs = await listJson(home);
    assert.equal(jobs.length, 2, JSON.stringify(jobs));
    for (const j of jobs) {
      assert.equal(j.status, 'FAILED', JSON.stringify(j));
      assert.ok(j.failureCause, JSON.stringify(j));
      if (j.pid !== null) await waitGone(j.pid);
    }
  });
});

describe('configuration recorded in flink.db', () => {
  function recordedConfig(home: string, jobId: string): { parallelism: number | null; config: Record<string, unknown> } {
    const db = openDbReadonly(home);
    try {
      const row = db.prepare('SELECT parallelism, config FROM jobs WHERE job_id = ?').get(jobId) as
        | { parallelism: number | null; config: string }
        | undefined;
      assert.ok(row, `no row for ${jobId}`);
      return { parallelism: row.parallelism, config: JSON.parse(row.config) as Record<string, unknown> };
    } finally {
      db.close();
    }
  }

  async function runBounded(home: string, options: readonly string[]): Promise<string> {
    const r = await runFlink(['run', ...options, BOUNDED], { home, timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    return SUBMITTED_LINE.exec(linesOf(r.stdout)[0] ?? '')![1]!;
  }

  test('-D, -p and config.yaml values are recorded; -D wins over config.yaml, -p over both', async () => {
    const home = freshHome();
    const plain = await runBounded(home, []);
    assert.equal(recordedConfig(home, plain).config['parallelism.default'], 1);
    assert.equal(recordedConfig(home, plain).config['execution.checkpointing.timeout'], 600_000);

    const withD = await runBounded(home, ['-D', 'parallelism.default=2']);
    assert.equal(recordedConfig(home, withD).config['parallelism.default'], 2);
    assert.equal(recordedConfig(home, withD).parallelism, 2);

    const withP = await runBounded(home, ['-p', '3']);
    assert.equal(recordedConfig(home, withP).config['parallelism.default'], 3);
    assert.equal(recordedConfig(home, withP).parallelism, 3);

    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.yaml'), 'execution.checkpointing.timeout: 2 min\nparallelism.default: 4\n');
    const fromFile = await runBounded(home, []);
    assert.equal(recordedConfig(home, fromFile).config['execution.checkpointing.timeout'], 120_000);
    assert.equal(recordedConfig(home, fromFile).config['parallelism.default'], 4);

    const dOverFile = await runBounded(home, ['-D', 'parallelism.default=2', '-D', 'execution.checkpointing.timeout=30 s']);
    assert.equal(recordedConfig(home, dOverFile).config['parallelism.default'], 2);
    assert.equal(recordedConfig(home, dOverFile).config['execution.checkpointing.timeout'], 30_000);

    const pOverAll = await runBounded(home, ['-D', 'parallelism.default=2', '-p', '3']);
    assert.equal(recordedConfig(home, pOverAll).config['parallelism.default'], 3);
    assert.equal(recordedConfig(home, pOverAll).config['execution.checkpointing.timeout'], 120_000);
  });

  test('a detached job records its -D and config.yaml values too', async () => {
    const home = freshHome();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'config.yaml'), 'execution:\n  checkpointing:\n    timeout: 2 min\n');
    const { jobId, pid } = await runDetached(home, UNBOUNDED, ['configured'], ['-D', 'parallelism.default=2']);
    const rec = recordedConfig(home, jobId);
    assert.equal(rec.config['parallelism.default'], 2);
    assert.equal(rec.config['execution.checkpointing.timeout'], 120_000);
    const r = await runFlink(['cancel', jobId], { home, timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    await waitGone(pid);
  });
});
