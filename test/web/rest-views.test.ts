import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { MetadataStore, withGlobalJobParameters } from '../../src/metadata/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { checkpointConfig, checkpointingStatistics } from '../../src/web/rest/checkpoint-views.js';
import { jobExceptions } from '../../src/web/rest/exception-views.js';
import { HttpError, cancelJob, savepointStatus, triggerSavepoint } from '../../src/web/rest/job-commands.js';
import { jobOverview } from '../../src/web/rest/job-views.js';
import { jobConfig, jobManagerJobConfig } from '../../src/web/rest/vertex-views.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-web-views-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

function fresh(): { store: MetadataStore; jobId: JobId; clock: ManualClock } {
  const clock = new ManualClock(10_000);
  const store = MetadataStore.open(path.join(tmp, `db-${n++}`, 'flink.db'), { clock });
  const jobId = newJobId();
  store.createJob({ jobId, name: 'views', jobFile: '/v.ts', status: 'CREATED', config: { 'execution.checkpointing.interval': 1000, 'execution.checkpointing.mode': 'AT_LEAST_ONCE' } });
  store.transitionJob(jobId, 'RUNNING');
  return { store, jobId, clock };
}

test('checkpoint statistics: counts, summary, latest of each kind and a history of 10, newest first', () => {
  const { store, jobId } = fresh();
  for (let id = 1; id <= 12; id++) {
    store.insertCheckpoint({ jobId, checkpointId: id, kind: id === 11 ? 'SAVEPOINT' : 'CHECKPOINT', triggerTime: id * 1000 });
    if (id === 5) store.updateCheckpoint(jobId, id, 'CHECKPOINT', { status: 'FAILED', endTime: 5100, failureReason: 'disk full' });
    else if (id < 12) store.completeCheckpoint(jobId, id, id === 11 ? 'SAVEPOINT' : 'CHECKPOINT', { endTime: id * 1000 + id * 10, stateSize: 100 * id, checkpointedSize: 10 * id, path: `/cp/${id}` });
  }
  store.disposeCheckpointByPath('/cp/1');
  const rows = store.listCheckpoints(jobId);
  const stats = checkpointingStatistics(store.getJob(jobId)!, undefined, rows, store.checkpointCounts(jobId), []);
  assert.deepEqual(stats.counts, { restored: 0, total: 12, in_progress: 1, completed: 10, failed: 1 });
  assert.equal(stats.history.length, 10);
  assert.deepEqual(stats.history.map((c) => c.id), [12, 11, 10, 9, 8, 7, 6, 5, 4, 3]);
  assert.equal(stats.history[0]!['@class'], 'in_progress');
  assert.equal(stats.latest.completed?.id, 10);
  assert.equal(stats.latest.savepoint?.id, 11);
  assert.equal(stats.latest.savepoint?.checkpoint_type, 'SAVEPOINT');
  assert.equal(stats.latest.failed?.id, 5);
  assert.equal((stats.latest.failed as { failure_message?: string }).failure_message, 'disk full');
  const ten = stats.history[2] as Record<string, unknown>;
  assert.deepEqual(
    [ten['@class'], ten['status'], ten['is_savepoint'], ten['trigger_timestamp'], ten['end_to_end_duration'], ten['state_size'], ten['checkpointed_size'], ten['external_path'], ten['discarded']],
    ['completed', 'COMPLETED', false, 10_000, 100, 1000, 100, '/cp/10', false],
  );
  assert.equal(stats.summary.end_to_end_duration.min, 10);
  assert.equal(stats.summary.end_to_end_duration.max, 110);
  assert.equal(stats.summary.checkpointed_size.max, 110);
  const all = checkpointingStatistics(store.getJob(jobId)!, undefined, rows.slice(-1), store.checkpointCounts(jobId), []);
  assert.equal((all.history[0] as { discarded?: boolean }).discarded, true, 'retention deleted checkpoint 1: still COMPLETED, discarded');
  assert.equal(all.history[0]!.status, 'COMPLETED');
  store.close();
});

test("checkpoint config comes from the job's recorded configuration", () => {
  const { store, jobId } = fresh();
  const c = checkpointConfig(store.getJob(jobId)!);
  assert.equal(c.mode, 'at_least_once');
  assert.equal(c.interval, 1000);
  assert.equal(c.timeout, 600_000);
  assert.deepEqual(c.externalization, { enabled: true, delete_on_cancellation: false });
  store.close();
});

