import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncDataStream, Duration, RichAsyncFunction, RichMapFunction, type ResultFuture, StreamExecutionEnvironment } from '../../src/index.js';

// Flink 2.x removed RuntimeContext's getIndexOfThisSubtask & co. in favour of getTaskInfo(), so a
// Flink 2.x function asks getTaskInfo(); the 1.x getters stay. The task name is the chain's, as Flink names it.
async function collect<T>(results: Promise<AsyncIterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of await results) out.push(v);
  return out;
}

class WhoAmI extends RichMapFunction<number, string> {
  map(): string {
    const info = this.getRuntimeContext().getTaskInfo();
    return [info.getTaskNameWithSubtasks(), info.getIndexOfThisSubtask(), info.getNumberOfParallelSubtasks(), info.getMaxNumberOfParallelSubtasks(), info.getAttemptNumber()].join('|');
  }
}

test('getTaskInfo() names the subtask, as Flink 2.x does', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.setMaxParallelism(64);
  const seen = new Set(await collect(env.fromSequence(1, 20).setParallelism(2).map(new WhoAmI()).setParallelism(2).name('who').executeAndCollect()));
  assert.deepEqual([...seen].sort(), ['Source: Sequence Source -> who (1/2)#0|0|2|64|0', 'Source: Sequence Source -> who (2/2)#0|1|2|64|0']);
});

test('a rich async function sees the same task info', async () => {
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  const fn = new (class extends RichAsyncFunction<number, string> {
    asyncInvoke(_n: number, out: ResultFuture<string>): void {
      out.complete([this.getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks()]);
    }
  })();
  const results = await collect(AsyncDataStream.orderedWait(env.fromData(1), fn, Duration.ofSeconds(10)).name('lookup').executeAndCollect());
  assert.deepEqual(results, ['Source: Collection Source -> lookup -> Sink: Data stream collect sink (1/1)#0']);
});
