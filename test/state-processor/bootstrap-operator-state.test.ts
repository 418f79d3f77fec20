/**
 * SavepointWriter bootstrapping operator (non-keyed) state with a StateBootstrapFunction, against
 * Flink's (StateBootstrapOperator, StateBootstrapTransformation, StateBootstrapTransformationTest,
 * SavepointWriterITCase's ModifyProcessFunction / StatefulOperator): list and union list state
 * written by a bootstrap job in this process, restored into a CheckpointedFunction of a real job
 * (assignState + JobExecution, as `flink run -s` does) at other parallelisms, and read back with
 * SavepointReader.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readSnapshotMetadata } from '../../src/checkpoint/index.js';
import {
  type Collector,
  type DataStream,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  KeyedStateBootstrapFunction,
  type ListState,
  ListStateDescriptor,
  OperatorTransformation,
  RichFlatMapFunction,
  SavepointReader,
  SavepointWriter,
  type StateBootstrapContext,
  StateBootstrapFunction,
  type StreamExecutionEnvironment,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';

const tempRoot = (): string => tempRootIn('sp-opstate-');

/**
 * Flink's ModifyProcessFunction, with a split list state besides: every number into list state
 * 'offsets' as it comes; into union list state 'numbers' only in snapshotState, from a buffer
 * (the state is what snapshotState leaves, as at a checkpoint).
 */
class WriteNumbers extends StateBootstrapFunction<number> {
  private buffer: number[] = [];
  private numbers!: ListState<number>;
  private offsets!: ListState<number>;
  initializeState(ctx: FunctionInitializationContext): void {
    assert.equal(ctx.isRestored(), false);
    this.numbers = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('numbers'));
    this.offsets = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('offsets'));
  }
  processElement(n: number): void {
    this.buffer.push(n);
    this.offsets.add(n * 10);
  }
  snapshotState(): void {
    this.numbers.update(this.buffer);
  }
}

/** A job's CheckpointedFunction (Flink's StatefulOperator): reports what it restored, once per subtask, on its first record. */
class ReportNumbers extends RichFlatMapFunction<number, string> {
  private numbers!: ListState<number>;
  private offsets!: ListState<number>;
  private reported = false;
  initializeState(ctx: FunctionInitializationContext): void {
    assert.equal(ctx.isRestored(), true);
    this.numbers = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('numbers'));
    this.offsets = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('offsets'));
  }
  snapshotState(): void {}
  flatMap(_: number, out: Collector<string>): void {
    if (this.reported) return;
    this.reported = true;
    const sorted = (l: ListState<number>) => JSON.stringify([...l.get()].sort((a, b) => a - b));
    out.collect(`${this.getRuntimeContext().getIndexOfThisSubtask()} numbers=${sorted(this.numbers)} offsets=${sorted(this.offsets)}`);
  }
}

const NUMBERS = Array.from({ length: 9 }, (_, i) => i + 1);

/** Writes uid 'numbers' from 1..9 with {@link WriteNumbers} into `sp`, at `parallelism`. */
async function writeNumbers(sp: string, parallelism: number, maxParallelism?: number): Promise<void> {
  await runJob((env) => {
    const t = OperatorTransformation.bootstrapWith(env.fromData(NUMBERS)).transform(new WriteNumbers());
    SavepointWriter.newSavepoint(env, maxParallelism).withOperator('numbers', t).write(sp);
  }, { parallelism });
}

/** Restores `sp` into a job whose uid 'numbers' is a {@link ReportNumbers}, at `parallelism` (its input gives every subtask records). */
function restoreNumbers(sp: string, parallelism: number): Promise<string[]> {
  return restoreAndRun(sp, parallelism, (env, out) => {
    env.fromData(Array.from({ length: 4 * parallelism }, (_, i) => i)).rebalance().flatMap(new ReportNumbers()).uid('numbers').addSink(out);
  });
}

/** `{subtask: [numbers, offsets]}` of lines of {@link ReportNumbers}. */
function parse(lines: readonly string[]): Array<{ numbers: number[]; offsets: number[] }> {
  return lines.map((l) => {
    const m = /^(\d+) numbers=(\[.*\]) offsets=(\[.*\])$/.exec(l)!;
    return { numbers: JSON.parse(m[2]!) as number[], offsets: JSON.parse(m[3]!) as number[] };
  });
}

