/**
 * End-to-end tests of savepoints: `flink savepoint` of a running job and restore with
 * `flink run -s` (exactly-once output, relocated savepoints, the path forms of -s),
 * `flink stop [--drain]`, `flink savepoint -d`, `flink info`, and the refusals: savepoints of jobs
 * that do not run, and damaged or foreign `_metadata`.
 *
 * The jobs run WITHOUT periodic checkpoints where output is checked for repeats: a checkpoint after
 * the savepoint would commit more output, which a restore from the savepoint then repeats (as in
 * Flink). Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import {
  activeJobRows, cancelJob, checkpointDirIds, cleanUpAfterAll, committedLines, dbRow, freshHome, isAlive,
  keyedCountProblems, linesOf, listFiles, listJson, listedJob, nonWarningLines, parseAttachedRun,
  parseKeyedCountLines, runDetached, runFlink, savepointPathOf, sleep, stackLines, tempDir, waitFor,
  waitForCheckpoint, waitForInProgressPart, waitForStatus,
} from './helpers.js';
import { SP_JOB, SP_JOB_INTERRUPTED_RATE as RATE } from './fixture-jobs.js';

cleanUpAfterAll();

/** Inputs of the bounded runs: 300 per key. */
const N = 3000;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Starts sp-job v1 detached at 1000 records/s (no periodic checkpoints) and waits until records flow. */
async function startV1(home: string, out: string, flinkOptions: readonly string[] = [], count = String(N)) {
  const started = await runDetached(home, SP_JOB, ['v1', out, count, RATE], flinkOptions);
  await waitForInProgressPart(out);
  await sleep(400);
  return started;
}

/** A v1 job in a fresh home, out into `<root>/out`, stopped with a savepoint into `<root>/sps`. */
async function stoppedV1(): Promise<{ home: string; root: string; jobId: string; sp: string }> {
  const home = freshHome();
  const root = tempDir();
  const out = join(root, 'out');
  const { jobId } = await startV1(home, out);
  const sp = savepointPathOf(await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 15_000 }));
  return { home, root, jobId, sp };
}

let shared: ReturnType<typeof stoppedV1> | undefined;

/**
 * One {@link stoppedV1}, made once, for the tests that only read its savepoint or damage copies
 * of it (and start no job in its home that could stay running): a v1 run and stop of their own
 * cost each ~3 s.
 */
function sharedStoppedV1(): ReturnType<typeof stoppedV1> {
  shared ??= stoppedV1();
  return shared;
}

/** `flink run -s <from> sp-job.ts <variant> <out> N max` to its end; returns the new job id. */
async function restoreToEnd(home: string, from: string, out: string, flinkOptions: readonly string[] = [], variant = 'v1'): Promise<string> {
  const r = await runFlink(['run', '-s', from, ...flinkOptions, SP_JOB, variant, out, String(N), 'max'], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 0, `restore from ${from} failed:\n${r.stdout}\n${r.stderr}`);
  return parseAttachedRun(r.stdout).jobId;
}

/** Committed output of a job stopped (not finished) at 1 record per key per count: exactly inputs 0..P-1, P in (0, N). */
function assertCommittedPrefix(out: string): number {
  const is = parseKeyedCountLines(committedLines(out))
    .map((l) => l.i)
    .sort((a, b) => a - b);
  assert.ok(is.length > 0 && is.length < N, `expected a committed prefix of the input, got ${is.length} lines`);
  assert.ok(
    is.every((i, idx) => i === idx),
    `committed output is not exactly inputs 0..${is.length - 1}: ${is.slice(0, 20).join(',')}…`,
  );
  return is.length;
}

/** Asserts a CLI refusal: exit 1, one readable stderr line (no stack), matching `re` if given; returns that line. */
function assertRefused(r: { code: number | null; stdout: string; stderr: string }, re?: RegExp): string {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const lines = nonWarningLines(r.stderr);
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
  assert.deepEqual(stackLines(r.stderr), []);
  if (re) assert.match(lines[0]!, re);
  return lines[0]!;
}

