/*
 * Liveness, as any reader of flink.db judges a job: its process (by pid and start time) must be
 * alive and its heartbeat younger than the job's own heartbeat timeout — or, before it took the
 * job over, the start-up timeout. And what a restore or a cancel does about a job's process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { ownProcess, processStartTime as startTimeOf, processState, terminateProcess } from '../../src/cluster/job-process.js';
import { decideTakeover, takeOverJob } from '../../src/cluster/job-takeover.js';
import { STARTUP_TIMEOUT_MS, declareIfLost, lostReason, reconcileLiveness } from '../../src/cluster/liveness.js';
import { type JobRecord, MetadataStore } from '../../src/metadata/index.js';
import { IllegalJobStateError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

const NOW = 1_000_000;
const me = ownProcess();

function job(fields: Partial<JobRecord>): JobRecord {
  return {
    jobId: newJobId(),
    name: 'j',
    jobFile: '/j.ts',
    args: [],
    status: 'RUNNING',
    pid: me.pid,
    pidStart: me.startTime,
    epoch: 1,
    parallelism: 1,
    config: {},
    startTime: NOW - 100_000,
    endTime: null,
    heartbeat: NOW - 1_000,
    restoredFrom: null,
    failureCause: null,
    failureStack: null,
    lastCheckpointId: null,
    lastCheckpointPath: null,
    lastCheckpointTime: null,
    savepointPath: null,
    ...fields,
  };
}

describe('lostReason', () => {
  test('a live process with a fresh heartbeat runs', () => {
    assert.equal(lostReason(job({}), NOW), undefined);
  });

  test('a live process whose heartbeat is older than the timeout (30 s by default) is lost: frozen or hung', () => {
    assert.equal(lostReason(job({ heartbeat: NOW - 29_000 }), NOW), undefined);
    assert.equal(lostReason(job({ heartbeat: NOW - 31_000 }), NOW), 'job process lost');
  });

  test("the job's own heartbeat.timeout decides, as it recorded it", () => {
    const config = { 'heartbeat.timeout': 2_000 };
    assert.equal(lostReason(job({ config, heartbeat: NOW - 1_500 }), NOW), undefined);
    assert.equal(lostReason(job({ config, heartbeat: NOW - 2_500 }), NOW), 'job process lost');
  });

  test('no heartbeat yet: lost only past the start-up timeout, counted from submission', () => {
    assert.equal(lostReason(job({ status: 'CREATED', heartbeat: null, startTime: NOW - STARTUP_TIMEOUT_MS + 1_000 }), NOW), undefined);
    assert.equal(lostReason(job({ status: 'CREATED', heartbeat: null, startTime: NOW - STARTUP_TIMEOUT_MS - 1_000 }), NOW), 'job process lost');
  });

  test('a dead process is lost at once, whatever its heartbeat; so is a live pid with another start time (reused)', () => {
    assert.equal(lostReason(job({ pid: 2 ** 22 + 12_345 }), NOW), 'job process lost');
    assert.equal(lostReason(job({ pidStart: (me.startTime ?? 0) + 1 }), NOW), 'job process lost');
  });

  test('a terminal job is never lost', () => {
    assert.equal(lostReason(job({ status: 'FINISHED', heartbeat: 0, pid: 2 ** 22 + 12_345 }), NOW), undefined);
  });
});

describe('declareIfLost and takeOverJob over flink.db', () => {
  let home: { path: string; cleanup: () => void };
  let store: MetadataStore;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    home = tempDir('flink-liveness-');
    store = MetadataStore.open(join(home.path, 'flink.db'));
  });
  afterEach(() => {
    store.close();
    home.cleanup();
  });
  after(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  /** A RUNNING job owned by `pid`, heartbeat `ageMs` old. */
  function running(pid: number, pidStart: number | null, ageMs: number, config: Record<string, number> = {}): JobRecord {
    const jobId: JobId = newJobId();
    store.createJob({ jobId, name: 'j', jobFile: '/j.ts', config });
    store.acquireJob(jobId, { pid, pidStart, heartbeat: Date.now() - ageMs });
    store.transitionJob(jobId, 'RUNNING');
    return store.getJob(jobId)!;
  }

  async function child(handleTerm: 'exit' | 'ignore'): Promise<ChildProcess> {
    const code = handleTerm === 'ignore' ? "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')" : "setInterval(() => {}, 1000); console.log('ready')";
    const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    await new Promise<void>((resolve) => c.stdout!.once('data', () => resolve()));
    return c;
  }

  test('a stale heartbeat is declared lost with a new epoch; one renewed meanwhile is left alone', () => {
    const stale = running(me.pid, me.startTime, 31_000);
    const declared = declareIfLost(store, stale);
    assert.equal(declared.status, 'FAILED');
    assert.equal(declared.failureCause, 'job process lost');
    assert.equal(declared.epoch, stale.epoch + 1);

    const renewed = running(me.pid, me.startTime, 31_000);
    store.renewLease(renewed.jobId, renewed.epoch, Date.now());
    // The reader saw the stale record; the store re-checks inside its transaction.
    assert.equal(declareIfLost(store, renewed).status, 'RUNNING');
  });

  test('the decision: restore only once no process of the job can commit', () => {
    assert.deepEqual(decideTakeover({ status: 'RUNNING', declaredLost: false, process: 'running' }), { action: 'refuse' });
    assert.deepEqual(decideTakeover({ status: 'RUNNING', declaredLost: false, process: 'gone' }), { action: 'proceed' });
    assert.deepEqual(decideTakeover({ status: 'FAILED', declaredLost: true, process: 'stopped' }), { action: 'stop' });
    assert.deepEqual(decideTakeover({ status: 'FAILED', declaredLost: true, process: 'running' }), { action: 'stop' });
    assert.deepEqual(decideTakeover({ status: 'FINISHED', declaredLost: false, process: 'running' }), { action: 'proceed' });
  });

  test('a job that runs, healthy, is refused with one line saying how', async () => {
    const healthy = running(me.pid, me.startTime, 0);
    await assert.rejects(takeOverJob(store, healthy, { log: () => undefined }), (err: unknown) => {
      assert.ok(err instanceof IllegalJobStateError);
      assert.equal(
        err.message,
        `Job ${healthy.jobId} is still RUNNING in process ${me.pid}: restoring it now would run it twice. ` +
          `Stop it first ('flink stop ${healthy.jobId}' takes a savepoint, 'flink cancel ${healthy.jobId}' does not), then restore.`,
      );
      return true;
    });
    assert.equal(store.getJob(healthy.jobId)?.status, 'RUNNING');
  });

  test('a frozen process of a lost job is declared lost and SIGKILLed at once', async () => {
    const c = await child('ignore');
    const id = { pid: c.pid!, startTime: startTimeOf(c.pid!) };
    process.kill(c.pid!, 'SIGSTOP');
    await waitFor(() => processState(id) === 'stopped');
    const lost = running(id.pid, id.startTime, 31_000);
    const logs: string[] = [];
    const after = await takeOverJob(store, lost, { log: (l) => logs.push(l), graceMs: 60_000 });
    assert.equal(after.status, 'FAILED');
    assert.equal(processState(id), 'gone');
    assert.match(logs[0]!, /declared lost \(no heartbeat within 30 s\) but its process \d+ is still alive; stopping it with SIGKILL \(it is frozen\)/);
  });

  test('a process frozen holding the write lock is declared (and stopped) before the jobs its lock kept from their heartbeats', { timeout: 30_000 }, async () => {
    // Its lock blocks every other job's writes, so they look lost too. Declaring such a job first
    // waited out the busy timeout and failed (its process is not stopped: not the holder), and
    // the frozen one was never declared: `flink list` failed with "database is locked".
    const file = join(home.path, 'flink.db');
    const code = `const db = new (require('better-sqlite3'))(${JSON.stringify(file)}); process.stdin.once('data', () => { db.exec('BEGIN IMMEDIATE'); process.stdout.write('locked', () => process.kill(process.pid, 'SIGSTOP')); }); setInterval(() => {}, 1000); console.log('ready')`;
    const holder = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(holder);
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const id = { pid: holder.pid!, startTime: startTimeOf(holder.pid!) };
    const frozenJob = newJobId();
    store.createJob({ jobId: frozenJob, name: 'frozen', jobFile: '/j.ts', startTime: Date.now() - 60_000 });
    store.acquireJob(frozenJob, { pid: id.pid, pidStart: id.startTime, heartbeat: Date.now() - 31_000 });
    store.transitionJob(frozenJob, 'RUNNING');
    // Newer, so listed first: alive and running, its heartbeat held up by the lock.
    const blocked = running(me.pid, me.startTime, 31_000);
    holder.stdin!.write('lock');
    await waitFor(() => processState(id) === 'stopped');
    const jobs = store.listJobs({ statuses: ['RUNNING'] });
    assert.deepEqual(jobs.map((j) => j.jobId), [blocked.jobId, frozenJob]);
    const after = reconcileLiveness(store, jobs);
    assert.deepEqual(after.map((j) => [j.jobId, j.status]), [[blocked.jobId, 'FAILED'], [frozenJob, 'FAILED']], 'in the order given');
    assert.equal(processState(id), 'gone', 'the frozen holder was stopped to declare it');
  });

  test('a running process of a lost job gets SIGTERM, then SIGKILL after the grace period', async () => {
    const ignores = await child('ignore');
    const id = { pid: ignores.pid!, startTime: startTimeOf(ignores.pid!) };
    assert.equal(await terminateProcess(id, 200), 'killed');
    const exits = await child('exit');
    assert.equal(await terminateProcess({ pid: exits.pid!, startTime: startTimeOf(exits.pid!) }, 10_000), 'terminated');
    assert.equal(await terminateProcess(id, 10), 'gone');
  });

  test('a pid reused by another process is never signalled', async () => {
    const c = await child('exit');
    assert.equal(await terminateProcess({ pid: c.pid!, startTime: (startTimeOf(c.pid!) ?? 0) + 1 }, 10), 'gone');
    assert.equal(processState({ pid: c.pid!, startTime: null }), 'running');
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
  assert.ok(cond());
}
