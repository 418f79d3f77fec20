/*
 * How a JobMaster settles failures that a restart cannot fix, run in this process with a
 * metadata store in a temporary home:
 * - a function in keyed state, which no checkpoint can encode: the failure line names the
 *   operator on both backends;
 * - a damaged latest checkpoint at failover: recovery falls back to an older retained one, and
 *   with none loadable the job FAILS (recorded) instead of hanging in RESTARTING (the choice
 *   itself: test/checkpoint/recovery.test.ts);
 * - state that does not fit (StateMigrationError) or a snapshot that cannot be restored
 *   (SnapshotRestoreError), also wrapped: the job fails at once, without restarts;
 * - a failure from outside the tasks while the job waits to restart: the restart strategy
 *   decides at once (joined, counted, or the job fails).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type Pipeline,
  RichMapFunction,
  type Sink,
  type SinkWriter,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import { type LoadedSnapshot, SnapshotRestoreError, loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { JobMaster, type RestoreSettings } from '../../src/cluster/job-master.js';
import { unrecoverableCause } from '../../src/cluster/failure-classification.js';
import { Configuration } from '../../src/config/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { FlinkError, SinkTargetError, StateMigrationError, UserCodeError } from '../../src/util/errors.js';
import { newJobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

describe('unrecoverableCause', () => {
  test('finds a StateMigrationError, SnapshotRestoreError or SinkTargetError, also behind UserCodeError causes', () => {
    const migration = new StateMigrationError("State 'count' of operator 'count' changed kind from value to list.");
    assert.equal(unrecoverableCause(migration), migration);
    assert.equal(unrecoverableCause(new UserCodeError('count', migration, 'count')), migration);
    const restore = new SnapshotRestoreError('Cannot restore from /x: its _metadata is invalid.');
    assert.equal(unrecoverableCause(new Error('outer', { cause: new UserCodeError('op', restore) })), restore);
    const misfit = new SinkTargetError('connector.jdbc.tableMissing', 'JdbcSink: table "t" does not exist');
    assert.equal(unrecoverableCause(new UserCodeError('Sink: JdbcSink', misfit)), misfit);
  });

  test('ordinary failures may be retried', () => {
    assert.equal(unrecoverableCause(new UserCodeError('op', new Error('boom'))), undefined);
    assert.equal(unrecoverableCause(new FlinkError('job.userCodeFailed', 'x')), undefined);
    assert.equal(unrecoverableCause('a string'), undefined);
    assert.equal(unrecoverableCause(undefined), undefined);
  });

  test('a cyclic cause chain ends the search', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(unrecoverableCause(a), undefined);
  });
});

/** What the jobs below do, steered by the tests (functions are copied per subtask; this is not). */
const control = { failNext: false, processed: 0, opens: 0 };

class Count extends KeyedProcessFunction<number, number, number> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(v: number): void {
    if (control.failNext) {
      control.failNext = false;
      throw new Error('injected failure');
    }
    control.processed++;
    this.count.update(this.count.value()! + v);
  }
}

class OpenFails extends RichMapFunction<number, number> {
  override open(): void {
    control.opens++;
    throw new StateMigrationError("State 'count' of operator uid 'm' was written as a value state; it is now a list state.");
  }
  map(v: number): number {
    return v;
  }
}

const capture = (build: (env: StreamExecutionEnvironment) => void): Pipeline => capturePipeline(build, 'failures');

