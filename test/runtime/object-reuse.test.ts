/**
 * `pipeline.object-reuse` in running jobs (in this process, on one thread): with it off (the
 * default) every operator gets its own copy of each record, as Flink's CopyingChainingOutput
 * and network edges give; with it on, chained operators and the outputs of a fan-out share the
 * emitted object, as Flink's ChainingOutput does. Worker threads: test/e2e/object-reuse.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, type GlobalWindow, OutputTag, ProcessFunction, ProcessWindowFunction, RichFlatMapFunction, type StreamExecutionEnvironment } from '../../src/index.js';
import { runJob } from '../helpers/run-job.js';

type P = { key: number; n: number };

/** Emits one object for every input, changed in place each time (a Flink habit: `this.reuse`). */
class Reusing extends RichFlatMapFunction<number, P> {
  private readonly reuse: P = { key: 0, n: 0 };
  flatMap(v: number, out: Collector<P>): void {
    this.reuse.key = v % 3;
    this.reuse.n = 1;
    out.collect(this.reuse);
  }
}

async function run(reuse: boolean | undefined, build: (env: StreamExecutionEnvironment) => void): Promise<void> {
  await runJob((env) => {
    if (reuse === true) env.getConfig().enableObjectReuse();
    if (reuse === false) env.getConfig().disableObjectReuse();
    build(env);
  });
}

describe('object reuse off (the default): every operator gets its own copy', () => {
  test('a flatMap that reuses its output object, then keyBy and sum: running sums per key, as in Flink', async () => {
    for (const setting of [undefined, false]) {
      const out: P[] = [];
      await run(setting, (env) => {
        env.setParallelism(1);
        env.fromSequence(1, 9).flatMap(new Reusing()).keyBy((p) => p.key).sum('n').addSink((p) => void out.push({ ...p }));
      });
      assert.deepEqual(out.map((p) => `${p.key}:${p.n}`), ['1:1', '2:1', '0:1', '1:2', '2:2', '0:2', '1:3', '2:3', '0:3'], `setting ${setting}`);
    }
  });

  test('the reusing flatMap, then keyBy and a count window: each element in the window is as it was emitted', async () => {
    const out: string[] = [];
    await run(undefined, (env) => {
      env.setParallelism(1);
      env
        .fromSequence(1, 6)
        .flatMap(new Reusing())
        .keyBy((p) => p.key)
        .countWindow(2)
        .process(
          new (class extends ProcessWindowFunction<P, string, number, GlobalWindow> {
            process(key: number, _ctx: unknown, elements: Iterable<P>, o: Collector<string>): void {
              o.collect(`${key}:${[...elements].map((e) => e.key).join(',')}`);
            }
          })(),
        )
        .addSink((s) => void out.push(s));
    });
    assert.deepEqual(out.sort(), ['0:0,0', '1:1,1', '2:2,2']);
  });

  test('a fan-out: a map that changes the record does not change what the other output sees', async () => {
    const seen: string[] = [];
    await run(undefined, (env) => {
      env.setParallelism(1);
      const s = env.fromSequence(1, 2).map((v): { v: number; tag?: string } => ({ v }));
      s.map((p) => {
        p.tag = 'a';
        return p;
      }).addSink((p) => void seen.push(`A ${JSON.stringify(p)}`));
      s.map((p) => JSON.stringify(p)).addSink((p) => void seen.push(`B ${p}`));
    });
    assert.deepEqual(seen.sort(), ['A {"v":1,"tag":"a"}', 'A {"v":2,"tag":"a"}', 'B {"v":1}', 'B {"v":2}']);
  });

  test('a side output and the main output each get their own copy, and a later change by the emitting function reaches neither', async () => {
    const tag = new OutputTag<{ n: number }>('side');
    const got: Array<{ n: number }> = [];
    await run(undefined, (env) => {
      env.setParallelism(1);
      const main = env.fromSequence(1, 1).process(
        new (class extends ProcessFunction<number, { n: number }> {
          processElement(v: number, ctx: Parameters<ProcessFunction<number, { n: number }>['processElement']>[1], out: Collector<{ n: number }>): void {
            const record = { n: v };
            out.collect(record);
            ctx.output(tag, record);
            record.n = 99;
          }
        })(),
      );
      main.addSink((r) => void got.push(r));
      main.getSideOutput(tag).addSink((r) => void got.push(r));
    });
    assert.equal(got.length, 2);
    assert.notEqual(got[0], got[1]);
    assert.deepEqual(got, [{ n: 1 }, { n: 1 }]);
  });

  test('a class instance keeps its class through a chained copy and a keyBy', async () => {
    class Reading {
      constructor(
        public sensor: string,
        public value: number,
      ) {}
      doubled(): number {
        return this.value * 2;
      }
    }
    const out: string[] = [];
    await run(undefined, (env) => {
      env.setParallelism(1);
      env
        .fromSequence(1, 3)
        .map((v) => new Reading(`s${v % 2}`, v))
        .filter((r) => r instanceof Reading)
        .keyBy((r) => r.sensor)
        .map((r) => `${r instanceof Reading} ${r.doubled()}`)
        .addSink((s) => void out.push(s));
    });
    assert.deepEqual(out, ['true 2', 'true 4', 'true 6']);
  });

  test("a map changing the reduce's output in place does not change the reduce's state", async () => {
    const out: number[] = [];
    await run(undefined, (env) => {
      env.setParallelism(1);
      env
        .fromSequence(1, 4)
        .map((v) => ({ k: 0, total: v }))
        .keyBy((p) => p.k)
        .reduce((a, b) => ({ k: a.k, total: a.total + b.total }))
        .map((p) => {
          p.total *= 100;
          return p.total;
        })
        .addSink((n) => void out.push(n));
    });
    assert.deepEqual(out, [100, 300, 600, 1000]);
  });
});

describe('object reuse on: chained operators and fan-out outputs share records, as in Flink', () => {
  test('a chained operator gets the emitted object itself, and so does every output of a fan-out', async () => {
    const emitted: object[] = [];
    const received: Array<[string, object]> = [];
    await run(true, (env) => {
      env.setParallelism(1);
      const s = env.fromSequence(1, 2).map((v) => {
        const r = { v };
        emitted.push(r);
        return r;
      });
      s.filter((r) => void received.push(['a', r]) === undefined).addSink(() => {});
      s.filter((r) => void received.push(['b', r]) === undefined).addSink(() => {});
    });
    assert.equal(received.length, 4);
    for (const [, r] of received) assert.ok(emitted.includes(r), 'the very object emitted');
  });

  test('the fan-out job: the second output sees the first one\'s change (shared), where reuse off keeps them apart', async () => {
    const seen: string[] = [];
    await run(true, (env) => {
      env.setParallelism(1);
      const s = env.fromSequence(1, 1).map((v): { v: number; tag?: string } => ({ v }));
      s.map((p) => {
        p.tag = 'a';
        return p;
      }).addSink(() => {});
      s.map((p) => JSON.stringify(p)).addSink((p) => void seen.push(p));
    });
    assert.deepEqual(seen, ['{"v":1,"tag":"a"}']);
  });
});
