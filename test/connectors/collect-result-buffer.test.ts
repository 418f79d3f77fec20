/*
 * The collect client's buffer: when a result may be handed out, and what a restart does — the
 * cases of Flink's CheckpointedCollectResultBuffer and UncheckpointedCollectResultBuffer, fed the
 * writer's messages directly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CollectRestartError, CollectResultBuffer } from '../../src/connectors/collect/collect-result-buffer.js';
import type { CollectWriterMessage } from '../../src/connectors/collect/collect-protocol.js';
import { pack } from '../../src/util/binary-codec.js';

const hello = (attempt: number, base: number, checkpointing: boolean): CollectWriterMessage => ({ t: 'hello', attempt, base, checkpointing });
const data = (attempt: number, from: number, records: unknown[]): CollectWriterMessage => ({ t: 'data', attempt, from, records: pack(records) });
const checkpointed = (attempt: number, offset: number): CollectWriterMessage => ({ t: 'checkpointed', attempt, offset });

function takeAll<T>(b: CollectResultBuffer<T>): T[] {
  const out: T[] = [];
  while (b.hasNext) out.push(b.take());
  return out;
}

describe('without checkpointing', () => {
  test('results are handed out as they come', () => {
    const b = new CollectResultBuffer<number>();
    b.receive(hello(0, 0, false));
    b.receive(data(0, 0, [1, 2]));
    assert.deepEqual(takeAll(b), [1, 2]);
    b.receive(data(0, 2, [3]));
    assert.deepEqual(takeAll(b), [3]);
    assert.equal(b.exhausted, false, 'the job has not ended');
    b.finished();
    assert.equal(b.exhausted, true);
  });

  test('a restart after results were handed out fails the reader: they would come again', () => {
    const b = new CollectResultBuffer<number>();
    b.receive(hello(0, 0, false));
    b.receive(data(0, 0, [1, 2]));
    b.take();
    assert.throws(() => b.receive(hello(1, 0, false)), (err: unknown) => err instanceof CollectRestartError && err.code === 'collect.restarted' && /Enable checkpointing/.test(err.message));
  });

  test('a restart before anything was handed out starts over: nothing comes twice', () => {
    const b = new CollectResultBuffer<number>();
    b.receive(hello(0, 0, false));
    b.receive(data(0, 0, [1, 2]));
    b.receive(hello(1, 0, false));
    b.receive(data(1, 0, [1, 2, 3]));
    b.finished();
    assert.deepEqual(takeAll(b), [1, 2, 3]);
  });
});

describe('with checkpointing', () => {
  test('a result is handed out only once a completed checkpoint covers it', () => {
    const b = new CollectResultBuffer<string>();
    b.receive(hello(0, 0, true));
    b.receive(data(0, 0, ['a', 'b', 'c']));
    assert.equal(b.hasNext, false);
    b.receive(checkpointed(0, 2));
    assert.deepEqual(takeAll(b), ['a', 'b']);
    b.receive(data(0, 3, ['d']));
    b.receive(checkpointed(0, 4));
    assert.deepEqual(takeAll(b), ['c', 'd']);
  });

  test('a restart drops what came after the restored checkpoint; the new attempt sends it again', () => {
    const b = new CollectResultBuffer<string>();
    b.receive(hello(0, 0, true));
    b.receive(data(0, 0, ['a', 'b', 'c', 'd']));
    b.receive(checkpointed(0, 2));
    assert.deepEqual(takeAll(b), ['a', 'b']);
    b.receive(hello(1, 2, true));
    b.receive(data(1, 2, ['c2', 'd2']));
    b.receive(checkpointed(1, 4));
    assert.deepEqual(takeAll(b), ['c2', 'd2'], 'c and d were never handed out: the new attempt’s take their place');
  });

  test("an earlier attempt's late messages are dropped", () => {
    const b = new CollectResultBuffer<string>();
    b.receive(hello(0, 0, true));
    b.receive(data(0, 0, ['a']));
    b.receive(hello(1, 0, true));
    b.receive(data(0, 1, ['stale']));
    b.receive(checkpointed(0, 2));
    assert.equal(b.hasNext, false);
    b.receive(data(1, 0, ['a', 'b']));
    b.receive(checkpointed(1, 2));
    assert.deepEqual(takeAll(b), ['a', 'b']);
  });

  test('a restore from before what was handed out fails the reader (a fallback to an older checkpoint)', () => {
    const b = new CollectResultBuffer<string>();
    b.receive(hello(0, 0, true));
    b.receive(data(0, 0, ['a', 'b', 'c']));
    b.receive(checkpointed(0, 3));
    takeAll(b);
    assert.throws(() => b.receive(hello(1, 1, true)), CollectRestartError);
  });

  test('a run restored from another run’s snapshot goes on from its offset', () => {
    const b = new CollectResultBuffer<string>();
    b.receive(hello(0, 100, true));
    b.receive(data(0, 100, ['x']));
    b.receive(checkpointed(0, 101));
    assert.deepEqual(takeAll(b), ['x']);
    assert.equal(b.handedOut, 101);
  });

  test('when the job ends, everything received is handed out (its final checkpoint covered it)', () => {
    const b = new CollectResultBuffer<number>();
    b.receive(hello(0, 0, true));
    b.receive(data(0, 0, [1, 2, 3]));
    b.receive(checkpointed(0, 1));
    b.finished();
    assert.deepEqual(takeAll(b), [1, 2, 3]);
    assert.equal(b.exhausted, true);
  });

  test('many results: handed out in order while the buffer drops what was taken', () => {
    const b = new CollectResultBuffer<number>();
    b.receive(hello(0, 0, true));
    const n = 20_000;
    for (let from = 0; from < n; from += 1000) b.receive(data(0, from, Array.from({ length: 1000 }, (_, i) => from + i)));
    b.receive(checkpointed(0, n / 2));
    const first = takeAll(b);
    b.finished();
    const rest = takeAll(b);
    assert.deepEqual([...first, ...rest], Array.from({ length: n }, (_, i) => i));
  });
});
