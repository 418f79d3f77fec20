/**
 * What bootstrapping windows refuses, each with one line, as Flink's WindowedStateTransformation
 * and WindowOperatorBuilder refuse it: windows of records not keyed, what is no assigner, a rich
 * reduce or aggregate function, a merging assigner with a trigger that cannot merge, sessions
 * aggregated without `merge`, and the like when the job is defined; records without timestamps in
 * event-time windows when it runs (the writing job fails, and no savepoint is written); and a
 * savepoint of reduced windows restored into a job whose window aggregates, or of windows of one
 * size into a job with another size or with sessions.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  AbstractRichFunction,
  Duration,
  EventTimeSessionWindows,
  OperatorTransformation,
  RichReduceFunction,
  SavepointWriter,
  type StreamExecutionEnvironment,
  type TimeWindow,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index.js';
import { FlinkError } from '../../src/util/errors.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';

const tempRoot = (): string => tempRootIn('sp-window-refusals-');
const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));
const sum = (a: number, b: number): number => a + b;
const sumAgg = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };

/** One line, no stack: what a user sees. */
function oneLine(pattern: RegExp): (e: Error) => boolean {
  return (e) => {
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), e.message);
    return true;
  };
}

/** Defines (never runs) a job in which `fn` may throw. */
function defining(fn: (env: StreamExecutionEnvironment) => void): void {
  capturePipeline((env) => {
    fn(env);
    env.fromData(1).addSink(() => {});
  });
}

class NoMerge extends Trigger<unknown, TimeWindow> {
  onElement(): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(): void {}
}

describe('refused when the job is defined', () => {
  test('windows of records not keyed: window state is keyed state', () => {
    defining((env) => {
      const t = OperatorTransformation.bootstrapWith(env.fromData(1, 2));
      assert.throws(() => t.window(tumbling()), oneLine(/^Window state is keyed state: key the records first, bootstrapWith\(stream\)\.keyBy\(selector\)\.window\(assigner\)\.$/));
    });
  });

  test('what is no WindowAssigner, and a forgotten function', () => {
    defining((env) => {
      const keyed = OperatorTransformation.bootstrapWith(env.fromData(1, 2)).keyBy((v) => v);
      assert.throws(() => keyed.window(TumblingEventTimeWindows as never), oneLine(/^window needs a WindowAssigner/));
      const w = keyed.window(tumbling());
      assert.throws(() => w.reduce(undefined as never), oneLine(/^reduce needs a function/));
      assert.throws(() => w.aggregate({} as never), oneLine(/^aggregate needs an AggregateFunction/));
      assert.throws(() => w.process((() => {}) as never), oneLine(/^process needs a ProcessWindowFunction/));
      assert.throws(() => w.apply(42 as never), oneLine(/^A window function is a ProcessWindowFunction/));
      assert.throws(() => w.evictor({} as never), oneLine(/^evictor needs an Evictor/));
      assert.throws(() => w.allowedLateness(Duration.ofMillis(-1)), oneLine(/^The allowed lateness cannot be negative, got -1 ms\.$/));
    });
  });

  test('a rich reduce or aggregate function (Flink: "can not be a RichFunction")', () => {
    class RichSum extends RichReduceFunction<number> {
      reduce(a: number, b: number): number {
        return a + b;
      }
    }
    class RichAgg extends AbstractRichFunction {
      createAccumulator = () => 0;
      add = (v: number, acc: number) => acc + v;
      getResult = (acc: number) => acc;
    }
    defining((env) => {
      const w = OperatorTransformation.bootstrapWith(env.fromData(1, 2)).keyBy((v) => v).window(tumbling());
      assert.throws(() => w.reduce(new RichSum()), (e: FlinkError) => e.code === 'job.invalidDefinition' && oneLine(/can not be a RichFunction/)(e));
      assert.throws(() => w.aggregate(new RichAgg()), (e: FlinkError) => e.code === 'job.invalidDefinition' && oneLine(/can not be a RichFunction/)(e));
    });
  });

  test("a merging assigner with a trigger that cannot merge, and sessions aggregated without merge", () => {
    defining((env) => {
      const w = OperatorTransformation.bootstrapWith(env.fromData(1, 2)).keyBy((v) => v).window(sessions());
      assert.throws(() => w.trigger(new NoMerge()), oneLine(/^A merging window assigner \(.*\) cannot be used with a trigger that does not support merging/));
      const { merge: _merge, ...noMerge } = sumAgg;
      assert.throws(() => w.aggregate(noMerge), oneLine(/merges windows: the AggregateFunction needs merge\(a, b\)/));
    });
  });
});

