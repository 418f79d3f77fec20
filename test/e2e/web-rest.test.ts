/**
 * End-to-end tests of `flink web`'s REST API and metrics: a real server (`bin/flink web`) over the
 * flink.db of a real running job (`flink run -d`), checked for Flink's shapes and for values
 * that agree with flink.db and the job's output. A savepoint is taken over REST and restored
 * with `flink run -s`; a cancel is refused without the token, from a foreign Origin and under a
 * foreign Host, and accepted with the token. Every process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  checkpointsJson,
  freshHome,
  killLeftovers,
  linesOf,
  listFiles,
  isHiddenPath,
  parseAttachedRun,
  parseKeyedCountLines,
  removeTempDirs,
  runDetached,
  runFlink,
  stackLines,
  tempDir,
  waitFor,
  waitForStatus,
} from './helpers.js';
import { SP_JOB } from './fixture-jobs.js';
import { type WebUnderTest, bearer, call, startWeb } from './web-helpers.js';

/** Inputs of the job: more than it reads before the test cancels it (at 300 per second). */
const N = 20_000;

const servers: WebUnderTest[] = [];
after(async () => {
  for (const s of servers) if (s.spawned.child.exitCode === null) s.spawned.child.kill('SIGKILL');
  await killLeftovers();
  removeTempDirs();
});

