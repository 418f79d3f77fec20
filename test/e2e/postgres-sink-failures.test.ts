/**
 * JdbcSink.exactlyOnceSink when PostgreSQL fails under it or does not fit it, through the real
 * `flink` CLI and a real server (same fixture as postgres-sink.test.ts):
 * - the server crashes (immediate shutdown) after checkpoint 2's `_metadata` is published and
 *   before the sink's `COMMIT PREPARED` (the job's process is frozen at that point by the
 *   fixture's hook), and is still down when the job restarts: the commit fails, the job fails
 *   over, its next attempt cannot connect and is retried, and once the server is back the
 *   restored attempt commits checkpoint 2's transactions (kept by the crash) — every row once;
 * - what no restart fixes (a missing table, a missing column, a connection string that cannot
 *   be read, a database that does not exist) fails the job at once even with checkpointing on
 *   (whose restart strategy would retry forever): one line, exit 1, nothing written; a row the
 *   table refuses (a duplicate key) fails a job without checkpoints with one line and leaves
 *   none of its rows.
 * Needs a built dist/ (bin/flink).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sinkKey } from '../../src/connectors/jdbc-sink-transactions.js';
import { type TestPostgres, sharedPostgres } from '../helpers/postgres.js';
import { FIXTURES, type ListedJob, freshHome, killLeftovers, listJson, removeTempDirs, runDetached, runFlink, stackLines, tempDir, waitFor, waitForStatus } from './helpers.js';

const JOB = join(FIXTURES, 'pg-kill-after-checkpoint.ts');
const COUNT = 6000;

let server: TestPostgres;

before(async () => {
  server = await sharedPostgres();
});

after(async () => {
  await killLeftovers();
  removeTempDirs();
  await server.stop();
});

const sqlOn =
  (database: string) =>
  <R extends Record<string, unknown>>(text: string, params: unknown[] = []) =>
    server.query<R>(text, params, database);

test('PostgreSQL crashes between a checkpoint and its commit and is down at the restart: retried, then every row once', { timeout: 120_000 }, async () => {
  const database = `failures_crash_${process.pid}`;
  const url = await server.createDatabase(database);
  const sql = sqlOn(database);
  await sql('CREATE TABLE events (i bigint)');
  const home = freshHome();
  const marker = join(tempDir(), 'held');
  const hold = join(tempDir(), 'go');
  const options = ['-p', '2', '-D', 'execution.checkpointing.interval=300ms', '-D', 'restart-strategy.type=fixed-delay', '-D', 'restart-strategy.fixed-delay.attempts=1000', '-D', 'restart-strategy.fixed-delay.delay=200ms'];
  const { jobId } = await runDetached(home, JOB, [url, marker, String(COUNT), '2000', '2', hold], options);
  await waitFor('the job to freeze after checkpoint 2 completed', () => existsSync(marker), 60_000, 20);
  const killedAt = Number(readFileSync(marker, 'utf8'));
  const prepared = await sql<{ gid: string; xid: string }>('SELECT gid, transaction::text AS xid FROM pg_prepared_xacts WHERE starts_with(gid, $1) AND database = current_database()', [`fts.${sinkKey('pg')}.`]);
  // A subtask's sink told of the checkpoint before the freeze may have committed its share.
  const ofCheckpoint = prepared.filter((p) => p.gid.endsWith(`.${killedAt}`));
  assert.ok(ofCheckpoint.length >= 1, `prepared: ${prepared.map((p) => p.gid).join(', ')}`);

  await server.crash();
  writeFileSync(hold, '');
  // The commit fails on the lost connection, and at least one restart finds the server down.
  await waitFor(
    'two restarts, the last one after a failed connect',
    async () => {
      const job = (await listJson(home)).find((j) => j.jobId === jobId) as (ListedJob & { restarts?: number }) | undefined;
      return (job?.restarts ?? 0) >= 2 && /JdbcSink: cannot connect to PostgreSQL/.test(job?.failureCause ?? '');
    },
    60_000,
    100,
  );
  server.start();
  const done = await waitForStatus(home, jobId, ['FINISHED', 'FAILED'], 90_000);
  assert.equal(done.status, 'FINISHED', JSON.stringify(done));

  const [row] = await sql<{ n: string; distinct: string; min: string; max: string }>('SELECT count(*) AS n, count(DISTINCT i) AS distinct, min(i) AS min, max(i) AS max FROM events');
  assert.deepEqual(row, { n: String(COUNT), distinct: String(COUNT), min: '0', max: String(COUNT - 1) });
  assert.deepEqual(await sql('SELECT gid FROM pg_prepared_xacts WHERE database = current_database()'), [], 'nothing is left prepared');
  // Checkpoint 2's transactions outlived the crash and were committed, not rolled back and replayed.
  for (const p of ofCheckpoint) {
    const [{ status }] = await sql<{ status: string }>('SELECT pg_xact_status($1::xid8) AS status', [p.xid]);
    assert.equal(status, 'committed', p.gid);
  }
});

test('what no restart fixes fails the job at once with one line, checkpointing or not; nothing is written', { timeout: 120_000 }, async () => {
  const database = `failures_misfit_${process.pid}`;
  const url = await server.createDatabase(database);
  const sql = sqlOn(database);
  const home = freshHome();
  const run = async (connectionString: string, checkpointing: boolean) => {
    const options = checkpointing ? ['-D', 'execution.checkpointing.interval=300ms'] : [];
    const r = await runFlink(['run', ...options, JOB, connectionString, join(tempDir(), 'marker'), String(COUNT), '1000000'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.deepEqual(stackLines(r.stderr), []);
    return lines[0]!;
  };

  assert.match(await run(url, true), /JdbcSink: table "events" does not exist in database "failures_misfit_\d+"; create it first/);
  await sql('CREATE TABLE events (n bigint)');
  assert.match(await run(url, true), /JdbcSink: table "events" has no column "i" \(its columns: n\); make the sink's columns match the table\.$/);
  const badUrl = await run('postgresql://flink:s3cret@localhost:99999/db', true);
  assert.match(badUrl, /JdbcSink: its connectionString cannot be read \(Invalid URL\); write it as postgresql:/);
  assert.ok(!badUrl.includes('s3cret'), 'the password is not shown');
  assert.match(await run(server.connectionStringFor('no_such_db'), true), /JdbcSink: cannot connect to PostgreSQL: database "no_such_db" does not exist$/);
  const jobs = await listJson(home);
  assert.deepEqual(
    jobs.map((j) => [j.status, (j as { restarts?: number }).restarts ?? 0]),
    jobs.map(() => ['FAILED', 0]),
    'failed at once, never restarted',
  );

  // A row the table refuses: without checkpoints the job's one transaction per subtask goes, whole.
  await sql('DROP TABLE events');
  await sql('CREATE TABLE events (i bigint PRIMARY KEY)');
  await sql('INSERT INTO events VALUES (4000)');
  assert.match(await run(url, false), /JdbcSink failed writing \d+ rows: duplicate key value violates unique constraint "events_pkey"/);
  assert.deepEqual(await sql('SELECT i FROM events'), [{ i: '4000' }]);
  assert.deepEqual(await sql('SELECT gid FROM pg_prepared_xacts WHERE database = current_database()'), []);
});
