/*
 * The lifecycle of user functions in a chain, as Flink pins it down (AbstractUdfStreamOperator-
 * LifecycleTest's call sequences, OperatorChain/RegularOperatorChain's orders, StreamTaskTest's
 * testCleanUpExceptionSuppressing, testNotifyCheckpointOnClosedOperator and
 * testFailToConfirmCheckpointCompleted/Aborted):
 * - per function: runtime context, initializeState, open, records, snapshotState at the
 *   (final) checkpoint, notifyCheckpointComplete, close — close also on cancel and on failure;
 * - in a chain: opened tail to head, and closed, snapshotted and told of completed or aborted
 *   checkpoints tail to head too (finishing, i.e. end of input, goes head to tail);
 * - a throw in close after a failure does not replace the failure; a checkpoint listener's
 *   failure (also an asynchronous one) fails the job; a closed function is told nothing more.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { newJobId } from '../../src/util/ids.js';
import {
  type CheckpointListener,
  type CheckpointedFunction,
  type DataStream,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  JobCancelledError,
  ListStateDescriptor,
  type OpenContext,
  RichMapFunction,
  RichSinkFunction,
  type RuntimeContext,
  type StreamExecutionEnvironment,
  UserCodeError,
} from '../../src/index.js';
import { JobExecution, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

/** Every call the functions under test saw, as `name:call`, in order (functions are copied per subtask; this array is not). */
let calls: string[] = [];
/** Steers the functions: which name throws where, and what an asynchronous listener returns. */
let script: { throwIn?: string; asyncComplete?: () => Promise<void> } = {};

function note(name: string, call: string): void {
  calls.push(`${name}:${call}`);
  if (script.throwIn === `${name}:${call}`) throw new Error(`${name} failed in ${call}`);
}

/** A map function that notes every lifecycle call it gets. */
class Traced extends RichMapFunction<number, number> implements CheckpointedFunction, CheckpointListener {
  constructor(private readonly label: string) {
    super();
  }
  override setRuntimeContext(context: RuntimeContext): void {
    note(this.label, 'setRuntimeContext');
    super.setRuntimeContext(context);
  }
  initializeState(ctx: FunctionInitializationContext): void {
    note(this.label, `initializeState restored=${ctx.isRestored()}`);
  }
  override open(): void {
    note(this.label, 'open');
  }
  map(v: number): number {
    note(this.label, `map ${v}`);
    return v;
  }
  snapshotState(ctx: FunctionSnapshotContext): void {
    note(this.label, `snapshotState ${ctx.getCheckpointId()}`);
  }
  notifyCheckpointComplete(id: number): void | Promise<void> {
    note(this.label, `notifyCheckpointComplete ${id}`);
    return this.label === 'sink' ? script.asyncComplete?.() : undefined;
  }
  notifyCheckpointAborted(id: number): void {
    note(this.label, `notifyCheckpointAborted ${id}`);
  }
  override close(): void {
    note(this.label, 'close');
  }
}

/** The chain's tail: a sink with the same tracing. */
class TracedSink extends RichSinkFunction<number> implements CheckpointedFunction, CheckpointListener {
  private readonly traced = new Traced('sink');
  override setRuntimeContext(context: RuntimeContext): void {
    this.traced.setRuntimeContext(context);
  }
  initializeState(ctx: FunctionInitializationContext): void {
    this.traced.initializeState(ctx);
  }
  override open(): void {
    this.traced.open();
  }
  invoke(v: number): void {
    note('sink', `invoke ${v}`);
  }
  snapshotState(ctx: FunctionSnapshotContext): void {
    this.traced.snapshotState(ctx);
  }
  notifyCheckpointComplete(id: number): void | Promise<void> {
    return this.traced.notifyCheckpointComplete(id);
  }
  notifyCheckpointAborted(id: number): void {
    this.traced.notifyCheckpointAborted(id);
  }
  override close(): void {
    this.traced.close();
  }
}

/** source → head → middle → sink, one chain (the source's task), parallelism 1. */
function chain(source: (env: StreamExecutionEnvironment) => DataStream<number>) {
  const pipeline = capturePipeline((env) => {
    source(env).map(new Traced('head')).uid('head').map(new Traced('middle')).uid('middle').addSink(new TracedSink()).uid('sink');
  });
  return compilePipeline(pipeline, { parallelism: 1 });
}

/**
 * A run of `jobGraph` with checkpointing whose final checkpoint (`finalId`, taken once every task
 * finished) is triggered, acknowledged by every task and then completed, as the coordinator does.
 * `beforeFinal` runs when the tasks have finished, before it.
 */
