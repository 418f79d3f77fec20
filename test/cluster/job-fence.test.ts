/*
 * Self-fencing: a job process holds an epoch in flink.db and renews its heartbeat; before each
 * commit it checks, on a monotonic clock, that its heartbeat is fresh (else it re-confirms the
 * epoch), and reads its epoch and status. Once another process declared it lost it stops for
 * good. Driven with a hand-moved monotonic clock over a real SQLite store.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { JobFence, JobFencedError, fenceSettings, selfFencingTimeout } from '../../src/cluster/job-fence.js';
import { Configuration } from '../../src/config/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { ConfigError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

const SETTINGS = { heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 30_000 };
/** 20 s: the heartbeat age past which a commit must re-confirm the epoch first. */
const SELF = selfFencingTimeout(SETTINGS);

let home: { path: string; cleanup: () => void };
let store: MetadataStore;
let jobId: JobId;
let wall: ManualClock;
let mono: number;

beforeEach(() => {
  home = tempDir('flink-fence-');
  wall = new ManualClock(100_000);
  store = MetadataStore.open(join(home.path, 'flink.db'), { clock: wall });
  jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts' });
  mono = 0;
});
afterEach(() => {
  store.close();
  home.cleanup();
});

function acquire(): { fence: JobFence; fenced: JobFencedError[] } {
  const fence = JobFence.acquire(store, jobId, SETTINGS, { clock: wall, monotonic: () => mono, heartbeats: false });
  const fenced: JobFencedError[] = [];
  fence.onFenced((err) => fenced.push(err));
  store.compareAndSetStatus(jobId, 'RUNNING', { epoch: fence.epoch });
  return { fence, fenced };
}

/** Time passes in this process (monotonic) and on the wall clock alike, as in a SIGSTOP. */
function freeze(ms: number): void {
  mono += ms;
  wall.advance(ms);
}

describe('JobFence', () => {
  test('a fresh owner may commit; its heartbeat renews the lease', () => {
    const { fence, fenced } = acquire();
    assert.equal(fence.epoch, 1);
    fence.check('commit checkpoint 1');
    freeze(1_000);
    fence.heartbeat();
    assert.equal(store.getJob(jobId)?.heartbeat, 101_000);
    assert.equal(fence.fenced, false);
    assert.deepEqual(fenced, []);
  });

  test('waking after a freeze nobody noticed: the commit re-confirms the epoch first, and goes ahead', () => {
    const { fence } = acquire();
    freeze(SELF + 1);
    fence.check('commit checkpoint 2');
    assert.equal(store.getJob(jobId)?.heartbeat, 100_000 + SELF + 1, 'the check renewed the heartbeat before the commit');
    assert.equal(fence.fenced, false);
  });

  test('waking after being declared lost: the first commit is refused, before any heartbeat timer ran', () => {
    const { fence, fenced } = acquire();
    freeze(SETTINGS.heartbeatTimeoutMs + 1);
    assert.equal(store.markLost(jobId, undefined, { staleBefore: wall.now() - SETTINGS.heartbeatTimeoutMs }), true);
    assert.throws(() => fence.check('commit checkpoint 3'), (err: unknown) => {
      assert.ok(err instanceof JobFencedError);
      assert.equal(err.code, 'job.fenced');
      assert.match(err.message, /another process declared it FAILED \(job process lost\) \(epoch 2; this process holds 1\)/);
      return true;
    });
    assert.equal(fenced.length, 1, 'listeners hear it once');
    assert.throws(() => fence.check('publish a checkpoint'), JobFencedError);
    fence.heartbeat();
    assert.equal(fenced.length, 1);
    assert.equal(store.getJob(jobId)?.heartbeat, 100_000, 'a fenced process never renews');
  });

  test('a fresh lease still reads the epoch: a job taken away is refused at once', () => {
    const { fence } = acquire();
    store.markLost(jobId, 'process 1 is gone');
    assert.throws(() => fence.check('commit checkpoint 4'), /another process declared it FAILED \(process 1 is gone\)/);
  });

  test('the heartbeat finds the job declared lost: fenced', () => {
    const { fence, fenced } = acquire();
    store.markLost(jobId);
    fence.heartbeat();
    assert.equal(fenced.length, 1);
    assert.ok(fence.fenced);
  });

  test('flink.db unusable: commits go on while the lease is fresh; past 2/3 of the timeout the job fences itself', () => {
    const { fence, fenced } = acquire();
    store.close();
    freeze(SELF - 1);
    fence.check('commit checkpoint 5');
    freeze(2);
    assert.throws(() => fence.check('commit checkpoint 6'), /could not write its heartbeat to flink.db for \d+ ms/);
    assert.equal(fenced.length, 1);
    store = MetadataStore.open(join(home.path, 'flink.db'), { clock: wall });
  });

  test('a job that cannot confirm its heartbeat stops committing before anyone may declare it lost', () => {
    // Another process may declare the job lost once its heartbeat is heartbeat.timeout old; from
    // then on a restore may commit. This process must have stopped committing before that.
    const { fence } = acquire();
    store.close();
    freeze(SETTINGS.heartbeatTimeoutMs - 1);
    assert.throws(() => fence.check('commit checkpoint 7'), JobFencedError);
    store = MetadataStore.open(join(home.path, 'flink.db'), { clock: wall });
  });

  test('a second process cannot take over a job already taken', () => {
    acquire();
    assert.throws(
      () => JobFence.acquire(store, jobId, SETTINGS, { clock: wall, heartbeats: false }),
      (err: unknown) => err instanceof JobFencedError && /it is RUNNING, not waiting to start/.test(err.message),
    );
  });
});

describe('fenceSettings', () => {
  test('heartbeat.interval and heartbeat.timeout; the interval at most a third of the timeout', () => {
    const config = new Configuration(home.path);
    assert.deepEqual(fenceSettings(config), { heartbeatIntervalMs: 1_000, heartbeatTimeoutMs: 30_000 });
    assert.deepEqual(fenceSettings(config.with('heartbeat.interval', '100 ms').with('heartbeat.timeout', '300 ms')), {
      heartbeatIntervalMs: 100,
      heartbeatTimeoutMs: 300,
    });
    assert.throws(
      () => fenceSettings(config.with('heartbeat.interval', '2 s').with('heartbeat.timeout', '5 s')),
      (err: unknown) => err instanceof ConfigError && /heartbeat.interval \(2000 ms\) must be at most a third of heartbeat.timeout \(5000 ms\)/.test(err.message),
    );
  });
});