const countingJob = () =>
  capture((env) => {
    env
      .fromSource(new DataGeneratorSource<number>((i) => i, Infinity, { recordsPerSecond: 500 }), WatermarkStrategy.noWatermarks(), 'gen')
      .uid('gen')
      .keyBy((v) => v % 4)
      .process(new Count())
      .uid('count')
      .addSink(() => {})
      .uid('sink');
  });

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Starts `pipeline` under a tracked JobMaster with a fixed-delay restart strategy. */
function start(pipeline: Pipeline, settings: Record<string, string | number>, restore?: RestoreSettings) {
  const home = tempDir('flink-jm-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  let config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 5)
    .with('restart-strategy.fixed-delay.delay', '0 ms');
  for (const [k, v] of Object.entries(settings)) config = config.with(k, v);
  const logs: string[] = [];
  const master = new JobMaster({
    jobId: newJobId(),
    pipeline,
    configuration: config,
    clock: systemClock,
    tracking: { store, jobFile: '/jobs/failures.ts', args: [], log: (l) => logs.push(l) },
    ...(restore ? { restore } : {}),
  });
  const outcome = master.run().then(
    () => undefined,
    (err: unknown) => err,
  );
  const checkpoint = async (): Promise<{ checkpointId: number; path: string }> => {
    await until(() => store.getJob(master.jobId)?.status === 'RUNNING', 'the job to run');
    const id = store.submitCommand(master.jobId, 'checkpoint', { full: false });
    await until(() => store.getCommand(id)?.status !== 'PENDING' && store.getCommand(id)?.status !== 'RUNNING', 'the checkpoint');
    const cmd = store.getCommand(id)!;
    assert.equal(cmd.status, 'DONE', `checkpoint failed: ${cmd.error}`);
    return cmd.result as { checkpointId: number; path: string };
  };
  const stop = async () => {
    master.cancel();
    await outcome;
    store.close();
    home.cleanup();
  };
  return { master, store, logs, outcome, checkpoint, stop };
}

/** Flips a byte in every state file of a checkpoint directory, so its checksums no longer match. */
function damage(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.state'));
  assert.ok(files.length > 0, `${dir} has state files`);
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(dir, f), bytes);
  }
}

const periodic = { 'execution.checkpointing.interval': '1 h' };