describe('operator state written by a StateBootstrapFunction restores into a CheckpointedFunction', () => {
  for (const writeP of [1, 3]) {
    test(`written at parallelism ${writeP}: union state gives every subtask all numbers, list state deals the offsets out once, at 1..4`, async () => {
      const sp = join(tempRoot(), 'sp');
      await writeNumbers(sp, writeP);
      const meta = readSnapshotMetadata(sp);
      const op = meta.operators.find((o) => o.uid === 'numbers')!;
      assert.deepEqual([op.parallelism, op.maxParallelism, op.subtasks.length], [writeP, 128, writeP]);
      for (const h of op.subtasks) assert.equal(h.keyGroupRange, null, 'operator state: no key groups');
      for (const p of [1, 2, 4]) {
        const seen = parse(await restoreNumbers(sp, p));
        assert.equal(seen.length, p, `every subtask reported at ${p}`);
        for (const s of seen) assert.deepEqual(s.numbers, NUMBERS, `union state at ${p}`);
        const offsets = seen.flatMap((s) => s.offsets).sort((a, b) => a - b);
        assert.deepEqual(offsets, NUMBERS.map((n) => n * 10), `list state once over the subtasks at ${p}`);
        const sizes = seen.map((s) => s.offsets.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `list state split evenly at ${p}: ${sizes}`);
      }
    });
  }

  test('reads back with SavepointReader: readListState every subtask\'s elements, readUnionState the union', async () => {
    const sp = join(tempRoot(), 'sp');
    await writeNumbers(sp, 3);
    const read = async <T>(build: (env: StreamExecutionEnvironment) => DataStream<T>): Promise<T[]> => {
      const out: T[] = [];
      await runJob((env) => void build(env).addSink((v: T) => void out.push(v)));
      return out.sort();
    };
    assert.deepEqual(await read((env) => SavepointReader.read(env, sp).readListState<number>('numbers', 'offsets')), NUMBERS.map((n) => n * 10).sort());
    assert.deepEqual(await read((env) => SavepointReader.read(env, sp).readUnionState<number>('numbers', 'numbers')), NUMBERS.sort());
    await assert.rejects(
      read((env) => SavepointReader.read(env, sp).readListState<number>('numbers', 'numbers')),
      /is union list state, not list state: read it with readUnionState/,
    );
  });
});

describe('parallelism (StateBootstrapTransformationTest)', () => {
  test("runs at the job's parallelism when below the max parallelism, capped at the savepoint's or the transformation's own", async () => {
    const root = tempRoot();
    const subtasksOf = (sp: string) => readSnapshotMetadata(sp).operators.map((o) => [o.uid, o.parallelism, o.maxParallelism]).sort();
    await writeNumbers(join(root, 'below'), 4, 10);
    assert.deepEqual(subtasksOf(join(root, 'below')), [['numbers', 4, 10]]);
    await writeNumbers(join(root, 'capped'), 10, 4);
    assert.deepEqual(subtasksOf(join(root, 'capped')), [['numbers', 4, 4]]);
    await runJob((env) => {
      const own = OperatorTransformation.bootstrapWith(env.fromData(NUMBERS)).setMaxParallelism(1).transform(new WriteNumbers());
      SavepointWriter.newSavepoint(env, 4).withOperator('numbers', own).write(join(root, 'own'));
    }, { parallelism: 4 });
    assert.deepEqual(subtasksOf(join(root, 'own')), [['numbers', 1, 1]]);
    // Its own max parallelism is the job's operator's (a chain runs with its head's: it heads one).
    const lines = await restoreAndRun(join(root, 'own'), 1, (env, out) => {
      env.fromData([0]).flatMap(new ReportNumbers()).uid('numbers').setMaxParallelism(1).startNewChain().addSink(out);
    });
    assert.deepEqual(parse(lines), [{ numbers: NUMBERS, offsets: NUMBERS.map((n) => n * 10) }]);
  });
});