test("job config: user-config is the global job parameters, as Flink's; the configuration is the jobmanager config's", () => {
  const store = MetadataStore.open(path.join(tmp, `db-${n++}`, 'flink.db'), { clock: new ManualClock(10_000) });
  const withParams = newJobId();
  const params = { input: '/data/in.txt', 'odd:key,': 'a "quoted", value' };
  store.createJob({ jobId: withParams, name: 'p', jobFile: '/p.ts', config: withGlobalJobParameters({ 'parallelism.default': 2, 'execution.checkpointing.interval': 1000 }, params) });
  const job = store.getJob(withParams)!;
  assert.deepEqual(jobConfig(job)['execution-config']['user-config'], params);
  assert.deepEqual(jobManagerJobConfig(job), [
    { key: 'execution.checkpointing.interval', value: '1000' },
    { key: 'parallelism.default', value: '2' },
  ]);
  const without = newJobId();
  store.createJob({ jobId: without, name: 'q', jobFile: '/q.ts', config: withGlobalJobParameters({ 'parallelism.default': 1 }, undefined) });
  assert.deepEqual(jobConfig(store.getJob(without)!)['execution-config']['user-config'], {});
  store.close();
});

test("job config: object-reuse-mode is the job's pipeline.object-reuse", () => {
  const store = MetadataStore.open(path.join(tmp, `db-${n++}`, 'flink.db'), { clock: new ManualClock(10_000) });
  const mode = (config: Record<string, string | number | boolean>) => {
    const id = newJobId();
    store.createJob({ jobId: id, name: 'r', jobFile: '/r.ts', config });
    return jobConfig(store.getJob(id)!)['execution-config']['object-reuse-mode'];
  };
  assert.equal(mode({ 'pipeline.object-reuse': true }), true);
  assert.equal(mode({ 'pipeline.object-reuse': false }), false);
  assert.equal(mode({}), false);
  store.close();
});

test('exceptions: restarts and the final failure, newest first, bounded by maxExceptions', () => {
  const { store, jobId, clock } = fresh();
  store.recordEvent({ jobId, kind: 'restart', cause: 'first', stack: 'Error: first\n  at x', attempt: 1 });
  clock.advance(10);
  store.recordEvent({ jobId, kind: 'restart', cause: 'second', attempt: 2 });
  clock.advance(10);
  store.recordEvent({ jobId, kind: 'failure', cause: 'last' });
  const all = jobExceptions(store.listEvents(jobId));
  assert.deepEqual(all.exceptionHistory.entries.map((e) => [e.exceptionName, e.restarted]), [['last', false], ['second', true], ['first', true]]);
  assert.equal(all['root-exception'], 'last');
  assert.equal(all.exceptionHistory.entries[2]!.stacktrace, 'Error: first\n  at x');
  const two = jobExceptions(store.listEvents(jobId), 2);
  assert.equal(two.exceptionHistory.entries.length, 2);
  assert.equal(two.exceptionHistory.truncated, true);
  store.close();
});

test('a savepoint over REST is a savepoint command; its status follows the command', () => {
  const { store, jobId } = fresh();
  const job = store.getJob(jobId)!;
  const reply = triggerSavepoint(store, job, { 'target-directory': '/sp' });
  assert.equal(reply.status, 202);
  const trigger = (reply.body as { 'request-id': string })['request-id'];
  assert.match(trigger, /^[0-9a-f]{32}$/);
  const [cmd] = store.takePendingCommands(jobId);
  assert.deepEqual([cmd?.kind, cmd?.args], ['savepoint', { dir: '/sp' }]);
  // As Flink's AsynchronousOperationResult: the operation is written, null, while in progress.
  assert.deepEqual(savepointStatus(store, job, trigger).body, { status: { id: 'IN_PROGRESS' }, operation: null });
  store.completeCommand(cmd!.id, { checkpointId: 3, path: '/sp/savepoint-1' });
  assert.deepEqual(savepointStatus(store, job, trigger).body, { status: { id: 'COMPLETED' }, operation: { location: '/sp/savepoint-1' } });
  assert.throws(() => savepointStatus(store, job, 'f'.repeat(32)), (e: unknown) => e instanceof HttpError && e.status === 404);
  assert.throws(() => triggerSavepoint(store, job, { 'target-directory': 'relative/dir' }), (e: unknown) => e instanceof HttpError && e.status === 400);
  assert.throws(() => triggerSavepoint(store, job, { 'cancel-job': true }), (e: unknown) => e instanceof HttpError && e.status === 400);
  store.close();
});

test('a job that has ended cannot be cancelled or savepointed (409)', () => {
  const { store, jobId } = fresh();
  store.transitionJob(jobId, 'FINISHED');
  const job = store.getJob(jobId)!;
  assert.throws(() => cancelJob(store, job, 'cancel'), (e: unknown) => e instanceof HttpError && e.status === 409);
  assert.throws(() => triggerSavepoint(store, job, {}), (e: unknown) => e instanceof HttpError && e.status === 409);
  assert.equal(store.listCommands(jobId).length, 0);
  store.close();
});

test("the jobs overview entry has Flink's JobDetails fields", () => {
  const { store, jobId, clock } = fresh();
  const o = jobOverview(store.getJob(jobId)!, undefined, clock.now() + 500);
  assert.deepEqual(Object.keys(o).sort(), ['duration', 'end-time', 'jid', 'last-modification', 'name', 'start-time', 'state', 'tasks']);
  assert.equal(o['end-time'], -1);
  assert.equal(o.duration, 500);
  store.close();
});
