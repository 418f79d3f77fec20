/*
 * The commit points around savepoints, through a tracked JobMaster in this process with real
 * sinks and real checkpoint storage:
 * - a savepoint of a running job commits its sinks' output, and a failure before the next
 *   checkpoint restores the savepoint (not the checkpoint before it, which would write that
 *   output again, or whose restore would delete or roll back the savepoint's pre-commits and
 *   leave a later run from the savepoint without them: the records between the two lost for
 *   the FileSink and SqliteSink, the JdbcSink's restore refused);
 * - stop-with-savepoint, drained or not: once its savepoint told the sinks to commit, a commit
 *   that fails must not restart the job (it was stopped) nor leave the stop reported done; the
 *   job FAILS, the stop says so naming the savepoint, and a run from it commits what is left.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  FileSink,
  JdbcSink,
  type Pipeline,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  SqliteSink,
} from '../../src/index.js';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { injectFailure, numbersFailingOnRequest, startTrackedJob, until } from '../helpers/tracked-job.js';
import { type TestPostgres, sharedPostgres } from '../helpers/postgres.js';

/** Steered by the tests; functions are copied per subtask, this object is not. */
const control = { failCommitOf: -1 };


/** Asserts `values` are 0..max, each exactly once; names the gaps and duplicates otherwise. */
function assertExactlyOncePrefix(values: readonly number[], what: string): void {
  const sorted = [...values].sort((a, b) => a - b);
  const dups = sorted.filter((v, i) => i > 0 && sorted[i - 1] === v);
  const missing: number[] = [];
  const seen = new Set(sorted);
  for (let v = 0; v <= (sorted.at(-1) ?? -1); v++) if (!seen.has(v)) missing.push(v);
  assert.ok(sorted.length > 0, `${what}: nothing was written`);
  assert.deepEqual(
    { missing: missing.length, duplicated: dups.length },
    { missing: 0, duplicated: 0 },
    `${what}: missing ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''} (${missing.length}); duplicated ${dups.slice(0, 5).join(', ')} (${dups.length})`,
  );
}

/**
 * A checkpoint, then a savepoint, then a failure (before any later checkpoint completes), then
 * a cancel; then a new job from the savepoint, drained. Returns the new job's outcome.
 */
async function savepointThenFailoverThenRestore(home: { path: string }, build: () => Pipeline): Promise<void> {
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  try {
    injectFailure.next = false;
    const first = startTrackedJob(home, store, build());
    await sleep(200);
    await first.done('checkpoint', { full: false });
    await sleep(200);
    const savepoint = await first.done('savepoint', {});
    await sleep(100);
    injectFailure.next = true;
    await until(() => first.restarts() === 1, 'the failover');
    await until(() => store.getJob(first.master.jobId)?.status === 'RUNNING', 'the job to run again');
    await sleep(100);
    first.master.cancel();
    await first.outcome;

    const second = startTrackedJob(home, store, build(), { snapshot: loadSnapshot(savepoint.path), allowNonRestoredState: false });
    await sleep(200);
    await second.done('stop', { drain: true });
    const err = await second.outcome;
    assert.equal(err, undefined, `the job restored from the savepoint failed: ${String(err)}`);
  } finally {
    store.close();
  }
}

describe('an intermediate savepoint, then a failover before the next checkpoint completes', () => {
  test('FileSink: a later restore from the savepoint writes every record exactly once', async () => {
    const home = tempDir('flink-sp-commit-');
    const out = join(home.path, 'out');
    try {
      await savepointThenFailoverThenRestore(home, () =>
        capturePipeline((env) => {
          numbersFailingOnRequest(env).sinkTo(FileSink.forRowFormat<number>(out).build()).uid('files');
        }, 'sp-file-sink'),
      );
      const lines = readdirSync(out)
        .filter((f) => !f.startsWith('.'))
        .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean).map(Number));
      assertExactlyOncePrefix(lines, 'the FileSink output');
    } finally {
      home.cleanup();
    }
  });

  test('SqliteSink: a later restore from the savepoint writes every record exactly once', async () => {
    const home = tempDir('flink-sp-commit-');
    const db = join(home.path, 'out.db');
    try {
      await savepointThenFailoverThenRestore(home, () =>
        capturePipeline((env) => {
          numbersFailingOnRequest(env)
            .sinkTo(new SqliteSink<number>({ path: db, table: 'numbers', columns: ['n'], toRow: (n) => [n] }))
            .uid('rows');
        }, 'sp-sqlite-sink'),
      );
      assert.ok(existsSync(db));
      const conn = new Database(db, { readonly: true });
      const rows = (conn.prepare('SELECT n FROM numbers').all() as Array<{ n: number }>).map((r) => Number(r.n));
      conn.close();
      assertExactlyOncePrefix(rows, 'the SqliteSink table');
    } finally {
      home.cleanup();
    }
  });
});