describe('JobMaster failover with damaged checkpoints', () => {
  test('the latest retained checkpoint is damaged: the job recovers from the older one', async () => {
    control.failNext = false;
    const job = start(countingJob(), { ...periodic, 'execution.checkpointing.num-retained': 2 });
    try {
      const first = await job.checkpoint();
      const second = await job.checkpoint();
      damage(second.path);
      control.failNext = true;
      await until(() => job.logs.some((l) => l.startsWith(`Recovering job ${job.master.jobId} from checkpoint ${first.checkpointId}`)), 'recovery');
      assert.ok(job.logs.some((l) => l.includes(`checkpoint ${second.checkpointId}: Cannot restore from ${second.path}`)), job.logs.join('\n'));
      await until(() => job.store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run again');
      const before = control.processed;
      await until(() => control.processed > before, 'records after the restart');
    } finally {
      await job.stop();
    }
    assert.equal(control.failNext, false);
  });

  test('no retained checkpoint can be loaded: the job FAILS with one line naming the checkpoint and the problem', async () => {
    control.failNext = false;
    const job = start(countingJob(), periodic);
    try {
      const cp = await job.checkpoint();
      damage(cp.path);
      control.failNext = true;
      const err = await job.outcome;
      assert.ok(err instanceof FlinkError, `expected a FlinkError, got ${String(err)}`);
      assert.match(err.message, new RegExp(`^Cannot recover the job: .*checkpoint ${cp.checkpointId}: Cannot restore from ${cp.path}: .*damaged \\(checksum mismatch\\)`));
      assert.doesNotMatch(err.message, /\n/);
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.equal(rec.failureCause, err.message);
    } finally {
      await job.stop();
    }
  });
});

describe('JobMaster and a snapshot that fails as its run is built', () => {
  test('a key group that passed its checksum and does not decode fails the job, recorded FAILED with the cause (not left RUNNING)', async () => {
    control.failNext = false;
    const first = start(countingJob(), periodic);
    let snapshot: LoadedSnapshot;
    try {
      await until(() => control.processed > 20, 'records counted');
      snapshot = loadSnapshot((await first.checkpoint()).path);
    } finally {
      await first.stop();
    }
    // As a _metadata and state file resealed after an edit would give: checksums that match, a
    // key group that is no MessagePack (0xc1 is a byte it never uses). Restoring decodes it on
    // the main thread while the run is built, before any task runs.
    let damaged = 0;
    for (const content of snapshot.files.get('count')!.values()) {
      content.keyGroups.forEach((b, i) => void (content.keyGroups[i] = { ...b, bytes: Uint8Array.of(0xc1) }, damaged++));
    }
    assert.ok(damaged > 0, 'the checkpoint holds keyed state');
    const job = start(countingJob(), periodic, { snapshot, allowNonRestoredState: false });
    try {
      const err = await job.outcome;
      assert.ok(err instanceof SnapshotRestoreError, `expected a SnapshotRestoreError, got ${String(err)}`);
      assert.match(err.message, /^Cannot restore the state of operator .count.: key group \d+ in op-.*\.state is not a key-group block; the snapshot is damaged\.$/);
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.equal(rec.failureCause, err.message);
    } finally {
      await job.stop();
    }
  });
});

describe('JobMaster and failures a restart cannot fix', () => {
  test('a StateMigrationError from open() (wrapped in UserCodeError) fails the job at once, no restarts', async () => {
    control.opens = 0;
    const job = start(
      capture((env) => {
        env.fromSequence(1, 10).uid('src').map(new OpenFails()).uid('m').addSink(() => {}).uid('sink');
      }),
      {},
    );
    try {
      const err = await job.outcome;
      assert.ok(err instanceof UserCodeError, `expected the operator's failure, got ${String(err)}`);
      assert.ok(err.cause instanceof StateMigrationError);
      assert.equal(err.message, `Operator "Map" (uid 'm') failed: ${err.cause.message}`);
      assert.equal(control.opens, 1, 'opened once: no restart attempts');
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.equal(rec.failureCause, err.message);
      assert.deepEqual(job.store.listEvents(job.master.jobId).filter((e) => e.kind === 'restart'), []);
    } finally {
      await job.stop();
    }
  });
});

/** A sink whose pre-commit of the first checkpoint after its end of input hangs past the checkpoint timeout (then settles late). */
const finalSink = { ended: false, hung: 0, written: 0, committed: [] as number[] };

class SlowFinalPreCommitSink implements Sink<number> {
  createWriter(): SinkWriter<number> {
    return {
      write: () => {
        finalSink.written++;
      },
      endOfInput: () => {
        finalSink.ended = true;
      },
      prepareCommit: async () => {
        if (finalSink.ended && finalSink.hung === 0) {
          finalSink.hung++;
          await sleep(1600);
        }
      },
      notifyCheckpointComplete: (id) => {
        finalSink.committed.push(id);
      },
      close: () => {},
    };
  }
}

describe('JobMaster: the final checkpoint as Flink’s (FLIP-147)', () => {
  test('a bounded job whose final checkpoint fails within the tolerable number retries it and FINISHES, without a restart', async () => {
    Object.assign(finalSink, { ended: false, hung: 0, written: 0, committed: [] });
    const pipeline = capture((env) => {
      env
        .fromSource(new DataGeneratorSource<number>((i) => i, 200, { recordsPerSecond: 2000 }), WatermarkStrategy.noWatermarks(), 'gen')
        .uid('gen')
        .sinkTo(new SlowFinalPreCommitSink())
        .uid('sink');
    });
    const job = start(pipeline, {
      // A timeout long enough that no other checkpoint expires on a loaded machine; the hang outlasts it.
      'execution.checkpointing.interval': '300 ms',
      'execution.checkpointing.timeout': '1 s',
      'execution.checkpointing.tolerable-failed-checkpoints': 1,
      'restart-strategy.type': 'none',
    });
    try {
      const err = await job.outcome;
      assert.equal(err, undefined, `the job failed: ${String(err)}\n${job.logs.join('\n')}`);
      assert.equal(job.store.getJob(job.master.jobId)?.status, 'FINISHED');
      assert.equal(finalSink.hung, 1, 'the first final checkpoint hung past the timeout');
      // Only the final one expires; on a loaded machine a periodic checkpoint may also have
      // failed uncounted (triggered while the tasks still opened, or subsumed by the final one).
      const all = job.store.listCheckpoints(job.master.jobId).filter((c) => c.status === 'FAILED');
      const failed = all.filter((c) => /expired/i.test(c.failureReason ?? ''));
      assert.equal(failed.length, 1, `the expired final checkpoint is recorded as failed: ${all.map((c) => `${c.checkpointId} ${c.failureReason}`).join('; ')}`);
      assert.ok(
        finalSink.committed.some((id) => id > failed[0]!.checkpointId),
        `a later checkpoint committed the sink's last data (committed ${finalSink.committed.join(', ')}; failed ${failed[0]!.checkpointId})`,
      );
      assert.equal(finalSink.written, 200);
      assert.ok(!job.logs.some((l) => /restart|Recovering/i.test(l)), job.logs.join('\n'));
    } finally {
      await job.stop();
    }
  });
});

/**
 * A failure from outside the tasks (a job file's timer) while the job waits to restart goes to
 * the restart strategy at once, as Flink's scheduler notifies its strategy of a failure while
 * the job restarts (ExecutionFailureHandler: notifyFailure, then canRestart).
 */
describe('JobMaster: a failure while the job waits to restart', () => {
  const restartEvents = (job: ReturnType<typeof start>) => job.store.listEvents(job.master.jobId).filter((e) => e.kind === 'restart');
  const waitingToRestart = async (job: ReturnType<typeof start>) => {
    control.failNext = true;
    await until(() => job.store.getJob(job.master.jobId)?.status === 'RESTARTING', 'the job to wait to restart');
  };

  test('exponential-delay joins it to the pending restart: no new attempt, no new restart recorded', async () => {
    // One attempt only: were the second failure counted, it would fail the job.
    const job = start(countingJob(), {
      'restart-strategy.type': 'exponential-delay',
      'restart-strategy.exponential-delay.initial-backoff': '1 min',
      'restart-strategy.exponential-delay.attempts-before-reset-backoff': 1,
    });
    try {
      await waitingToRestart(job);
      job.master.failFromOutside(new Error('a timer threw'));
      await until(() => job.logs.some((l) => l.includes('joins the pending restart')), 'the failure to join the restart');
      assert.match(job.logs.find((l) => l.includes('joins the pending restart'))!, /\(in \d+ ms\): a timer threw$/);
      assert.equal(job.store.getJob(job.master.jobId)?.status, 'RESTARTING');
      assert.equal(restartEvents(job).length, 1);
    } finally {
      await job.stop();
    }
  });

  test('fixed-delay counts it: a restart of its own is recorded, and the restart waits its delay', async () => {
    const job = start(countingJob(), { 'restart-strategy.fixed-delay.attempts': 2, 'restart-strategy.fixed-delay.delay': '1 min' });
    try {
      await waitingToRestart(job);
      job.master.failFromOutside(new Error('a timer threw'));
      await until(() => restartEvents(job).length === 2, 'the second restart to be recorded');
      assert.match(restartEvents(job)[1]!.cause ?? '', /a timer threw/);
      assert.ok(job.logs.some((l) => /in 60000 ms instead, attempt 1, after a failure while it waited: .*a timer threw/.test(l)), job.logs.join('\n'));
      assert.equal(job.store.getJob(job.master.jobId)?.status, 'RESTARTING');
    } finally {
      await job.stop();
    }
  });

  test('fixed-delay with no attempt left fails the job at once with that failure, without waiting out the delay', { timeout: 30_000 }, async () => {
    const job = start(countingJob(), { 'restart-strategy.fixed-delay.attempts': 1, 'restart-strategy.fixed-delay.delay': '1 min' });
    try {
      await waitingToRestart(job);
      job.master.failFromOutside(new Error('a timer threw'));
      const err = await job.outcome;
      assert.equal((err as Error).message, 'a timer threw');
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.equal(rec.failureCause, 'a timer threw');
      assert.equal(restartEvents(job).length, 1);
      // Why it stopped trying, as Flink's "Recovery is suppressed by …": logged, and above the
      // failure in its recorded stack (the exception history's); the cause stays the failure's.
      const why = 'the fixed-delay restart strategy allows 1 restart(s)';
      assert.ok(job.logs.includes(`Recovery of job ${job.master.jobId} is suppressed: ${why}.`), job.logs.join('\n'));
      assert.match(rec.failureStack ?? '', new RegExp(`^Recovery is suppressed: ${escape(why)}\\nCaused by: Error: a timer threw\\n`));
    } finally {
      await job.stop();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('JobMaster: the restart strategy gives up', () => {
  test('on a task failure: the job fails with the failure as its cause, and the reason logged and above its stack', async () => {
    const job = start(countingJob(), { 'restart-strategy.fixed-delay.attempts': 0 });
    try {
      await until(() => job.store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run');
      control.failNext = true;
      const err = await job.outcome;
      assert.match((err as Error).message, /injected failure/);
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.match(rec.failureCause ?? '', /injected failure/);
      assert.doesNotMatch(rec.failureCause ?? '', /suppressed/);
      const why = 'the fixed-delay restart strategy allows 0 restart(s)';
      assert.ok(job.logs.includes(`Recovery of job ${job.master.jobId} is suppressed: ${why}.`), job.logs.join('\n'));
      assert.match(rec.failureStack ?? '', new RegExp(`^Recovery is suppressed: ${escape(why)}\\nCaused by: .*injected failure`));
      const failure = job.store.listEvents(job.master.jobId).find((e) => e.kind === 'failure');
      assert.equal(failure?.stack, rec.failureStack);
    } finally {
      await job.stop();
    }
  });

  test('a failure no restart can fix is not said to be suppressed by the strategy', async () => {
    control.opens = 0;
    const job = start(capture((env) => { env.fromElements(1, 2).map(new OpenFails()).uid('m').addSink(() => {}); }), {});
    try {
      await job.outcome;
      const rec = job.store.getJob(job.master.jobId)!;
      assert.equal(rec.status, 'FAILED');
      assert.doesNotMatch(rec.failureStack ?? '', /suppressed/);
      assert.ok(!job.logs.some((l) => /suppressed/.test(l)), job.logs.join('\n'));
    } finally {
      await job.stop();
    }
  });
});

/** Keeps, per key, a value holding a function: no checkpoint can encode it. */
class KeepsAFunction extends KeyedProcessFunction<number, number, number> {
  private kept!: ValueState<unknown>;
  override open(): void {
    this.kept = this.getRuntimeContext().getState(new ValueStateDescriptor<unknown>('kept'));
  }
  processElement(v: number): void {
    this.kept.update({ v, format: (x: number) => `#${x}` });
  }
}

describe('a function in keyed state', () => {
  // hashmap: a pending snapshot meets the value in the next update of its key group; lmdb: the
  // snapshot's cut writes the cached entry out, encoding it there, outside any user call.
  for (const backend of ['hashmap', 'lmdb'] as const) {
    test(`${backend}: the job fails with one line naming the operator`, async () => {
      const pipeline = capture((env) => {
        env
          .fromSource(new DataGeneratorSource<number>((i) => i, Infinity, { recordsPerSecond: 2000 }), WatermarkStrategy.noWatermarks(), 'gen')
          .uid('gen')
          .keyBy((v) => v % 4)
          .process(new KeepsAFunction())
          .name('keeper')
          .uid('keeper')
          .addSink(() => {})
          .uid('sink');
      });
      const job = start(pipeline, { 'state.backend.type': backend, 'execution.checkpointing.interval': '50 ms', 'restart-strategy.fixed-delay.attempts': 0 });
      try {
        const err = await job.outcome;
        assert.ok(err instanceof Error, String(err));
        assert.match(err.message, /^Operator "keeper" failed: Unknown type: function/);
        assert.ok(!err.message.includes('\n'), err.message);
      } finally {
        await job.stop();
      }
    });
  }
});
