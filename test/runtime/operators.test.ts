import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  type Collector,
  type FunctionInitializationContext,
  type CheckpointedFunction,
  KeyedProcessFunction,
  type KeyedProcessContext,
  ListStateDescriptor,
  type ListState,
  MapStateDescriptor,
  type MapState,
  ProcessFunction,
  type ProcessContext,
  ReducingStateDescriptor,
  type ReducingState,
  type AggregatingState,
  RichMapFunction,
  RichFlatMapFunction,
  type ValueState,
  ValueStateDescriptor,
  UserCodeError,
} from '../../src/index.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';

describe('operators', () => {
  test('map, filter and flatMap (collector and returned iterable) chain as plain calls', async () => {
    const out: string[] = [];
    await runJob((env) => {
      env
        .fromElements('a b', 'c', '', 'd e f')
        .flatMap((line: string, c: Collector<string>) => {
          for (const w of line.split(' ')) if (w) c.collect(w);
        })
        .map((w) => w.toUpperCase())
        .filter((w) => w !== 'C')
        .flatMap((w) => [w, w.toLowerCase()])
        .addSink(collectInto(out));
    });
    assert.deepEqual(out, ['A', 'a', 'B', 'b', 'D', 'd', 'E', 'e', 'F', 'f']);
  });

  test('keyBy + reduce emits the running value per key', async () => {
    const out: Array<[string, number]> = [];
    await runJob((env) => {
      env
        .fromElements<[string, number]>(['a', 1], ['b', 10], ['a', 2], ['b', 20], ['a', 3])
        .keyBy((t) => t[0])
        .reduce((x, y) => [x[0], x[1] + y[1]])
        .addSink(collectInto(out));
    });
    assert.deepEqual(out, [['a', 1], ['b', 10], ['a', 3], ['b', 30], ['a', 6]]);
  });

  test('union merges streams; rebalance spreads records over subtasks', async () => {
    const out: number[] = [];
    const subtasks = new Set<number>();
    class Tag extends RichMapFunction<number, number> {
      map(v: number): number {
        subtasks.add(this.getRuntimeContext().getIndexOfThisSubtask());
        return v;
      }
    }
    await runJob((env) => {
      const a = env.fromElements(1, 2, 3);
      const b = env.fromSequence(10, 12);
      a.union(b).rebalance().map(new Tag()).setParallelism(3).addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), [1, 10, 11, 12, 2, 3]);
    assert.deepEqual([...subtasks].sort(), [0, 1, 2]);
  });

  test("rescale, shuffle and global route records as Flink's partitioners do", async () => {
    /** Which consumer subtask each producer subtask's records reached: `${from}>${to}`, counted. */
    const routes = new Map<string, number>();
    class From extends RichMapFunction<number, [number, number]> {
      map(v: number): [number, number] {
        return [this.getRuntimeContext().getIndexOfThisSubtask(), v];
      }
    }
    class To extends RichMapFunction<[number, number], number> {
      map([from, v]: [number, number]): number {
        const key = `${from}>${this.getRuntimeContext().getIndexOfThisSubtask()}`;
        routes.set(key, (routes.get(key) ?? 0) + 1);
        return v;
      }
    }
    const run = async (edge: 'rescale' | 'shuffle' | 'global', producers: number, consumers: number) => {
      routes.clear();
      const out: number[] = [];
      await runJob((env) => {
        const from = env.fromSequence(1, 600).setParallelism(producers).map(new From()).setParallelism(producers);
        from[edge]().map(new To()).setParallelism(consumers).addSink(collectInto(out));
      });
      assert.equal(out.length, 600, `${edge}: every record arrives once`);
      return [...routes.keys()].sort();
    };
    // 2 → 4: producer 0 feeds consumers 0 and 1, producer 1 feeds 2 and 3 (round robin within).
    assert.deepEqual(await run('rescale', 2, 4), ['0>0', '0>1', '1>2', '1>3']);
    assert.equal(routes.get('0>0'), routes.get('0>1'));
    // 4 → 2: producers 0 and 1 feed consumer 0, producers 2 and 3 consumer 1.
    assert.deepEqual(await run('rescale', 4, 2), ['0>0', '1>0', '2>1', '3>1']);
    assert.deepEqual(await run('global', 2, 3), ['0>0', '1>0']);
    const shuffled = await run('shuffle', 1, 3);
    assert.deepEqual(shuffled, ['0>0', '0>1', '0>2'], 'over 600 records every consumer gets some');
  });

  test('every keyed state type inside a KeyedProcessFunction', async () => {
    const out: string[] = [];
    class AllStates extends KeyedProcessFunction<string, number, string> {
      private value!: ValueState<number>;
      private list!: ListState<number>;
      private map!: MapState<number, number>;
      private sum!: ReducingState<number>;
      private avg!: AggregatingState<number, number>;
      override open(): void {
        const ctx = this.getRuntimeContext();
        this.value = ctx.getState(new ValueStateDescriptor<number>('count', 0));
        this.list = ctx.getListState(new ListStateDescriptor<number>('seen'));
        this.map = ctx.getMapState(new MapStateDescriptor<number, number>('parity'));
        this.sum = ctx.getReducingState(new ReducingStateDescriptor<number>('sum', (a, b) => a + b));
        this.avg = ctx.getAggregatingState(
          new AggregatingStateDescriptor<number, [number, number], number>('avg', {
            createAccumulator: () => [0, 0],
            add: (v, [s, n]) => [s + v, n + 1],
            getResult: ([s, n]) => s / n,
          }),
        );
      }
      processElement(v: number, ctx: KeyedProcessContext<string>, o: Collector<string>): void {
        this.value.update(this.value.value()! + 1);
        this.list.add(v);
        this.map.put(v % 2, (this.map.get(v % 2) ?? 0) + 1);
        this.sum.add(v);
        this.avg.add(v);
        const sum = this.sum.get();
        o.collect(
          `${ctx.getCurrentKey()} n=${this.value.value()} list=${this.list.get().join('|')} even=${this.map.get(0) ?? 0} sum=${sum} avg=${this.avg.get()}`,
        );
      }
    }
    await runJob((env) => {
      env.fromElements(1, 2, 3, 4, 5, 6).keyBy((v) => (v <= 3 ? 'low' : 'high')).process(new AllStates()).addSink(collectInto(out));
    });
    assert.deepEqual(out.filter((l) => l.startsWith('low')), [
      'low n=1 list=1 even=0 sum=1 avg=1',
      'low n=2 list=1|2 even=1 sum=3 avg=1.5',
      'low n=3 list=1|2|3 even=1 sum=6 avg=2',
    ]);
    assert.equal(out.at(-1), 'high n=3 list=4|5|6 even=2 sum=15 avg=5');
  });

  test('keyed state on a non-keyed stream and timers in a non-keyed process function are refused', async () => {
    class Bad extends RichMapFunction<number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('x'));
      }
      map(v: number): number {
        return v;
      }
    }
    await assert.rejects(
      runJob((env) => void env.fromElements(1).map(new Bad()).name('NotKeyed').print()),
      (err: unknown) => err instanceof UserCodeError && /only be used on a keyed stream/.test(err.message) && /NotKeyed/.test(err.message),
    );
    class Timers extends ProcessFunction<number, number> {
      processElement(_v: number, ctx: ProcessContext): void {
        ctx.timerService().registerProcessingTimeTimer(1);
      }
    }
    await assert.rejects(runJob((env) => void env.fromElements(1).process(new Timers()).print()), /only supported on a keyed stream/);
  });

  test("state names starting with '_' are the engine's: user keyed and operator state with one is refused", async () => {
    class KeyedUnderscore extends KeyedProcessFunction<number, number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('_timers'));
      }
      processElement(): void {}
    }
    await assert.rejects(
      runJob((env) => void env.fromElements(1).keyBy((v) => v).process(new KeyedUnderscore()).print()),
      (err: unknown) => err instanceof UserCodeError && /State name '_timers' is reserved: names starting with '_' belong to flink-ts itself/.test(err.message),
    );
    class OperatorUnderscore extends RichMapFunction<number, number> implements CheckpointedFunction {
      initializeState(context: FunctionInitializationContext): void {
        context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('_sink'));
      }
      snapshotState(): void {}
      map(v: number): number {
        return v;
      }
    }
    await assert.rejects(runJob((env) => void env.fromElements(1).map(new OperatorUnderscore()).print()), /State name '_sink' is reserved/);
    // The engine's own (reduce keeps '_reduce', a sink '_sink') still work.
    const out: number[] = [];
    await runJob((env) => void env.fromElements(1, 2).keyBy(() => 0).reduce((a, b) => a + b).addSink(collectInto(out)));
    assert.deepEqual(out, [1, 3]);
  });

  test('rich functions: open before the first record, close at the end, runtime context, one instance per subtask', async () => {
    const events: string[] = [];
    class Rich extends RichMapFunction<number, number> {
      private seen = { n: 0 };
      override open(): void {
        const c = this.getRuntimeContext();
        events.push(`open ${c.getIndexOfThisSubtask()}/${c.getNumberOfParallelSubtasks()} max ${c.getMaxNumberOfParallelSubtasks()}`);
      }
      map(v: number): number {
        this.seen.n++;
        return v;
      }
      override close(): void {
        events.push(`close ${this.getRuntimeContext().getIndexOfThisSubtask()} saw ${this.seen.n}`);
      }
    }
    await runJob((env) => void env.fromSequence(1, 100).map(new Rich()).setParallelism(2).addSink(() => {}));
    assert.deepEqual(events.filter((e) => e.startsWith('open')).sort(), ['open 0/2 max 128', 'open 1/2 max 128']);
    const closes = events.filter((e) => e.startsWith('close')).sort();
    assert.equal(closes.length, 2);
    const total = closes.map((e) => Number(e.split(' saw ')[1])).reduce((a, b) => a + b, 0);
    assert.equal(total, 100, 'each subtask counts only its own records');
  });

  test('CheckpointedFunction.initializeState runs before open with an operator state store', async () => {
    const events: string[] = [];
    class WithState extends RichFlatMapFunction<number, number> implements CheckpointedFunction {
      private buffer!: ListState<number>;
      initializeState(ctx: FunctionInitializationContext): void {
        events.push(`init restored=${ctx.isRestored()}`);
        this.buffer = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('buffer'));
      }
      snapshotState(): void {}
      override open(): void {
        events.push('open');
      }
      flatMap(v: number): number[] {
        this.buffer.add(v);
        return [this.buffer.get().length];
      }
    }
    const out: number[] = [];
    await runJob((env) => void env.fromElements(5, 6, 7).flatMap(new WithState()).addSink(collectInto(out)));
    assert.deepEqual(events, ['init restored=false', 'open']);
    assert.deepEqual(out, [1, 2, 3]);
  });

  test('a throw in user code fails the job with the operator name, message and user stack', async () => {
    await assert.rejects(
      runJob((env) => {
        env
          .fromSequence(1, 5000)
          .map((n) => {
            if (n === 4321) throw new Error(`bad record ${n}`);
            return n;
          })
          .name('Explode')
          .addSink(() => {});
      }),
      (err: unknown) => {
        assert.ok(err instanceof UserCodeError);
        assert.equal(err.message, 'Operator "Explode" failed: bad record 4321');
        assert.match(err.details ?? '', /operators\.test\.ts/);
        return true;
      },
    );
  });

  test('async sink functions are awaited per batch, and their failures fail the job', async () => {
    const out: number[] = [];
    await runJob((env) => {
      env.fromSequence(1, 3000).addSink(async (v) => {
        await Promise.resolve();
        out.push(v);
      });
    });
    assert.equal(out.length, 3000);
    await assert.rejects(
      runJob((env) => {
        env.fromSequence(1, 10).addSink(async (v) => {
          if (v === 7) throw new Error('sink down');
        }).name('Remote');
      }),
      /Operator "Sink: Remote" failed: sink down|Operator "Remote" failed: sink down/,
    );
  });
});
