/*
 * executeAndCollect / collectAsync / executeAsync checked against Flink's DataStream
 * (executeAndCollect, collectAsync), CollectResultIterator, CollectResultFetcher and the
 * collect-result buffers, case by case: limits, empty streams, failures, close, cancel, several
 * collects, back pressure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CloseableIterator, StreamExecutionEnvironment } from '../../src/index.js';
import { FlinkError, JobCancelledError } from '../../src/util/errors.js';

const localEnv = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

async function drain<T>(it: CloseableIterator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

/** Rejects if `p` has not settled within `ms` (a hang would otherwise stop the whole file). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('JobClient.cancel() of a job whose collect reader is behind', () => {
  // Flink: the collect sink waits on its buffer in an interruptible wait, so cancelling the job
  // (JobClient.cancel) ends it however far the reader is behind.
  test('cancel() ends the job although the sink waits for its reader (back pressure)', async () => {
    const env = localEnv();
    const it = env.fromSequence(1, Number.MAX_SAFE_INTEGER).collectAsync();
    const client = await env.executeAsync('unbounded, read slowly');
    assert.equal((await it.next()).value, 1);
    // The sink fills its reader's 10,000 unread results and waits; the cancel must still end the job.
    try {
      await within(client.cancel(), 10_000, 'cancel()');
    } catch (err) {
      // Let the job go (closing the reader releases the sink) so that a failure does not hang the file.
      await it.close();
      throw err;
    }
    await assert.rejects(client.getJobExecutionResult(), JobCancelledError);
    // The reader hands out what it had already made readable, then the job's end (as Flink's fetcher).
    await assert.rejects(drain(it), JobCancelledError);
  });
});

describe('misuse gets one clear, typed line', () => {
  // Flink: Collector.getOutput / the fetcher refuse an iterator whose job has not started.
  test('reading a collectAsync iterator before its job started is a FlinkError with a code', async () => {
    const it = localEnv().fromData(1).collectAsync();
    await assert.rejects(it.next(), (err: unknown) => err instanceof FlinkError && err.code === 'collect.notStarted' && /executeAsync/.test(err.message));
  });
});