/** Keeps what the contexts say: the processing time per record, the checkpoint id and time at the snapshot. */
class WriteContext extends StateBootstrapFunction<number> {
  private seen!: ListState<string>;
  initializeState(ctx: FunctionInitializationContext): void {
    this.seen = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<string>('seen'));
  }
  processElement(n: number, ctx: StateBootstrapContext): void {
    this.seen.add(`${n}@${ctx.currentProcessingTime()}`);
  }
  snapshotState(ctx: FunctionSnapshotContext): void {
    this.seen.add(`snapshot ${ctx.getCheckpointId()}@${ctx.getCheckpointTimestamp()}`);
  }
}

describe('the contexts', () => {
  test("currentProcessingTime is the writing job's clock; snapshotState runs once, after the last record, as checkpoint 1 (the savepoint's id)", async () => {
    const sp = join(tempRoot(), 'sp');
    await runJob((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData([1, 2])).transform(new WriteContext());
      SavepointWriter.newSavepoint(env).withOperator('ctx', t).write(sp);
    }, { clock: new ManualClock(1234) });
    assert.equal(readSnapshotMetadata(sp).checkpointId, 1);
    const out: string[] = [];
    await runJob((env) => void SavepointReader.read(env, sp).readListState<string>('ctx', 'seen').addSink((v: string) => void out.push(v)));
    assert.deepEqual(out, ['1@1234', '2@1234', 'snapshot 1@1234']);
  });
});

describe('refusals, one line each', () => {
  test('the wrong function for the transformation, a plain object that is no CheckpointedFunction, two transformations for one uid', async () => {
    const sp = join(tempRoot(), 'sp');
    await runJob((env) => {
      const input = OperatorTransformation.bootstrapWith(env.fromData(NUMBERS));
      class Keyed extends KeyedStateBootstrapFunction<number, number> {
        processElement(): void {}
      }
      assert.throws(() => input.transform(new Keyed() as never), /A KeyedStateBootstrapFunction writes keyed state: key the records first, bootstrapWith\(stream\)\.keyBy\(selector\)\.transform\(fn\)\./);
      assert.throws(() => input.keyBy((n) => n).transform(new WriteNumbers() as never), /A StateBootstrapFunction writes non-keyed state: bootstrapWith\(stream\)\.transform\(fn\), without keyBy\./);
      assert.throws(() => input.transform({ processElement() {} } as never), /transform needs a StateBootstrapFunction \(processElement, and initializeState and snapshotState/);
      const writer = SavepointWriter.newSavepoint(env).withOperator('numbers', input.transform(new WriteNumbers()));
      assert.throws(() => writer.withOperator('numbers', input.transform(new WriteContext())), /withOperator was given uid 'numbers' twice: each operator's state is written once\./);
      assert.throws(() => writer.withOperator('other', {} as never), /withOperator needs a transformation: OperatorTransformation\.bootstrapWith\(stream\)\.transform\(fn\)/);
      writer.write(sp);
    });
    assert.deepEqual(readSnapshotMetadata(sp).operators.map((o) => o.uid), ['numbers']);
  });

  test("a function that registers an engine-owned name, or keyed state, fails the writing job in one line and leaves no savepoint", async () => {
    class EngineName extends WriteNumbers {
      override initializeState(ctx: FunctionInitializationContext): void {
        ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('_splits'));
      }
    }
    class KeyedState extends WriteNumbers {
      override processElement(): void {
        this.getRuntimeContext().getListState(new ListStateDescriptor<number>('k'));
      }
    }
    for (const [fn, message] of [
      [new EngineName(), /Operator "Bootstrap 'numbers'" \(uid '__bootstrap:.*'\) failed: .*'_splits'.*/],
      [new KeyedState(), /Operator "Bootstrap 'numbers'" failed: Keyed state 'k' can only be used on a keyed stream/],
    ] as const) {
      const sp = join(tempRoot(), 'sp');
      const failed = runJob((env) => {
        SavepointWriter.newSavepoint(env).withOperator('numbers', OperatorTransformation.bootstrapWith(env.fromData(NUMBERS)).transform(fn)).write(sp);
      });
      await assert.rejects(failed, (e: Error) => message.test(e.message) && !e.message.includes('\n'));
      assert.equal(existsSync(join(sp, '_metadata')), false);
    }
  });
});
