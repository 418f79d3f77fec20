/**
 * A reader function is opened and closed per split, as Flink's state input formats open and
 * close theirs (KeyedStateInputFormat.open(split) / close()): a subtask reading three old
 * subtasks' keyed state sees open, that split's keys, close, three times over; a reading subtask
 * given no split never opens its function; a close that returns a promise is awaited before the
 * reading job ends, and its rejection fails the job.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  KeyedProcessFunction,
  type KeyedProcessContext,
  KeyedStateReaderFunction,
  type KeyedStateReaderContext,
  SavepointReader,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { readWith, snapshotOf } from './snapshot-of.js';

class Count extends KeyedProcessFunction<number, { k: number }, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
  }
  processElement(_: { k: number }, __: KeyedProcessContext<number>, ___: Collector<string>): void {
    this.n.update((this.n.value() ?? 0) + 1);
  }
}

/** Logs its calls, each reading subtask into the log under its own index. */
class Logging extends KeyedStateReaderFunction<number, string> {
  static log: string[] = [];
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
    Logging.log.push(`${this.getRuntimeContext().getIndexOfThisSubtask()} open`);
  }
  readKey(key: number, _: KeyedStateReaderContext, out: Collector<string>): void {
    Logging.log.push(`${this.getRuntimeContext().getIndexOfThisSubtask()} key`);
    out.collect(`${key}=${this.n.value()}`);
  }
  override close(): void {
    Logging.log.push(`${this.getRuntimeContext().getIndexOfThisSubtask()} close`);
  }
}

const records = Array.from({ length: 30 }, (_, i) => ({ k: i % 10 }));
const expected = Array.from({ length: 10 }, (_, k) => `${k}=3`).sort();
const savepoint = () => snapshotOf(records, (_, input) => void input.keyBy((r) => r.k).process(new Count()).uid('count').setParallelism(3));

/** The log of one reading subtask, its keys counted between an open and a close. */
function splitsIn(log: readonly string[], subtask: number): string[] {
  const mine = log.filter((l) => l.startsWith(`${subtask} `)).map((l) => l.slice(2));
  const out: string[] = [];
  for (const call of mine) {
    if (call === 'key' && out.at(-1)?.startsWith('keys')) out[out.length - 1] = `keys ${Number(out.at(-1)!.slice(5)) + 1}`;
    else out.push(call === 'key' ? 'keys 1' : call);
  }
  return out;
}

describe('reader function lifecycle: per split, as Flink', () => {
  test('one reading subtask over three splits: open, its keys, close, for each', async () => {
    const sp = await savepoint();
    Logging.log = [];
    const rows = await readWith(1, (env) => SavepointReader.read(env, sp).readKeyedState('count', new Logging()));
    assert.deepEqual(rows.sort(), expected);
    const calls = splitsIn(Logging.log, 0);
    assert.equal(calls.filter((c) => c === 'open').length, 3, calls.join(', '));
    assert.equal(calls.filter((c) => c === 'close').length, 3, calls.join(', '));
    for (let i = 0; i < calls.length; i += 3) {
      assert.equal(calls[i], 'open');
      assert.match(calls[i + 1]!, /^keys \d+$/);
      assert.equal(calls[i + 2], 'close');
    }
  });

  test('a reading subtask with no split never opens its function', async () => {
    const sp = await savepoint();
    Logging.log = [];
    const rows = await readWith(5, (env) => SavepointReader.read(env, sp).readKeyedState('count', new Logging()));
    assert.deepEqual(rows.sort(), expected);
    const subtasks = new Set(Logging.log.map((l) => l.split(' ')[0]));
    assert.equal(subtasks.size, 3, `three of five subtasks read a split each: ${Logging.log.join(', ')}`);
    for (const s of subtasks) assert.deepEqual(splitsIn(Logging.log, Number(s)).filter((c) => !c.startsWith('keys')), ['open', 'close']);
  });

  test("a close's promise is awaited; its rejection fails the reading job", async () => {
    const sp = await savepoint();
    let closed = 0;
    class SlowClose extends Logging {
      override async close(): Promise<void> {
        await new Promise((r) => setTimeout(r, 20));
        closed++;
      }
    }
    await readWith(1, (env) => SavepointReader.read(env, sp).readKeyedState('count', new SlowClose()));
    assert.equal(closed, 3, 'every split closed before the job ended');

    class FailingClose extends Logging {
      override async close(): Promise<void> {
        await new Promise((r) => setTimeout(r, 5));
        throw new Error('close failed on purpose');
      }
    }
    await assert.rejects(readWith(1, (env) => SavepointReader.read(env, sp).readKeyedState('count', new FailingClose())), /close failed on purpose/);
  });
});