describe('refused when it runs, or when it is restored', () => {
  test('event-time windows of records without timestamps: the writing job fails naming the assigner, and writes no savepoint', async () => {
    const sp = join(tempRoot(), 'sp');
    await assert.rejects(
      runJob((env) => {
        const t = OperatorTransformation.bootstrapWith(env.fromData(1, 2, 3)).keyBy((v) => v % 2).window(tumbling()).reduce(sum);
        SavepointWriter.newSavepoint(env).withOperator('w', t).write(sp);
      }),
      (e: Error) => {
        let cause: unknown = e;
        while (cause instanceof Error && !/without a timestamp/.test(cause.message) && cause.cause) cause = cause.cause;
        return oneLine(/TumblingEventTimeWindows got a record without a timestamp/)(cause as Error);
      },
    );
    assert.equal(existsSync(join(sp, '_metadata')), false);
  });

  test('reduced windows restored into a job whose window aggregates: refused before the job runs, naming the operator and the two ways of keeping its windows', async () => {
    const sp = join(tempRoot(), 'sp');
    await runJob((env) => {
      const input = env.fromData(1, 2, 3).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<number>().withTimestampAssigner((v) => v));
      SavepointWriter.newSavepoint(env).withOperator('w', OperatorTransformation.bootstrapWith(input).keyBy((v) => v % 2).window(tumbling()).reduce(sum)).write(sp);
    });
    // The restore's window check (window-restore-check.ts) refuses it before any state is read.
    await assert.rejects(
      restoreAndRun(sp, 1, (env, out) => void env.fromData<number>().keyBy((v) => v % 2).window(tumbling()).aggregate(sumAgg).uid('w').addSink((v) => out(String(v)))),
      oneLine(/^Cannot restore operator 'w' from .*: it holds open windows of an operator that reduces its windows \(\.reduce\), and the job's operator now aggregates its windows \(\.aggregate\)/),
    );
  });

  test('bootstrapped windows restored into a job whose windows have another size or merge: refused before the job runs, naming both windowings (the savepoint records them as a job\'s does)', async () => {
    const sp = join(tempRoot(), 'sp');
    await runJob((env) => {
      const input = env.fromData(1, 2, 3).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<number>().withTimestampAssigner((v) => v));
      SavepointWriter.newSavepoint(env).withOperator('w', OperatorTransformation.bootstrapWith(input).keyBy((v) => v % 2).window(tumbling()).reduce(sum)).write(sp);
    });
    const restoreWith = (windows: ReturnType<typeof tumbling> | ReturnType<typeof sessions>) =>
      restoreAndRun(sp, 1, (env, out) => void env.fromData<number>().keyBy((v) => v % 2).window(windows).reduce(sum).uid('w').addSink((v) => out(String(v))));
    await assert.rejects(
      restoreWith(TumblingEventTimeWindows.of(Duration.ofMillis(20))),
      oneLine(/^Cannot restore operator 'w' from .*: it holds open 10 ms tumbling event-time windows, and the job's operator now has 20 ms tumbling event-time windows, which would read them as other windows\. /),
    );
    await assert.rejects(restoreWith(sessions()), oneLine(/^Cannot restore operator 'w' from .*: it holds open 10 ms tumbling event-time windows, and the job's operator now has event-time sessions with a 10 ms gap/));
    // Restored with its own windows, they fire at the end of the job's input.
    assert.deepEqual(await restoreWith(tumbling()), ['2', '4']);
  });
});