describe('flink savepoint and run -s', () => {
  test('a savepoint of a running job, cancel, run -s: every input exactly once and the counts continue', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await startV1(home, out);

    const r = await runFlink(['savepoint', jobId.slice(0, 6)], { home, timeoutMs: 15_000 });
    const sp = savepointPathOf(r);
    assert.deepEqual(linesOf(r.stdout), [`Triggering savepoint for job ${jobId}.`, `Savepoint completed. Path: ${sp}`]);
    assert.match(sp, new RegExp(`^${escapeRe(join(home, 'savepoints'))}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    assert.ok(statSync(join(sp, '_metadata')).isFile());
    // A savepoint does not stop the job (it would have needed 3 s for all its input).
    assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
    await cancelJob(home, jobId);

    // What the first job committed: a prefix of the input (flink-ts commits FileSink output on
    // savepoints). Were the restore ignored, the second job would repeat it.
    const before = assertCommittedPrefix(out);
    const restoredId = await restoreToEnd(home, sp, out);
    assert.notEqual(restoredId, jobId, 'a restored job gets a new job id');
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
    assert.ok(committedLines(out).length === N && before < N);
    const row = dbRow<{ restored_from: string | null }>(home, 'SELECT restored_from FROM jobs WHERE job_id = ?', restoredId);
    assert.equal(row?.restored_from, sp);
    assert.ok(existsSync(join(sp, '_metadata')), 'the savepoint stays after the restored job ends');
  });

  test('a relocated savepoint restores, as a directory, its _metadata file, or a file:// URI', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await startV1(home, out);
    // The positional [dir] form of flink savepoint.
    const target = join(root, 'sps');
    const sp = savepointPathOf(await runFlink(['savepoint', jobId, target], { home, timeoutMs: 15_000 }));
    assert.match(sp, new RegExp(`^${escapeRe(target)}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    await cancelJob(home, jobId);
    assertCommittedPrefix(out);

    const moved = join(root, 'elsewhere', 'renamed-savepoint');
    mkdirSync(join(root, 'elsewhere'));
    renameSync(sp, moved);
    assert.ok(!existsSync(sp));

    const forms = { dir: moved, metadata: join(moved, '_metadata'), uri: pathToFileURL(moved).href };
    assert.match(forms.uri, /^file:\/\/\//);
    for (const [name, from] of Object.entries(forms)) {
      // Each restore continues the same first run, in its own copy of the output directory.
      const copy = join(root, `out-${name}`);
      cpSync(out, copy, { recursive: true });
      await restoreToEnd(home, from, copy);
      assert.deepEqual(keyedCountProblems(committedLines(copy), N), [], `restore from ${name} form ${from}`);
    }
  });

  test('flink stop: a savepoint, the job FINISHED with its path recorded, and run -s finishes exactly once', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId, pid } = await startV1(home, out);
    const target = join(root, 'stops');
    const r = await runFlink(['stop', jobId.slice(0, 8), '-p', target], { home, timeoutMs: 15_000 });
    const sp = savepointPathOf(r);
    assert.deepEqual(linesOf(r.stdout), [`Suspending job "${jobId}" with a savepoint.`, `Savepoint completed. Path: ${sp}`]);
    assert.match(sp, new RegExp(`^${escapeRe(target)}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));

    await waitForStatus(home, jobId, ['FINISHED']);
    await waitFor(`job process ${pid} to exit`, () => !isAlive(pid), 5_000);
    const row = dbRow<{ savepoint_path: string | null }>(home, 'SELECT savepoint_path FROM jobs WHERE job_id = ?', jobId);
    assert.equal(row?.savepoint_path, sp);
    const kind = dbRow<{ kind: string; status: string }>(home, 'SELECT kind, status FROM checkpoints WHERE path = ?', sp);
    assert.deepEqual(kind, { kind: 'SAVEPOINT_SUSPEND', status: 'COMPLETED' });

    // Suspended: what was committed is exactly the input before the savepoint.
    assertCommittedPrefix(out);
    await restoreToEnd(home, sp, out);
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
  });

  test("flink stop -d (Flink's short --drain) ends the job FINISHED with its savepoint and exactly-once output so far", async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await startV1(home, out);
    // The other drain tests spell it --drain.
    const r = await runFlink(['stop', jobId, '-d'], { home, timeoutMs: 15_000 });
    const sp = savepointPathOf(r);
    assert.equal(linesOf(r.stdout)[0], `Draining job "${jobId}" with a savepoint.`, "Flink's words for a drained stop");
    assert.match(sp, new RegExp(`^${escapeRe(join(home, 'savepoints'))}/savepoint-${jobId.slice(0, 6)}-[0-9a-f]{12}$`));
    const job = await waitForStatus(home, jobId, ['FINISHED']);
    assert.equal(job.status, 'FINISHED');
    await waitFor(`job process ${pid} to exit`, () => !isAlive(pid), 5_000);
    const row = dbRow<{ savepoint_path: string | null }>(home, 'SELECT savepoint_path FROM jobs WHERE job_id = ?', jobId);
    assert.equal(row?.savepoint_path, sp);
    assert.ok(existsSync(join(sp, '_metadata')));
    // As in Flink, a drained stop is a terminating savepoint.
    const kind = dbRow<{ kind: string }>(home, 'SELECT kind FROM checkpoints WHERE path = ?', sp);
    assert.equal(kind?.kind, 'SAVEPOINT_TERMINATE');
    assertCommittedPrefix(out);
  });

  test('flink savepoint -d disposes a savepoint and refuses checkpoints, random and garbage directories', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await runDetached(home, SP_JOB, ['v1', out, 'inf', '1000'], ['-D', 'execution.checkpointing.interval=200ms']);
    await waitForCheckpoint(home, jobId, 1);
    const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await cancelJob(home, jobId);
    // Retained on cancellation (the default): the job's last completed checkpoint.
    const chkDirs = checkpointDirIds(join(home, 'checkpoints', jobId)).map((id) => join(home, 'checkpoints', jobId, `chk-${id}`));
    const chkStatus = (path: string) => dbRow<{ status: string }>(home, 'SELECT status FROM checkpoints WHERE path = ?', path)?.status;
    const chk = chkDirs.findLast((d) => chkStatus(d) === 'COMPLETED');
    assert.ok(
      chk !== undefined && existsSync(join(chk, '_metadata')),
      `a retained completed checkpoint; found ${chkDirs.map((d) => `${d} (${chkStatus(d)}: ${readdirSync(d).join(' ')})`).join(', ')}`,
    );

    const disposed = await runFlink(['savepoint', '-d', sp], { home, timeoutMs: 15_000 });
    assert.equal(disposed.code, 0, disposed.stderr);
    assert.deepEqual(linesOf(disposed.stdout), [`Savepoint '${sp}' disposed.`]);
    assert.ok(!existsSync(sp), 'the savepoint directory is gone');
    const row = dbRow<{ status: string; discarded: number }>(home, 'SELECT status, discarded FROM checkpoints WHERE path = ?', sp);
    assert.deepEqual([row?.status, row?.discarded], ['COMPLETED', 1]);

    const random = join(root, 'random');
    mkdirSync(random);
    writeFileSync(join(random, 'precious.txt'), 'keep me\n');
    const garbage = join(root, 'garbage');
    mkdirSync(garbage);
    writeFileSync(join(garbage, '_metadata'), 'this is not a snapshot\n');
    writeFileSync(join(garbage, 'data'), 'keep me too\n');
    const refusals: Array<[string, string]> = [
      ['checkpoint', chk],
      ['checkpoint _metadata', join(chk, '_metadata')],
      ['random dir', random],
      ['garbage _metadata', garbage],
    ];
    for (const [what, path] of refusals) {
      const dir = path.endsWith('_metadata') ? join(path, '..') : path;
      const filesBefore = listFiles(dir);
      const r = await runFlink(['savepoint', '-d', path], { home, timeoutMs: 15_000 });
      assertRefused(r, /refus|not a (valid )?savepoint/i);
      assert.equal(r.stdout, '', `${what}: nothing on stdout`);
      assert.deepEqual(listFiles(dir), filesBefore, `${what}: the directory is intact`);
    }
    assert.equal(dbRow<{ status: string }>(home, 'SELECT status FROM checkpoints WHERE path = ?', chk)?.status, 'COMPLETED');
    assertRefused(await runFlink(['savepoint', '-d', join(root, 'no-such-dir')], { home, timeoutMs: 15_000 }));
  });

  test('flink info names uids, parallelism, states and key counts; --json has operators[].keyedStates', async () => {
    const { home, jobId, sp } = await sharedStoppedV1();

    const human = await runFlink(['info', sp], { home, timeoutMs: 15_000 });
    assert.equal(human.code, 0, human.stderr);
    for (const uid of ['gen', 'count', 'sink']) assert.match(human.stdout, new RegExp(`uid '${uid}'.*parallelism 1, max parallelism 128`));
    assert.match(human.stdout, /keyed value state 'n': 10 keys/);
    assert.ok(human.stdout.includes(jobId), 'names the job');

    for (const form of [sp, join(sp, '_metadata'), pathToFileURL(sp).href]) {
      const r = await runFlink(['info', form, '--json'], { home, timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr);
      const info = JSON.parse(r.stdout) as {
        path: string;
        kind: string;
        jobId: string;
        operators: Array<{ uid: string; parallelism: number; maxParallelism: number; keyedStates: Record<string, { kind: string; keys: number }> }>;
      };
      assert.equal(info.path, sp);
      assert.match(info.kind, /^SAVEPOINT/);
      assert.equal(info.jobId, jobId);
      assert.deepEqual(info.operators.map((o) => o.uid).sort(), ['count', 'gen', 'sink']);
      const count = info.operators.find((o) => o.uid === 'count')!;
      assert.deepEqual(Object.keys(count.keyedStates), ['n']);
      assert.equal(count.keyedStates.n!.kind, 'value');
      assert.equal(count.keyedStates.n!.keys, 10);
      assert.equal(count.parallelism, 1);
      assert.equal(count.maxParallelism, 128);
      for (const op of info.operators.filter((o) => o.uid !== 'count')) assert.deepEqual(op.keyedStates, {});
    }
  });

  test('savepoint and stop of a job that is not running: exit 1, one clear line', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const done = await runFlink(['run', SP_JOB, 'v1', out, '100', 'max'], { home, timeoutMs: 20_000 });
    assert.equal(done.code, 0, done.stderr);
    const finished = parseAttachedRun(done.stdout).jobId;
    const { jobId: cancelled } = await runDetached(home, SP_JOB, ['v1', join(tempDir(), 'out'), 'inf', '1000']);
    await cancelJob(home, cancelled);

    for (const [id, status] of [
      [finished, 'FINISHED'],
      [cancelled, 'CANCELED'],
    ] as const) {
      for (const cmd of ['savepoint', 'stop']) {
        const r = await runFlink([cmd, id], { home, timeoutMs: 15_000 });
        const line = assertRefused(r, new RegExp(`${id}.*${status}`));
        assert.match(line, /running/i);
        assert.equal(r.stdout, '', `${cmd} of a ${status} job prints nothing on stdout`);
      }
    }
    assertRefused(await runFlink(['savepoint', 'abcdef0123456789abcdef0123456789'], { home, timeoutMs: 15_000 }), /abcdef0123456789abcdef0123456789/);
    assertRefused(await runFlink(['stop', 'abcdef'], { home, timeoutMs: 15_000 }), /abcdef/);
    assert.deepEqual(readdirSync(home).includes('savepoints') ? readdirSync(join(home, 'savepoints')) : [], []);
  });

  test('run -s of a truncated, corrupted or foreign _metadata (or a damaged state file) is refused: exit 1, one line, no job left running', async () => {
    const { home, root, jobId, sp } = await sharedStoppedV1();
    await waitForStatus(home, jobId, ['FINISHED']);
    const metadata = readFileSync(join(sp, '_metadata'));
    const text = metadata.toString('utf8');

    const damaged = new Map<string, (dir: string) => void>([
      ['truncated', (d) => truncateSync(join(d, '_metadata'), Math.floor(metadata.length / 2))],
      ['empty', (d) => truncateSync(join(d, '_metadata'), 0)],
      [
        'bytes overwritten',
        (d) => {
          const b = Buffer.from(metadata);
          for (let k = Math.floor(b.length / 2); k < Math.floor(b.length / 2) + 24; k++) b[k] = b[k]! ^ 0xa5;
          writeFileSync(join(d, '_metadata'), b);
        },
      ],
      [
        'edited (still parses)',
        (d) => {
          const edited = text.replace(/"maxParallelism":\s*128/, '"maxParallelism": 64');
          assert.notEqual(edited, text, 'the metadata names maxParallelism 128');
          writeFileSync(join(d, '_metadata'), edited);
        },
      ],
      // Apache Flink's own _metadata starts with the magic number 0x4960672d.
      ['Apache Flink metadata', (d) => writeFileSync(join(d, '_metadata'), Buffer.concat([Buffer.from([0x49, 0x60, 0x67, 0x2d, 0, 0, 0, 3]), Buffer.alloc(64, 7)]))],
      ['other JSON', (d) => writeFileSync(join(d, '_metadata'), JSON.stringify({ version: 1, operators: [] }))],
      [
        'state file truncated',
        (d) => {
          const stateFile = listFiles(d).find((f) => f !== '_metadata' && statSync(join(d, f)).size > 8)!;
          truncateSync(join(d, stateFile), Math.floor(statSync(join(d, stateFile)).size / 2));
        },
      ],
    ]);
    for (const [what, damage] of damaged) {
      const copy = join(root, `damaged-${what.replace(/\W+/g, '-')}`);
      cpSync(sp, copy, { recursive: true });
      damage(copy);
      const r = await runFlink(['run', '-s', copy, SP_JOB, 'v1', join(root, `out-${what.replace(/\W+/g, '-')}`), String(N), 'max'], {
        home,
        timeoutMs: 20_000,
      });
      const line = assertRefused(r, new RegExp(escapeRe(copy)));
      assert.doesNotMatch(r.stdout, /has finished/, `${what}: ${line}`);
    }
    assert.deepEqual(activeJobRows(home), []);
    assert.deepEqual((await listJson(home, [])).filter((j) => j.status === 'RUNNING'), [], 'flink list --json shows no running job');
  });
});
