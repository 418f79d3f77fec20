/*
 * Side outputs as Flink has them: `ctx.output(tag, value)` in process functions,
 * `getSideOutput(tag)` as a stream of its own — chained or across a shuffle — carrying each
 * record's timestamp and the operator's watermarks; a tag nobody reads is dropped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  DataGeneratorSource,
  type GlobalWindow,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  OutputTag,
  ProcessFunction,
  type ProcessContext,
  ProcessWindowFunction,
  type ProcessWindowContext,
  WatermarkStrategy,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

const odd = new OutputTag<string>('odd');
const big = new OutputTag<number>('big');
const unread = new OutputTag<string>('nobody-reads-this');

/** Even numbers to the main output, odd ones (as text) to `odd`, those above 7 also to `big`, every one to `unread`. */
class Split extends ProcessFunction<number, number> {
  processElement(v: number, ctx: ProcessContext, out: Collector<number>): void {
    if (v % 2 === 0) out.collect(v);
    else ctx.output(odd, `odd ${v}`);
    if (v > 7) ctx.output(big, v);
    ctx.output(unread, 'dropped');
  }
}

/** `value@timestamp` of every record. */
class Stamp<T> extends ProcessFunction<T, string> {
  constructor(private readonly label: string) {
    super();
  }
  processElement(v: T, ctx: ProcessContext, out: Collector<string>): void {
    const ts = ctx.timestamp();
    out.collect(`${this.label} ${String(v)}@${ts === null ? 'none' : ts}`);
  }
}

describe('side outputs', () => {
  test('records go to the tag they were sent to, chained or across a shuffle, with their timestamps; an unread tag drops them', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const split = env
          .fromSource(new DataGeneratorSource((i) => i + 1, 10), WatermarkStrategy.noWatermarks<number>().withTimestampAssigner((v) => v * 100), 'gen')
          .process(new Split());
        split.process(new Stamp('main')).addSink(collectInto(out));
        // Chained to the splitting operator (same parallelism, forward).
        split.getSideOutput(odd).process(new Stamp('odd')).addSink(collectInto(out));
        // Across a shuffle, and a second reader of a tag (a new OutputTag object with the same id is the same tag).
        split.getSideOutput(big).keyBy((v) => v % 2).process(new Stamp('big')).addSink(collectInto(out));
        split.getSideOutput(new OutputTag<number>('big')).rebalance().map((v) => v * 10).process(new Stamp('big×10')).addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(out), sorted([
      ...[2, 4, 6, 8, 10].map((v) => `main ${v}@${v * 100}`),
      ...[1, 3, 5, 7, 9].map((v) => `odd odd ${v}@${v * 100}`),
      ...[8, 9, 10].map((v) => `big ${v}@${v * 100}`),
      ...[8, 9, 10].map((v) => `big×10 ${v * 10}@${v * 100}`),
    ]));
  });

  test('a keyed function sends to a side output from onTimer too, at the timer’s time (from a record without one, with none); the side output can be unioned with the main one', async () => {
    const late = new OutputTag<string>('late');
    class Timers extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
        out.collect(`element ${v}`);
        // The record has no timestamp, so neither has its side output (Flink's has Long.MIN_VALUE: see README).
        if (v === 1) ctx.output(late, `side ${v}`);
        ctx.timerService().registerEventTimeTimer(1000 + v);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>): void {
        ctx.output(late, `timer ${t}`);
      }
    }
    const out: string[] = [];
    await runJob((env) => {
      const main = env.fromElements(1, 2, 3).keyBy((v) => v).process(new Timers());
      main.union(main.getSideOutput(late)).process(new Stamp('')).addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), sorted([' element 1@none', ' element 2@none', ' element 3@none', ' side 1@none', ' timer 1001@1001', ' timer 1002@1002', ' timer 1003@1003']));
  });

  test('watermarks reach side-output readers too', async () => {
    const clock = new ManualClock(0);
    const steps: ScriptStep<number>[] = [
      { records: [1, 2].map((t) => ({ value: t, timestamp: t * 1000 })), advance: 100 },
      { records: [3, 4].map((t) => ({ value: t, timestamp: t * 1000 })), advance: 100 },
      { records: [5].map((t) => ({ value: t, timestamp: t * 1000 })) },
    ];
    class Watermarks extends KeyedProcessFunction<string, string, string> {
      processElement(v: string, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        const wm = ctx.timerService().currentWatermark();
        out.collect(`${v} wm=${wm === MIN_TIMESTAMP ? 'MIN' : wm}`);
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        const split = env.fromSource(new ScriptedSource(steps, clock), WatermarkStrategy.forMonotonousTimestamps<number>(), 'scripted').process(new Split());
        split.getSideOutput(odd).keyBy(() => 'k').process(new Watermarks()).addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(out, ['odd 1 wm=MIN', 'odd 3 wm=1999', 'odd 5 wm=3999']);
  });

  test('ctx.output needs an OutputTag, and getSideOutput too', async () => {
    class Bad extends ProcessFunction<number, number> {
      processElement(v: number, ctx: ProcessContext): void {
        ctx.output('odd' as never, v);
      }
    }
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).process(new Bad()).addSink(() => {});
      }),
      /ctx\.output\(tag, value\) needs an OutputTag/,
    );
    // A window function's context too: a tag's id alone would match no reader and be lost unseen.
    class BadWindow extends ProcessWindowFunction<number, number, number, GlobalWindow> {
      process(_key: number, ctx: ProcessWindowContext<GlobalWindow>, elements: Iterable<number>): void {
        for (const v of elements) ctx.output('odd' as never, v);
      }
    }
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).keyBy((v) => v).countWindow(1).process(new BadWindow()).addSink(() => {});
      }),
      /ctx\.output\(tag, value\) needs an OutputTag/,
    );
    await runJob((env) => {
      assert.throws(() => env.fromElements(1).process(new Split()).getSideOutput('odd' as never), /getSideOutput needs an OutputTag/);
      env.fromElements(1).addSink(() => {});
    });
  });
});
