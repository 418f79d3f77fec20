/**
 * End-to-end test of many CLI processes sharing one flink.db at once: three `flink run -d` and
 * three `flink list` on a home without flink.db yet, then the running jobs writing heartbeats
 * and polling commands while 20 `flink list` and 5 `flink cancel` start together.
 * No process may see "database is locked", and every job's recorded history must be whole.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type RunResult,
  cleanUpAfterAll,
  freshHome,
  isAlive,
  linesOf,
  listJson,
  runDetached,
  runFlink,
  stackLines,
  statusHistory,
  waitFor,
} from './helpers.js';
import { UNBOUNDED_KEYED as UNBOUNDED } from './fixture-jobs.js';

cleanUpAfterAll();


describe('concurrent CLI processes on one flink.db', () => {
  test('3 jobs started at once on a fresh home with lists racing them, then 20 lists and 5 cancels at once: no lock errors or warnings, every job CANCELED once', async () => {
    const home = freshHome();
    // Started at once, on a home without flink.db yet, with lists racing them: creating the
    // database, migrating it, each job's row and its start all contend for the write lock.
    const starting = ['conc-a', 'conc-b', 'conc-c'].map((name) => runDetached(home, UNBOUNDED, [name]));
    const listsWhileStarting = await Promise.all(Array.from({ length: 3 }, () => runFlink(['list'], { home, timeoutMs: 45_000 })));
    const jobs = await Promise.all(starting);
    for (const r of [...jobs.map((j) => j.result), ...listsWhileStarting]) {
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.equal(r.stderr, '', 'no warning while jobs start');
    }
    assert.deepEqual(
      (await listJson(home, ['-r'])).map((j) => j.status),
      ['RUNNING', 'RUNNING', 'RUNNING'],
    );

    // Each job gets one cancel; two of them a second one at the same time (by prefix and full id).
    const cancelTargets = [jobs[0]!.jobId, jobs[1]!.jobId, jobs[2]!.jobId, jobs[0]!.jobId.slice(0, 7), jobs[1]!.jobId.slice(0, 12)];
    const lists = Array.from({ length: 20 }, (_, i) => {
      const variants = [['list'], ['list', '--json'], ['list', '-a'], ['list', '-r', '--json']];
      return { args: variants[i % variants.length]!, run: runFlink(variants[i % variants.length]!, { home, timeoutMs: 45_000 }) };
    });
    const cancels = cancelTargets.map((target) => ({ target, run: runFlink(['cancel', target], { home, timeoutMs: 45_000 }) }));
    const listResults = await Promise.all(lists.map((l) => l.run));
    const cancelResults = await Promise.all(cancels.map((c) => c.run));

    const show = (r: RunResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout.slice(-1500)}\n--- stderr ---\n${r.stderr}`;
    for (const r of [...listResults, ...cancelResults]) {
      assert.doesNotMatch(r.stdout + r.stderr, /database is locked|SQLITE_BUSY|SQLITE_LOCKED|Internal error/i, show(r));
      assert.deepEqual(stackLines(r.stderr), [], show(r));
    }
    for (const [i, r] of listResults.entries()) {
      assert.equal(r.code, 0, `flink ${lists[i]!.args.join(' ')}: ${show(r)}`);
      if (lists[i]!.args.includes('--json')) assert.ok(Array.isArray(JSON.parse(r.stdout)), r.stdout);
    }

    // Every job was cancelled by at least one of its cancels (exit 0, both lines); a second
    // cancel of the same job either also waited for it (exit 0) or found it ended (exit 1, one line).
    for (const { jobId } of jobs) {
      const mine = cancels.map((c, i) => ({ ...c, r: cancelResults[i]! })).filter((c) => jobId.startsWith(c.target));
      assert.ok(mine.length >= 1);
      assert.ok(
        mine.some((c) => c.r.code === 0),
        `no successful cancel of ${jobId}:\n${mine.map((c) => show(c.r)).join('\n')}`,
      );
      for (const { r } of mine) {
        if (r.code === 0) {
          assert.deepEqual(linesOf(r.stdout), [`Cancelling job ${jobId}.`, `Cancelled job ${jobId}.`], show(r));
        } else {
          assert.equal(r.code, 1, show(r));
          const errLines = linesOf(r.stderr);
          assert.equal(errLines.length, 1, show(r));
          assert.match(errLines[0]!, /^Error: .*(CANCELED|CANCELLING|cancel)/, show(r));
          assert.ok(errLines[0]!.includes(jobId), show(r));
        }
      }
    }

    // Every job ended CANCELED, its process is gone, and its history is exactly one path.
    const final = await listJson(home);
    assert.deepEqual(
      final.map((j) => [j.jobId, j.status]).sort(),
      jobs.map((j) => [j.jobId, 'CANCELED']).sort(),
    );
    for (const j of final) assert.ok(j.endTime !== null && j.endTime >= j.startTime, JSON.stringify(j));
    for (const { jobId, pid } of jobs) {
      await waitFor(`job process ${pid} to exit`, () => !isAlive(pid), 5_000);
      assert.deepEqual(statusHistory(home, jobId), ['>CREATED', 'CREATED>RUNNING', 'RUNNING>CANCELLING', 'CANCELLING>CANCELED'], jobId);
      // A job's own writes (status, commands, heartbeats) never gave up on the lock: no "Cannot update the job's record".
      const log = readFileSync(join(home, 'log', `${jobId}.log`), 'utf8');
      assert.doesNotMatch(log, /Warning|SQLITE_BUSY|database is locked/, log);
    }
  });
});