function executionWithFinalCheckpoint(jobGraph: ReturnType<typeof chain>, finalId = 1, beforeFinal?: (execution: JobExecution) => Promise<void>) {
  const acked = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  const allAcked = (id: number) =>
    new Promise<void>((resolve) => {
      if ((acked.get(id) ?? 0) === execution.taskCount) resolve();
      else waiters.set(id, resolve);
    });
  const execution: JobExecution = new JobExecution({
    jobId: 'lifecycle',
    jobGraph,
    clock: systemClock,
    checkpointing: {
      storage: new MemoryStorage(),
      responder: {
        acknowledge: (a: TaskAcknowledgement) => {
          acked.set(a.checkpointId, (acked.get(a.checkpointId) ?? 0) + 1);
          if (acked.get(a.checkpointId) === execution.taskCount) waiters.get(a.checkpointId)?.();
        },
        decline: (id, task, reason) => assert.fail(`task ${task} declined checkpoint ${id}: ${reason}`),
      },
    },
    finalCheckpoint: async () => {
      await beforeFinal?.(execution);
      execution.triggerCheckpoint(finalId, Date.now(), { isSavepoint: false, aligned: true });
      await allAcked(finalId);
      execution.notifyCheckpointComplete(finalId);
    },
  });
  return { execution, allAcked };
}

/** Waits until a function noted `call`. */
async function untilCalled(call: string): Promise<void> {
  while (!calls.includes(call)) await new Promise((r) => setTimeout(r, 2));
}

const of = (name: string) => (c: string) => c.startsWith(`${name}:`);
const without = (prefix: string) => (c: string) => !c.split(':')[1]!.startsWith(prefix);

