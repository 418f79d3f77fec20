/**
 * JdbcSink.exactlyOnceSink end to end through the real `flink` CLI and a real PostgreSQL: a job
 * killed (SIGKILL) after checkpoint 2's `_metadata` was published and before its sink sent
 * `COMMIT PREPARED` leaves that checkpoint's transactions prepared and their rows invisible;
 * `flink run -s <jobId>` commits exactly those, and the finished job has every input once. And
 * the example jobs/postgres-sink.ts: its word counts in PostgreSQL are the true ones.
 * Needs a built dist/ (bin/flink).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sinkKey } from '../../src/connectors/jdbc-sink-transactions.js';
import { type TestPostgres, sharedPostgres } from '../helpers/postgres.js';
import { FIXTURES, REPO, freshHome, isAlive, killLeftovers, listedJob, parseAttachedRun, removeTempDirs, runDetached, runFlink, tempDir, waitFor } from './helpers.js';

const JOB = join(FIXTURES, 'pg-kill-after-checkpoint.ts');
const COUNT = 6000;

let server: TestPostgres;
let url: string;
const database = `e2e_${process.pid}`;

before(async () => {
  server = await sharedPostgres();
  url = await server.createDatabase(database);
  await server.query('CREATE TABLE events (i bigint)', [], database);
});

after(async () => {
  await killLeftovers();
  removeTempDirs();
  await server.stop();
});

const sql = <R extends Record<string, unknown>>(text: string, params: unknown[] = []) => server.query<R>(text, params, database);

/** The killed run's arguments (`url marker count rate killAt`) at five times its rate. */
const restoreArgs = (args: readonly string[]) => args.map((a, i) => (i === 3 ? String(Number(a) * 5) : a));

test('a kill between prepare and commit leaves prepared transactions that the restored job commits exactly once', { timeout: 120_000 }, async () => {
  const home = freshHome();
  const marker = join(tempDir(), 'killed');
  const options = ['-p', '2', '-D', 'execution.checkpointing.interval=300ms'];
  const args = [url, marker, String(COUNT), '2000', '2'];
  const { jobId, pid } = await runDetached(home, JOB, args, options);
  await waitFor('the job to kill itself after checkpoint 2', () => existsSync(marker) && !isAlive(pid), 60_000, 20);

  const job = await listedJob(home, jobId);
  const killedAt = job.lastCheckpoint?.id;
  assert.ok(killedAt !== undefined && killedAt >= 2, `checkpoint 2 or later completed (${JSON.stringify(job.lastCheckpoint)})`);
  const prepared = await sql<{ gid: string; xid: string }>('SELECT gid, transaction::text AS xid FROM pg_prepared_xacts WHERE starts_with(gid, $1) ORDER BY gid', [`fts.${sinkKey('pg')}.`]);
  // Both subtasks prepared their transaction of the killed-at checkpoint; neither was committed.
  const ofKilled = prepared.filter((p) => p.gid.endsWith(`.${killedAt}`));
  assert.equal(ofKilled.length, 2, `prepared: ${prepared.map((p) => p.gid).join(', ')}`);
  for (const p of ofKilled) assert.match(p.gid, new RegExp(`^fts\\.${sinkKey('pg')}\\.${jobId}\\.${jobId}\\.0\\.[01]\\.${killedAt}$`));
  const [{ n: before }] = await sql<{ n: string }>('SELECT count(*) AS n FROM events');
  assert.ok(Number(before) < COUNT, 'the killed job did not finish');

  // At five times the rate: it only has to reach the end (the rate limit is no state).
  const r = await runFlink(['run', ...options, '-s', jobId, JOB, ...restoreArgs(args)], { home, timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  parseAttachedRun(r.stdout);

  const [{ n, distinct, min, max }] = await sql<{ n: string; distinct: string; min: string; max: string }>(
    'SELECT count(*) AS n, count(DISTINCT i) AS distinct, min(i) AS min, max(i) AS max FROM events',
  );
  assert.deepEqual({ n, distinct, min, max }, { n: String(COUNT), distinct: String(COUNT), min: '0', max: String(COUNT - 1) });
  assert.deepEqual(await sql('SELECT gid FROM pg_prepared_xacts'), [], 'nothing is left prepared');
  // The killed run's transactions were committed by the restore, not rolled back and replayed.
  for (const p of ofKilled) {
    const [{ status }] = await sql<{ status: string }>('SELECT pg_xact_status($1::xid8) AS status', [p.xid]);
    assert.equal(status, 'committed', p.gid);
  }
});

test('jobs/postgres-sink.ts: exactly-once word counts, upserted into word_counts, are the true counts', { timeout: 60_000 }, async () => {
  await sql('CREATE TABLE word_counts (word text PRIMARY KEY, n bigint NOT NULL)');
  const r = await runFlink(['run', '-p', '2', '-D', 'execution.checkpointing.interval=200ms', join(REPO, 'jobs', 'postgres-sink.ts'), url], { home: freshHome(), timeoutMs: 45_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(parseAttachedRun(r.stdout).body, []);
  const words = readFileSync(join(REPO, 'jobs', 'data', 'two-cities.txt'), 'utf8').toLowerCase().split(/[^a-z']+/).filter((w) => w.length > 0);
  const truth = new Map<string, number>();
  for (const w of words) truth.set(w, (truth.get(w) ?? 0) + 1);
  const rows = await sql<{ word: string; n: string }>('SELECT word, n FROM word_counts');
  assert.equal(rows.length, truth.size);
  for (const { word, n } of rows) assert.equal(Number(n), truth.get(word), word);
});