describe('flink web over a running job', () => {
  let home: string;
  let out: string;
  let jobId: string;
  let web: WebUnderTest;
  /** Where the savepoint taken over REST went (the restore test reads it). */
  let savepointPath = '';

  before(async () => {
    home = freshHome();
    out = join(tempDir(), 'out');
    ({ jobId } = await runDetached(home, SP_JOB, ['v1', out, String(N), '300'], ['-D', 'execution.checkpointing.interval=300ms']));
    web = await startWeb(home);
    servers.push(web);
  });

  test('says where it listens and who may do what; the token is kept owner-only in the home', async () => {
    const lines = linesOf(web.spawned.stdout());
    assert.match(lines[1]!, /^Listening on 127\.0\.0\.1:\d+, loopback only: other machines cannot connect\./);
    const file = join(home, 'web-token');
    assert.equal(readFileSync(file, 'utf8').trim(), web.token);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('overview and jobs overview list the running job in Flink\'s shapes', async () => {
    const overview = await call(web.base, 'GET', '/overview');
    assert.equal(overview.status, 200);
    assert.equal(overview.json['jobs-running'], 1);
    assert.equal(typeof overview.json['flink-version'], 'string');
    const jobs = await call(web.base, 'GET', '/jobs/overview');
    const job = jobs.json.jobs.find((j: { jid: string }) => j.jid === jobId);
    assert.ok(job, JSON.stringify(jobs.json));
    assert.equal(job.name, 'sp-job-v1');
    assert.equal(job.state, 'RUNNING');
    assert.equal(job['end-time'], -1);
    assert.deepEqual({ total: job.tasks.total, running: job.tasks.running }, { total: 2, running: 2 });
    // Flink serves its API under /v1 too.
    assert.deepEqual((await call(web.base, 'GET', '/v1/jobs')).json, { jobs: [{ id: jobId, status: 'RUNNING' }] });
  });

  test("the job's details: its chains, plan and records, counted by its metrics", async () => {
    const details = await waitFor(
      'records counted by both vertices',
      async () => {
        const r = await call(web.base, 'GET', `/jobs/${jobId}`);
        return r.json.vertices?.length === 2 && r.json.vertices[1].metrics['read-records'] > 0 ? r.json : undefined;
      },
      20_000,
      200,
    );
    assert.equal(details.jid, jobId);
    assert.equal(details.state, 'RUNNING');
    assert.ok(details.timestamps.RUNNING >= details['start-time']);
    const [source, count] = details.vertices;
    assert.equal(source.name, 'Source: gen');
    assert.equal(count.name, 'KeyedProcess -> Sink: FileSink');
    assert.equal(count.parallelism, 1);
    assert.ok(source.metrics['write-records'] >= count.metrics['read-records'] - 1024, 'what the count read the source wrote');
    assert.deepEqual(details.plan.nodes[1].inputs, [{ num: 0, id: source.id, ship_strategy: 'HASH', exchange: 'pipelined_bounded' }]);
    const plan = await call(web.base, 'GET', `/jobs/${jobId}/plan`);
    assert.deepEqual(plan.json.plan.nodes[1].operators.map((o: { uid: string }) => o.uid), ['count', 'sink']);
  });

  test("a vertex's subtasks and metrics, and the job's configuration, in Flink's shapes", async () => {
    const details = (await call(web.base, 'GET', `/jobs/${jobId}`)).json;
    const count = details.vertices[1];
    const vertex = await waitFor(
      'the keyed vertex to have read records',
      async () => {
        const r = await call(web.base, 'GET', `/jobs/${jobId}/vertices/${count.id}`);
        return r.json.subtasks?.[0]?.metrics['read-records'] > 0 ? r.json : undefined;
      },
      20_000,
      200,
    );
    assert.deepEqual({ id: vertex.id, name: vertex.name, parallelism: vertex.parallelism, subtasks: vertex.subtasks.length }, { id: count.id, name: count.name, parallelism: 1, subtasks: 1 });
    const sub = vertex.subtasks[0];
    assert.deepEqual({ subtask: sub.subtask, status: sub.status, attempt: sub.attempt }, { subtask: 0, status: 'RUNNING', attempt: 0 });
    assert.equal(sub.metrics['read-records-complete'], true);
    const ids = (await call(web.base, 'GET', `/jobs/${jobId}/vertices/${count.id}/metrics`)).json.map((m: { id: string }) => m.id);
    assert.ok(ids.includes('0.numRecordsIn') && ids.includes('0.currentInputWatermark'), ids.join(', '));
    const values = (await call(web.base, 'GET', `/jobs/${jobId}/vertices/${count.id}/metrics?get=0.numRecordsIn,0.nope`)).json;
    assert.equal(values.length, 1, 'an unknown metric is left out, as in Flink');
    assert.equal(values[0].id, '0.numRecordsIn');
    assert.ok(Number(values[0].value) > 0);
    // A user metric (CountPerKey's counter in group 'keyed'), operator-scoped as Flink lists it.
    assert.ok(ids.includes('0.KeyedProcess.keyed.counted'), ids.join(', '));
    const counted = (await call(web.base, 'GET', `/jobs/${jobId}/vertices/${count.id}/metrics?get=0.KeyedProcess.keyed.counted`)).json;
    assert.ok(Number(counted[0].value) > 0, JSON.stringify(counted));
    // A user histogram, a value per statistic as Flink's MetricStore lists it.
    for (const stat of ['min', 'max', 'mean', 'median', 'stddev', 'p75', 'p90', 'p95', 'p98', 'p99', 'p999']) assert.ok(ids.includes(`0.KeyedProcess.keyed.counts_${stat}`), stat);
    const missing = await call(web.base, 'GET', `/jobs/${jobId}/vertices/${'0'.repeat(32)}`);
    assert.equal(missing.status, 404);
    assert.match(missing.json.errors[0], /has no vertex 0{32}/);
    const config = (await call(web.base, 'GET', `/jobs/${jobId}/config`)).json;
    assert.equal(config.jid, jobId);
    assert.equal(config.name, 'sp-job-v1');
    // With checkpointing on, the default is Flink's: exponential delay.
    assert.match(config['execution-config']['restart-strategy'], /^Restart with exponential delay: starting at 1000 ms, increasing by 1\.5, with maximum 60000 ms\.$/);
    // user-config is the global job parameters, as Flink's (this job sets none); the configuration is the jobmanager config's.
    assert.deepEqual(config['execution-config']['user-config'], {});
    const configuration = (await call(web.base, 'GET', `/jobs/${jobId}/jobmanager/config`)).json as Array<{ key: string; value: string }>;
    assert.equal(configuration.find((e) => e.key === 'execution.checkpointing.interval')?.value, '300');
  });

  test('checkpoint statistics agree with flink checkpoints --json; the config is the job\'s', async () => {
    const stats = await waitFor(
      'three completed checkpoints',
      async () => {
        const r = await call(web.base, 'GET', `/jobs/${jobId}/checkpoints`);
        return r.json.counts?.completed >= 3 ? r.json : undefined;
      },
      20_000,
      200,
    );
    assert.deepEqual(Object.keys(stats).sort(), ['counts', 'history', 'latest', 'summary']);
    assert.ok(stats.history.length >= 3 && stats.history.length <= 10);
    const rows = await checkpointsJson(home, jobId);
    for (const h of stats.history.filter((c: { status: string }) => c.status === 'COMPLETED')) {
      const row = rows.find((r) => r.checkpointId === h.id);
      assert.ok(row, `checkpoint ${h.id} is in flink checkpoints`);
      assert.equal(h['@class'], 'completed');
      assert.equal(h.external_path, row.path);
      assert.equal(h.state_size, row.stateSize);
      assert.equal(h.trigger_timestamp, row.triggerTime);
      assert.equal(h.checkpoint_type, 'CHECKPOINT');
    }
    assert.ok(stats.latest.completed.state_size > 0);
    assert.ok(stats.summary.end_to_end_duration.max >= stats.summary.end_to_end_duration.min);
    const config = await call(web.base, 'GET', `/jobs/${jobId}/checkpoints/config`);
    assert.equal(config.json.mode, 'exactly_once');
    assert.equal(config.json.interval, 300);
    const detail = await call(web.base, 'GET', `/jobs/${jobId}/checkpoints/details/${stats.latest.completed.id}`);
    assert.equal(detail.json.id, stats.latest.completed.id);
    // A Flink script reads the latest checkpoint's path from the job's metrics too.
    const [external, id] = (await call(web.base, 'GET', `/jobs/${jobId}/metrics?get=lastCheckpointExternalPath,lastCompletedCheckpointId`)).json;
    const reported = (await checkpointsJson(home, jobId)).find((r) => r.checkpointId === Number(id.value));
    assert.ok(reported, `checkpoint ${id.value} is in flink checkpoints`);
    assert.equal(external.value, reported.path);
  });

  test("/metrics: Prometheus text with Flink's metric names and this job's values", async () => {
    // Waits for the three checkpoints asserted below, not just one: the metrics are reported
    // periodically, and on a loaded machine the first report with a checkpoint can hold fewer.
    const completed = new RegExp(`^flink_jobmanager_job_numberOfCompletedCheckpoints\\{[^}]*job_id="${jobId}"[^}]*\\} (\\d+)$`, 'm');
    const text = await waitFor(
      'the job in /metrics with three completed checkpoints',
      async () => {
        const r = await call(web.base, 'GET', '/metrics');
        const n = completed.exec(r.text);
        return /^flink_jobmanager_job_lastCheckpointSize\{[^}]*\} [1-9]/m.test(r.text) && n !== null && Number(n[1]) >= 3 ? r : undefined;
      },
      20_000,
      200,
    );
    assert.match(String(text.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const value = (re: RegExp) => {
      const m = re.exec(text.text);
      assert.ok(m, `no sample matching ${re}`);
      return Number(m[1]);
    };
    assert.ok(value(completed) >= 3);
    assert.equal(value(/^flink_jobmanager_job_numRestarts\{[^}]*\} (\d+)$/m), 0);
    assert.ok(value(/^flink_taskmanager_job_task_operator_numRecordsIn\{[^}]*operator_name="KeyedProcess"[^}]*\} (\d+)$/m) > 0);
    assert.ok(value(/^flink_taskmanager_job_task_numRecordsOutPerSecond\{[^}]*task_name="Source:_gen"[^}]*\} ([\d.]+)$/m) >= 0);
    assert.match(text.text, /^flink_taskmanager_job_task_isBackPressured\{[^}]*\} [01]$/m);
    assert.match(text.text, /^# TYPE flink_taskmanager_job_task_operator_currentInputWatermark gauge$/m);
  });

  test('a savepoint over REST needs the token; with it, it completes and is recorded', async () => {
    const refused = await call(web.base, 'POST', `/jobs/${jobId}/savepoints`, { body: {} });
    assert.equal(refused.status, 401);
    assert.match(refused.json.errors[0], /token/);
    const foreign = await call(web.base, 'POST', `/jobs/${jobId}/savepoints`, { body: {}, headers: { ...bearer(web.token), Origin: 'http://evil.example' } });
    assert.equal(foreign.status, 403);
    const triggered = await call(web.base, 'POST', `/jobs/${jobId}/savepoints`, { body: {}, headers: bearer(web.token) });
    assert.equal(triggered.status, 202);
    const trigger = triggered.json['request-id'];
    assert.match(trigger, /^[0-9a-f]{32}$/);
    const done = await waitFor(
      'the savepoint to complete',
      async () => {
        const r = await call(web.base, 'GET', `/jobs/${jobId}/savepoints/${trigger}`);
        return r.json.status.id === 'COMPLETED' ? r.json : undefined;
      },
      20_000,
      100,
    );
    const location: string = done.operation.location;
    assert.ok(location && existsSync(join(location, '_metadata')), JSON.stringify(done));
    const rows = await checkpointsJson(home, jobId);
    assert.ok(rows.some((r) => r.kind === 'SAVEPOINT' && r.path === location && r.status === 'COMPLETED'));
    const stats = await call(web.base, 'GET', `/jobs/${jobId}/checkpoints`);
    assert.equal(stats.json.latest.savepoint.external_path, location);
    savepointPath = location;
  });

  test('a cancel is refused without the token, from a foreign Origin and under a foreign Host; with the token it cancels', async () => {
    const path = `/jobs/${jobId}?mode=cancel`;
    assert.equal((await call(web.base, 'PATCH', path)).status, 401);
    assert.equal((await call(web.base, 'PATCH', `${path}&token=${'0'.repeat(64)}`)).status, 401);
    assert.equal((await call(web.base, 'PATCH', path, { headers: { ...bearer(web.token), Origin: 'https://attacker.example' } })).status, 403);
    const rebound = await call(web.base, 'PATCH', path, { headers: { ...bearer(web.token), Host: `attacker.example:${web.port}` } });
    assert.equal(rebound.status, 403);
    assert.match(rebound.json.errors[0], /Host/);
    // Reads under a foreign Host are refused too: a rebound page learns nothing.
    assert.equal((await call(web.base, 'GET', '/jobs', { headers: { Host: 'attacker.example' } })).status, 403);
    assert.equal((await call(web.base, 'GET', `/jobs/${jobId}`)).json.state, 'RUNNING', 'none of those touched the job');

    const accepted = await call(web.base, 'PATCH', path, { headers: { ...bearer(web.token), Origin: web.base } });
    assert.equal(accepted.status, 202);
    await waitForStatus(home, jobId, ['CANCELED'], 20_000);
    assert.equal((await call(web.base, 'GET', `/jobs/${jobId}`)).json.state, 'CANCELED');
    // Cancelling a cancelled job again is acknowledged, as Flink's Dispatcher does (a client may retry).
    const again = await call(web.base, 'PATCH', path, { headers: bearer(web.token) });
    assert.equal(again.status, 202);
  });

  test('the savepoint taken over REST restores with flink run -s: its state and position carry on', async () => {
    assert.ok(savepointPath, 'the savepoint test ran');
    const r = await runFlink(['run', '-s', savepointPath, SP_JOB, 'v1', out, String(N), 'max'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const restoredId = parseAttachedRun(r.stdout).jobId;
    // The restored job's own part files carry its id; it reads from the savepoint's position on.
    const own = listFiles(out).filter((f) => !isHiddenPath(f) && f.includes(`part-${restoredId.slice(0, 12)}`));
    const lines = parseKeyedCountLines(own.flatMap((f) => linesOf(readFileSync(join(out, f), 'utf8'))));
    const first = Math.min(...lines.map((l) => l.i));
    assert.ok(first > 0, 'the restored job started after the savepoint position, not from 0');
    assert.equal(lines.length, N - first, 'every input from there on, once');
    const wrong = lines.filter((l) => l.count !== Math.floor(l.i / 10) + 1);
    assert.deepEqual(wrong.slice(0, 5), [], 'the counts continue from the savepoint state');
    const restored = await call(web.base, 'GET', `/jobs/${restoredId}/checkpoints`);
    assert.equal(restored.json.latest.restored.external_path, savepointPath);
    assert.equal(restored.json.latest.restored.is_savepoint, true);
  });

  test('unknown jobs and paths, bad ids and methods answer with Flink\'s error shape', async () => {
    const missing = await call(web.base, 'GET', `/jobs/${'0'.repeat(32)}`);
    assert.equal(missing.status, 404);
    assert.ok(Array.isArray(missing.json.errors));
    assert.equal((await call(web.base, 'GET', '/jobs/not-a-job')).status, 400);
    assert.equal((await call(web.base, 'GET', '/nothing/here')).status, 404);
    assert.equal((await call(web.base, 'DELETE', '/jobs', { headers: bearer(web.token) })).status, 405);
  });

  test('a second flink web on the same port refuses to start, in one line', async () => {
    const r = await runFlink(['web', '--port', String(web.port)], { home, timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    const errors = linesOf(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, new RegExp(`^Error: Port ${web.port} on 127\\.0\\.0\\.1 is already in use`));
    assert.deepEqual(stackLines(r.stderr), []);
  });

  test('ends cleanly on Ctrl+C', async () => {
    assert.equal(await web.stop(), 0);
  });
});

describe('flink web off loopback', () => {
  test('--host 0.0.0.0 asks every request for the token; the page sets a same-site cookie for its assets', async () => {
    const home = freshHome();
    const web = await startWeb(home, ['--host', '0.0.0.0']);
    servers.push(web);
    assert.match(linesOf(web.spawned.stdout())[1]!, /reachable from other machines: every request needs the token/);
    const box = { Host: `box.lan:${web.port}` };
    assert.equal((await call(web.base, 'GET', '/jobs', { headers: box })).status, 401);
    assert.equal((await call(web.base, 'GET', '/', { headers: box })).status, 401);
    assert.equal((await call(web.base, 'GET', '/jobs', { headers: { ...box, ...bearer(web.token) } })).status, 200);
    const page = await call(web.base, 'GET', `/?token=${web.token}`, { headers: box });
    assert.equal(page.status, 200);
    const cookie = String(page.headers['set-cookie']);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const pair = cookie.split(';')[0]!;
    assert.equal((await call(web.base, 'GET', '/assets/app.js', { headers: { ...box, Cookie: pair } })).status, 200);
    assert.equal((await call(web.base, 'PATCH', `/jobs/${'0'.repeat(32)}?mode=cancel`, { headers: { ...box, Cookie: pair } })).status, 401, 'the cookie never changes a job');
    assert.equal(await web.stop(), 0);
  });

  test('a port that is taken is refused in one line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runFlink(['web', '--port', String(port)], { home: freshHome(), timeoutMs: 15_000 });
      assert.equal(r.code, 1);
      assert.deepEqual(linesOf(r.stderr), [`Error: Port ${port} on 127.0.0.1 is already in use (another flink web, or another program): choose another with --port.`]);
    } finally {
      blocker.close();
    }
  });
});