describe('user functions in a chain: the lifecycle Flink pins down', () => {
  test('each function: context, initializeState, open, records, final snapshot, its completion, close', async () => {
    calls = [];
    script = {};
    await executionWithFinalCheckpoint(chain((env) => env.fromElements(1, 2))).execution.run();
    for (const [name, record] of [
      ['head', 'map'],
      ['middle', 'map'],
      ['sink', 'invoke'],
    ] as const) {
      assert.deepEqual(
        calls.filter(of(name)).map((c) => c.slice(name.length + 1)),
        ['setRuntimeContext', 'initializeState restored=false', 'open', `${record} 1`, `${record} 2`, 'snapshotState 1', 'notifyCheckpointComplete 1', 'close'],
        name,
      );
    }
  });

  test('in a chain: open tail to head, records head to tail; snapshot, completion and close tail to head', async () => {
    calls = [];
    script = {};
    await executionWithFinalCheckpoint(chain((env) => env.fromElements(7))).execution.run();
    assert.deepEqual(calls.filter(without('setRuntimeContext')).filter(without('initializeState')), [
      'sink:open',
      'middle:open',
      'head:open',
      'head:map 7',
      'middle:map 7',
      'sink:invoke 7',
      'sink:snapshotState 1',
      'middle:snapshotState 1',
      'head:snapshotState 1',
      'sink:notifyCheckpointComplete 1',
      'middle:notifyCheckpointComplete 1',
      'head:notifyCheckpointComplete 1',
      'sink:close',
      'middle:close',
      'head:close',
    ]);
  });

  test('an aborted checkpoint: every function is told, tail to head; a throw there fails the job, after the others were told', async () => {
    calls = [];
    script = {};
    const abortFirst = (execution: JobExecution) => {
      execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
      execution.abortCheckpoint(1);
      return Promise.resolve();
    };
    await executionWithFinalCheckpoint(chain((env) => env.fromElements(1)), 2, abortFirst).execution.run();
    assert.deepEqual(calls.filter((c) => c.includes('Aborted')), ['sink:notifyCheckpointAborted 1', 'middle:notifyCheckpointAborted 1', 'head:notifyCheckpointAborted 1']);

    calls = [];
    script = { throwIn: 'middle:notifyCheckpointAborted 1' };
    await assert.rejects(executionWithFinalCheckpoint(chain((env) => env.fromElements(1)), 2, abortFirst).execution.run(), (err: unknown) => {
      assert.ok(err instanceof UserCodeError, String(err));
      assert.match(err.message, /middle failed in notifyCheckpointAborted 1/);
      return true;
    });
    assert.deepEqual(calls.filter((c) => c.includes('Aborted')), ['sink:notifyCheckpointAborted 1', 'middle:notifyCheckpointAborted 1', 'head:notifyCheckpointAborted 1'], 'the throw keeps none from being told');
    assert.deepEqual(calls.filter(of('head')).at(-1), 'head:close', 'closed after the failure');
  });

  test("a listener's asynchronous completion: awaited before close; its rejection fails the job", async () => {
    calls = [];
    script = {
      asyncComplete: () =>
        new Promise<void>((resolve) => {
          // Later than the run would close without waiting (its idle wait is 20 ms); waited for, it passes at any delay.
          setTimeout(() => {
            calls.push('sink:commit done');
            resolve();
          }, 150);
        }),
    };
    await executionWithFinalCheckpoint(chain((env) => env.fromElements(1))).execution.run();
    const sink = calls.filter(of('sink'));
    assert.deepEqual(sink.slice(-3), ['sink:notifyCheckpointComplete 1', 'sink:commit done', 'sink:close']);

    calls = [];
    script = { asyncComplete: () => Promise.reject(new Error('commit refused')) };
    await assert.rejects(executionWithFinalCheckpoint(chain((env) => env.fromElements(1))).execution.run(), (err: unknown) => {
      assert.ok(err instanceof UserCodeError, String(err));
      assert.match(err.message, /commit refused/);
      return true;
    });
    assert.equal(calls.at(-1), 'head:close');
  });

  test("a listener's asynchronous completion that fails while the job runs on fails the job", { timeout: 10_000 }, async () => {
    calls = [];
    script = { asyncComplete: () => Promise.reject(new Error('commit refused')) };
    const { execution, allAcked } = executionWithFinalCheckpoint(chain((env) => env.fromSequence(1, Number.MAX_SAFE_INTEGER)));
    const run = execution.run();
    await untilCalled('sink:invoke 1');
    execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
    await allAcked(1);
    execution.notifyCheckpointComplete(1);
    await assert.rejects(run, (err: unknown) => err instanceof UserCodeError && /commit refused/.test(err.message));
  });

  test('a checkpoint completing after the functions closed is not passed to them', async () => {
    calls = [];
    script = {};
    const { execution } = executionWithFinalCheckpoint(chain((env) => env.fromElements(1)));
    await execution.run();
    calls = [];
    execution.notifyCheckpointComplete(2);
    assert.deepEqual(calls, []);
  });

  test('a failure: every function is closed, and a throw in close does not replace the failure', async () => {
    calls = [];
    script = { throwIn: 'middle:map 2' };
    const failing = chain((env) => env.fromElements(1, 2, 3));
    await assert.rejects(executionWithFinalCheckpoint(failing).execution.run(), /middle failed in map 2/);
    assert.deepEqual(calls.filter((c) => c.endsWith(':close')), ['sink:close', 'middle:close', 'head:close']);
    assert.ok(!calls.some((c) => c.includes('snapshotState')), 'no final checkpoint after a failure');

    calls = [];
    script = { throwIn: 'middle:map 2' };
    const closeThrows = new (class extends Traced {
      override close(): void {
        super.close();
        throw new Error('close failed too');
      }
    })('last');
    const pipeline = capturePipeline((env) => {
      env.fromElements(1, 2, 3).map(new Traced('middle')).map(closeThrows).addSink(() => {});
    });
    await assert.rejects(executionWithFinalCheckpoint(compilePipeline(pipeline, { parallelism: 1 })).execution.run(), (err: unknown) => {
      assert.ok(err instanceof UserCodeError);
      assert.match(err.message, /middle failed in map 2/);
      return true;
    });
    assert.deepEqual(calls.filter((c) => c.endsWith(':close')), ['last:close', 'middle:close']);
  });

  test("a throw in snapshotState fails the job with it (StreamTaskTest's testDecliningCheckpointStreamOperator), and every function is closed", async () => {
    calls = [];
    script = { throwIn: 'middle:snapshotState 1' };
    await assert.rejects(executionWithFinalCheckpoint(chain((env) => env.fromElements(1))).execution.run(), (err: unknown) => {
      assert.ok(err instanceof UserCodeError, String(err));
      assert.match(err.message, /middle failed in snapshotState 1/);
      return true;
    });
    assert.ok(!calls.some((c) => c.includes('notifyCheckpointComplete')), 'the checkpoint did not complete');
    assert.deepEqual(calls.filter((c) => c.endsWith(':close')), ['sink:close', 'middle:close', 'head:close']);
  });

  test('a throw in open: the job fails with it, and every function of the chain is closed, also those not yet opened', async () => {
    calls = [];
    script = { throwIn: 'middle:open' };
    await assert.rejects(executionWithFinalCheckpoint(chain((env) => env.fromElements(1))).execution.run(), /middle failed in open/);
    assert.deepEqual(calls.filter((c) => c.endsWith(':open')), ['sink:open', 'middle:open']);
    assert.deepEqual(calls.filter((c) => c.endsWith(':close')), ['sink:close', 'middle:close', 'head:close']);
  });

  test('cancel: every function is closed after the records it saw, with no checkpoint', async () => {
    calls = [];
    script = {};
    const { execution } = executionWithFinalCheckpoint(chain((env) => env.fromSequence(1, Number.MAX_SAFE_INTEGER)));
    const run = execution.run();
    await untilCalled('sink:invoke 1');
    execution.cancel();
    await assert.rejects(run, (err: unknown) => err instanceof JobCancelledError);
    for (const name of ['head', 'middle', 'sink']) {
      const own = calls.filter(of(name));
      assert.equal(own.at(-1), `${name}:close`, name);
      assert.equal(own.filter((c) => c.endsWith(':close')).length, 1, name);
      assert.ok(!own.some((c) => c.includes('snapshotState')), name);
    }
  });
});

