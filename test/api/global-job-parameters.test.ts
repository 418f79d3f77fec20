/*
 * Global job parameters as Flink's: set on the environment's ExecutionConfig (a ParameterTool,
 * or a map), read by every function's runtime context as a read-only Map<string, string> — in
 * every subtask, in async functions too — and empty when none were set.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncDataStream, type Collector, Duration, ExecutionConfig, type GlobalJobParameters, KeyedProcessFunction, type KeyedProcessContext, ParameterTool, type ResultFuture, RichAsyncFunction, RichMapFunction, setContextExecutor, StreamExecutionEnvironment } from '../../src/index.js';
import { LocalExecutor } from '../../src/cluster/local-executor.js';

/** Each record tagged with its subtask and the parameter `key` as the runtime context gives it. */
class Tag extends RichMapFunction<number, string> {
  map(n: number): string {
    const ctx = this.getRuntimeContext();
    return `${n}@${ctx.getIndexOfThisSubtask()}:${ctx.getGlobalJobParameters().get('greeting') ?? '-'}`;
  }
}

class KeyedTag extends KeyedProcessFunction<number, number, string> {
  processElement(n: number, _ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`keyed ${n}:${this.getRuntimeContext().getGlobalJobParameters().get('greeting')}`);
  }
}

class AsyncTag extends RichAsyncFunction<number, string> {
  asyncInvoke(n: number, result: ResultFuture<string>): void {
    result.complete([`async ${n}:${this.getRuntimeContext().getGlobalJobParameters().get('greeting')}`]);
  }
}

function entriesOf(params: GlobalJobParameters): Array<[string, string]> {
  const map = params.toMap();
  return map instanceof Map ? [...map.entries()] : Object.entries(map);
}

/** Runs `build`'s job in this process through the engine's own JobMaster, and returns what it collected. */
async function run(build: (env: StreamExecutionEnvironment) => void, collect: (env: StreamExecutionEnvironment) => Promise<string[]>): Promise<string[]> {
  setContextExecutor(new LocalExecutor());
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    build(env);
    return await collect(env);
  } finally {
    setContextExecutor(undefined);
  }
}

describe('setGlobalJobParameters', () => {
  test('every subtask and function kind reads the parameters from its runtime context', async () => {
    const seen = await run(
      (env) => env.getConfig().setGlobalJobParameters(ParameterTool.fromArgs(['--greeting', 'hello'])),
      async (env) => {
        const numbers = env.fromData(1, 2, 3, 4);
        const tagged = numbers.rebalance().map(new Tag()).setParallelism(2);
        const keyed = numbers.keyBy((n) => n).process(new KeyedTag());
        const async = AsyncDataStream.unorderedWait(numbers, new AsyncTag(), Duration.ofSeconds(5));
        return tagged.union(keyed, async).executeAndCollect(12);
      },
    );
    assert.deepEqual(seen.filter((s) => s.includes('@')).sort(), ['1@0:hello', '2@1:hello', '3@0:hello', '4@1:hello']);
    assert.deepEqual(seen.filter((s) => s.startsWith('keyed')).sort(), ['keyed 1:hello', 'keyed 2:hello', 'keyed 3:hello', 'keyed 4:hello']);
    assert.deepEqual(seen.filter((s) => s.startsWith('async')).sort(), ['async 1:hello', 'async 2:hello', 'async 3:hello', 'async 4:hello']);
  });

  test('none set: an empty map, as Flink\'s', async () => {
    const seen = await run(() => {}, (env) => env.fromData(1).map(new Tag()).executeAndCollect(1));
    assert.deepEqual(seen, ['1@0:-']);
  });

  test('takes a ParameterTool as such, a Map or a plain object, copied when set', () => {
    const config = new ExecutionConfig();
    assert.deepEqual(entriesOf(config.getGlobalJobParameters()), []);
    const tool = ParameterTool.fromMap({ a: '1' });
    config.setGlobalJobParameters(tool);
    assert.equal(config.getGlobalJobParameters(), tool, 'a ParameterTool comes back as it was given (Flink code casts it back)');
    assert.deepEqual(config.globalJobParametersSetting, { a: '1' });
    const map = new Map([['b', '2']]);
    config.setGlobalJobParameters(map);
    map.set('b', 'changed later');
    assert.deepEqual(config.globalJobParametersSetting, { b: '2' });
    assert.deepEqual(entriesOf(config.getGlobalJobParameters()), [['b', '2']]);
    config.setGlobalJobParameters({ c: '3' });
    assert.deepEqual(config.globalJobParametersSetting, { c: '3' });
  });

  test('refuses values that are not strings, and anything that is not a map, naming what it got', () => {
    const config = new ExecutionConfig();
    assert.throws(() => config.setGlobalJobParameters({ rate: 5 } as unknown as Record<string, string>), { name: 'TypeError', message: "Global job parameter 'rate' must be a string, got 5." });
    assert.throws(() => config.setGlobalJobParameters(new Map([[1, 'x']]) as unknown as Map<string, string>), { name: 'TypeError', message: 'Global job parameter keys must be strings, got 1.' });
    assert.throws(() => config.setGlobalJobParameters('--a 1' as unknown as Record<string, string>), { name: 'TypeError', message: "setGlobalJobParameters needs a ParameterTool, a Map or an object of strings, got the string '--a 1'." });
    assert.throws(() => config.setGlobalJobParameters(['a'] as unknown as Record<string, string>), TypeError);
    assert.equal(config.globalJobParametersSetting, undefined, 'a refused call leaves nothing set');
  });
});
