/**
 * `flink run -d -s B` of a job B that was restored from job A's checkpoint and killed (-9) before
 * a checkpoint of its own: B's restore falls back to A's checkpoint, which names nothing B
 * staged, so the restore deletes B's hidden part files and staged SqliteSink rows (they used to
 * stay behind for good; found by a kill -9 field trial) — and nothing of any other job. Through
 * bin/flink, detached (the parent finds B abandoned, the job's process drops its output) and on
 * worker threads (-p 2).
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import { FIXTURES, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, runDetached, runFlink, tempDir, waitFor, waitForCheckpoint, waitForStatus } from './helpers.js';

cleanUpAfterAll();

const N = 4000;
/** Another job's token (the first 12 characters of its id): a dead job whose own checkpoint may still commit its files. */
const OTHER = 'dddddddddddd';

describe('a restore from a job that died before a checkpoint of its own', () => {
  test("drops that job's hidden files and staged rows, and no other job's; the output is exactly once", { timeout: 90_000 }, async () => {
    const home = freshHome();
    const work = tempDir();
    const out = join(work, 'out');
    const db = join(work, 'events.db');
    const a = await runDetached(home, CHAOS_JOB, [out, db, String(N), '1000'], ['-p', '2', '-D', 'execution.checkpointing.interval=150ms']);
    await waitForCheckpoint(home, a.jobId, 2, 20_000);
    await killHard(a.pid);
    // B never reaches a checkpoint (an hour apart): it only writes in-progress parts.
    const b = await runDetached(home, CHAOS_JOB, [out, db, String(N), '500'], ['-p', '2', '-D', 'execution.checkpointing.interval=1h', '-s', a.jobId]);
    const token = b.jobId.slice(0, 12);
    const ofB = () => hiddenFiles(out).filter((f) => basename(f).startsWith(`.part-${token}`));
    await waitFor("B's in-progress parts", () => ofB().length >= 2 || undefined, 20_000, 20);
    await killHard(b.pid);
    // What B staged at a barrier whose checkpoint never completed (an hour apart, it reached
    // none: its rows are put there by hand), and what another job staged, as its files.
    const conn = new Database(db);
    const { sink_uid: uid } = conn.prepare('SELECT sink_uid FROM _flink_sink_commits LIMIT 1').get() as { sink_uid: string };
    const stage = conn.prepare("INSERT INTO _flink_sink_staging (sink_uid, subtask, run_id, checkpoint_id, seq, row) VALUES (?, 0, ?, 3, 0, x'00')");
    stage.run(uid, `${b.jobId}:00000000deadbeef`);
    stage.run(uid, `${OTHER}00000000000000000004:00000000deadbeef`);
    conn.close();
    const other = join(out, dirname(ofB()[0]!), basename(ofB()[0]!).replace(token, OTHER));
    copyFileSync(join(out, ofB()[0]!), other);

    const c = await runDetached(home, CHAOS_JOB, [out, db, String(N), 'max'], ['-p', '2', '-D', 'execution.checkpointing.interval=150ms', '-s', b.jobId]);
    assert.match(c.result.stderr, new RegExp(`Job ${b.jobId} has no completed checkpoint or savepoint of its own: restoring the snapshot it was restored from`));
    await waitForStatus(home, c.jobId, ['FINISHED'], 60_000);
    assert.deepEqual(ofB(), [], "B's hidden files are deleted");
    assert.deepEqual(hiddenFiles(out).map((f) => join(out, f)), [other], "another job's hidden file stays (and nothing of A's or C's)");
    const staged = new Database(db, { readonly: true });
    const runs = (staged.prepare('SELECT run_id FROM _flink_sink_staging').all() as { run_id: string }[]).map((r) => r.run_id);
    staged.close();
    assert.deepEqual(runs, [`${OTHER}00000000000000000004:00000000deadbeef`], "B's staged rows are dropped, another job's stay");
    const file = checkLines(committedLines(out), N);
    const sqlite = checkLines(sqliteLines(db).lines, N);
    assert.deepEqual([file.lost, file.duplicated, sqlite.lost, sqlite.duplicated], [0, 0, 0, 0]);
  });

  test("a job process given other than job ids as the jobs its parent found abandoned refuses in one line", async () => {
    const r = await runFlink(['run', join(FIXTURES, 'no-execute.ts')], {
      home: freshHome(),
      env: { FLINK_TS_DETACHED_JOB_ID: '0'.repeat(32), FLINK_TS_DETACHED_JOBS_ABANDONED: 'not-a-job' },
    });
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim(), 'Error: FLINK_TS_DETACHED_JOBS_ABANDONED must list job ids separated by commas, not not-a-job.');
  });
});