/** A map that notes, per subtask and run, what its contexts say; fails where `failIn` says, in the first run only. */
class AttemptAware extends RichMapFunction<number, number> implements CheckpointedFunction {
  constructor(private readonly failIn: 'map' | 'close') {
    super();
  }
  private restored = false;
  initializeState(ctx: FunctionInitializationContext): void {
    // State of its own: a task with no state at all is not restored, in Flink as here (StateAssignmentOperation's stateless task).
    ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('seen'));
    this.restored = ctx.isRestored();
  }
  snapshotState(): void {}
  override open(ctx: OpenContext): void {
    const rc = this.getRuntimeContext();
    calls.push(`subtask ${rc.getIndexOfThisSubtask()}/${rc.getNumberOfParallelSubtasks()} attempt ${rc.getAttemptNumber()} (open ${ctx.attemptNumber}) restored=${this.restored}`);
  }
  map(v: number): number {
    if (this.failIn === 'map' && this.getRuntimeContext().getAttemptNumber() === 0) throw new Error('the first attempt fails');
    return v;
  }
  override close(): void {
    if (this.failIn === 'close' && this.getRuntimeContext().getAttemptNumber() === 0) throw new Error('the first attempt fails as it closes');
  }
}

/** Runs numbers → AttemptAware (parallelism 2) under a JobMaster with checkpoints and one restart allowed. */
async function runWithRestart(failIn: 'map' | 'close'): Promise<void> {
  const home = tempDir('flink-attempts-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('execution.checkpointing.interval', '1 h')
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 1)
    .with('restart-strategy.fixed-delay.delay', '0 ms');
  const pipeline = capturePipeline((env) => {
    env.fromElements(1, 2, 3, 4).uid('numbers').rebalance().map(new AttemptAware(failIn)).setParallelism(2).uid('aware').addSink(() => {});
  }, 'attempts');
  try {
    await new JobMaster({ jobId: newJobId(), pipeline, configuration: config, clock: systemClock, tracking: { store, jobFile: '/jobs/attempts.ts', args: [], log: () => undefined } }).run();
  } finally {
    store.close();
    home.cleanup();
  }
}

describe('the runtime context across a restart (TaskInfo attempt number, isRestored)', () => {
  test('a failure before any checkpoint: the second run is attempt 1 on every subtask, and not restored', async () => {
    calls = [];
    await runWithRestart('map');
    assert.deepEqual(calls.sort(), [
      'subtask 0/2 attempt 0 (open 0) restored=false',
      'subtask 0/2 attempt 1 (open 1) restored=false',
      'subtask 1/2 attempt 0 (open 0) restored=false',
      'subtask 1/2 attempt 1 (open 1) restored=false',
    ]);
  });

  test('a failure after the final checkpoint completed: the second run is attempt 1 and restored from it', async () => {
    calls = [];
    await runWithRestart('close');
    assert.deepEqual(calls.sort(), [
      'subtask 0/2 attempt 0 (open 0) restored=false',
      'subtask 0/2 attempt 1 (open 1) restored=true',
      'subtask 1/2 attempt 0 (open 0) restored=false',
      'subtask 1/2 attempt 1 (open 1) restored=true',
    ]);
  });
});