describe('an intermediate savepoint, then a failover, then a restore from the savepoint: JdbcSink.exactlyOnceSink', () => {
  let server: TestPostgres;
  let url: string;
  const database = `sp_commit_${process.pid}`;
  before(async () => {
    server = await sharedPostgres();
    url = await server.createDatabase(database);
    await server.query('CREATE TABLE numbers (n bigint)', [], database);
  });
  after(async () => {
    await server.stop();
  });

  test('every record is written exactly once', async () => {
    const home = tempDir('flink-sp-commit-');
    try {
      await savepointThenFailoverThenRestore(home, () =>
        capturePipeline((env) => {
          numbersFailingOnRequest(env)
            .sinkTo(JdbcSink.exactlyOnceSink<number>({ connectionString: url, table: 'numbers', columns: ['n'], toRow: (n) => [n], takeoverTimeoutMs: 5000 }))
            .uid('pg');
        }, 'sp-jdbc-sink'),
      );
      const rows = (await server.query<{ n: string }>('SELECT n FROM numbers', [], database)).map((r) => Number(r.n));
      assertExactlyOncePrefix(rows, 'the PostgreSQL table');
    } finally {
      home.cleanup();
    }
  });
});

/** What the recording sink below committed, over all its subtasks and runs. */
const committed: number[] = [];
/** Which pre-commits were committed (by run, subtask and checkpoint): commits are idempotent. */
const committedKeys = new Set<string>();

/**
 * A two-phase sink that records what it commits: rows of checkpoint n are pre-committed at its
 * barrier and committed when n completes, or by a restore from n (union state; idempotent, as
 * every real sink's). Subtask 1's commit of checkpoint `control.failCommitOf` fails
 * (asynchronously, like a database commit).
 */
class RecordingSink implements Sink<number> {
  createWriter(context: SinkWriterContext): SinkWriter<number> {
    const run = `${context.jobId}/${context.attemptNumber ?? 0}`;
    type Pre = { key: string; checkpointId: number; rows: number[] };
    let buffer: number[] = [];
    let pending: Pre[] = [];
    const commit = (p: Pre) => {
      if (committedKeys.has(p.key)) return;
      committedKeys.add(p.key);
      committed.push(...p.rows);
    };
    return {
      write: (v) => void buffer.push(v),
      endOfInput: () => {},
      snapshotState: (n) => {
        pending.push({ key: `${run}/${context.subtaskIndex}/${n}`, checkpointId: n, rows: buffer });
        buffer = [];
        return pending.map((p) => ({ ...p }));
      },
      notifyCheckpointComplete: (n) => {
        const due = pending.filter((p) => p.checkpointId <= n);
        pending = pending.filter((p) => p.checkpointId > n);
        if (n === control.failCommitOf && context.subtaskIndex === 1) return Promise.reject(new Error(`commit of checkpoint ${n} failed`));
        for (const p of due) commit(p);
        return Promise.resolve();
      },
      restoreState: (state) => {
        for (const p of state as Pre[]) commit(p);
      },
      close: () => {},
    };
  }
}

for (const drain of [false, true]) {
  describe(`stop-with-savepoint (${drain ? 'drain' : 'no drain'}) whose sink commit fails`, () => {
    test('the stop is not reported done while the job then restarts, and nothing is committed twice', async () => {
      const home = tempDir('flink-sp-commit-');
      const store = MetadataStore.open(join(home.path, 'flink.db'));
      committed.length = 0;
      committedKeys.clear();
      injectFailure.next = false;
      control.failCommitOf = -1;
      const job = startTrackedJob(
        home,
        store,
        capturePipeline((env) => {
          numbersFailingOnRequest(env).rebalance().sinkTo(new RecordingSink()).setParallelism(2).uid('rec');
        }, 'stop-commit-fails'),
      );
      try {
        await sleep(200);
        const cp = await job.done('checkpoint', { full: false });
        await sleep(200);
        // The stop's savepoint is the next id.
        control.failCommitOf = cp.checkpointId + 1;
        const stop = await job.command('stop', { drain });
        // Give a restarted job time to run (and show what it commits next).
        await sleep(1000);
        const status = store.getJob(job.master.jobId)!.status;
        const restarts = job.restarts();
        if (status === 'RUNNING') await job.done('checkpoint', { full: false });
        const dups = committed.filter((v, i) => committed.indexOf(v) !== i);
        assert.ok(
          stop.status !== 'DONE' || (status === 'FINISHED' && restarts === 0),
          `'flink stop' was reported done (savepoint ${JSON.stringify(stop.result)}), but then the job is ${status} after ${restarts} restart(s)`,
        );
        assert.deepEqual({ restarts, duplicated: dups.length }, { restarts: 0, duplicated: 0 }, `${dups.length} record(s) committed twice (e.g. ${dups.slice(0, 3).join(', ')})`);
        if (stop.status === 'DONE') return;
        // The stop failed, and says where its savepoint is: a run from it commits what the
        // failed commit left, once.
        assert.equal(status, 'FAILED');
        const path = /savepoint (\S+) completed/.exec(stop.error ?? '')?.[1];
        assert.ok(path && existsSync(path), `the stop's error names its savepoint: ${stop.error}`);
        const before = committed.length;
        const resumed = startTrackedJob(
          home,
          store,
          capturePipeline((env) => {
            numbersFailingOnRequest(env).rebalance().sinkTo(new RecordingSink()).setParallelism(2).uid('rec');
          }, 'stop-commit-fails'),
          { snapshot: loadSnapshot(path), allowNonRestoredState: false },
        );
        control.failCommitOf = -1;
        // Resumed from either savepoint, the source reads on from its position (as in Flink).
        await resumed.done('stop', { drain: true });
        assert.equal(await resumed.outcome, undefined);
        assert.ok(committed.length > before);
        assertExactlyOncePrefix(committed, 'what the recording sink committed');
      } finally {
        control.failCommitOf = -1;
        job.master.cancel();
        await job.outcome;
        store.close();
        home.cleanup();
      }
    });
  });
}
