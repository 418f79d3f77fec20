/**
 * JdbcSink.exactlyOnceSink restores through the real CLI and PostgreSQL, beyond the
 * same-parallelism restore of postgres-sink.test.ts (same fixture: the job SIGKILLs itself after
 * checkpoint 2's `_metadata` is published and before the sink's `COMMIT PREPARED`):
 * - restored at another parallelism (2 → 3): the union state hands the recorded transactions of
 *   both old subtasks to the new job, which commits each exactly once;
 * - restored from the *older* retained checkpoint (num-retained 2, 2 → 1): the newer
 *   checkpoint's prepared transactions are rolled back and their rows replayed — every row once
 *   (Flink: a restore commits what its checkpoint recorded and aborts the rest).
 * Needs a built dist/ (bin/flink).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sinkKey } from '../../src/connectors/jdbc-sink-transactions.js';
import { type TestPostgres, sharedPostgres } from '../helpers/postgres.js';
import { FIXTURES, freshHome, isAlive, killLeftovers, listedJob, parseAttachedRun, removeTempDirs, runDetached, runFlink, tempDir, waitFor } from './helpers.js';

const JOB = join(FIXTURES, 'pg-kill-after-checkpoint.ts');
const COUNT = 5000;

let server: TestPostgres;

before(async () => {
  server = await sharedPostgres();
});

after(async () => {
  await killLeftovers();
  removeTempDirs();
  await server.stop();
});

async function killedRun(database: string, extra: readonly string[]) {
  const url = await server.createDatabase(database);
  await server.query('CREATE TABLE events (i bigint)', [], database);
  const home = freshHome();
  const marker = join(tempDir(), 'killed');
  const args = [url, marker, String(COUNT), '2000', '2'];
  const { jobId, pid } = await runDetached(home, JOB, args, ['-p', '2', '-D', 'execution.checkpointing.interval=300ms', ...extra]);
  await waitFor('the job to kill itself after checkpoint 2', () => existsSync(marker) && !isAlive(pid), 60_000, 20);
  const killedAt = (await listedJob(home, jobId)).lastCheckpoint?.id;
  assert.ok(killedAt !== undefined && killedAt >= 2);
  const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => server.query<R>(text, params, database);
  const prepared = await sql<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`fts.${sinkKey('pg')}.`]);
  assert.equal(prepared.filter((p) => p.gid.endsWith(`.${killedAt}`)).length, 2, 'both subtasks left checkpoint ' + killedAt + ' prepared');
  return { home, jobId, args, killedAt, sql };
}

/**
 * The killed run's arguments (`url marker count rate killAt`) at five times its rate: a restore
 * only has to reach the end (the rate limit is no state).
 */
const restoreArgs = (args: readonly string[]) => args.map((a, i) => (i === 3 ? String(Number(a) * 5) : a));

async function assertEveryRowOnce(sql: <R extends Record<string, unknown>>(text: string) => Promise<R[]>): Promise<void> {
  const [row] = await sql<{ n: string; distinct: string; min: string; max: string }>('SELECT count(*) AS n, count(DISTINCT i) AS distinct, min(i) AS min, max(i) AS max FROM events');
  assert.deepEqual(row, { n: String(COUNT), distinct: String(COUNT), min: '0', max: String(COUNT - 1) });
  assert.deepEqual(await sql('SELECT gid FROM pg_prepared_xacts'), [], 'nothing is left prepared');
}

test('kill between prepare and commit at p=2, restored at p=3: the recorded transactions of both old subtasks are committed once', { timeout: 90_000 }, async () => {
  const { home, jobId, args, sql } = await killedRun(`edges_rescale_${process.pid}`, []);
  const r = await runFlink(['run', '-p', '3', '-D', 'execution.checkpointing.interval=300ms', '-s', jobId, JOB, ...restoreArgs(args)], { home, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  parseAttachedRun(r.stdout);
  await assertEveryRowOnce(sql);
});

test('restored from the older retained checkpoint at p=1: the newer checkpoint’s prepared transactions are rolled back and replayed, every row once', { timeout: 90_000 }, async () => {
  const { home, jobId, args, killedAt, sql } = await killedRun(`edges_older_${process.pid}`, ['-D', 'execution.checkpointing.num-retained=2']);
  const older = join(home, 'checkpoints', jobId, `chk-${killedAt - 1}`);
  assert.ok(existsSync(join(older, '_metadata')), `${older} is retained`);
  const r = await runFlink(['run', '-p', '1', '-D', 'execution.checkpointing.interval=300ms', '-s', older, JOB, ...restoreArgs(args)], { home, timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  parseAttachedRun(r.stdout);
  await assertEveryRowOnce(sql);
});
