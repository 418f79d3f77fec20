/*
 * Asynchronous I/O in a running job (after Flink's AsyncWaitOperatorTest): ordered and
 * unordered results, watermarks kept in place, at most `capacity` calls in flight, timeouts
 * (failing, or handled by the function), failures, and the end of input waiting for every call.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  AsyncDataStream,
  DataGeneratorSource,
  Duration,
  ProcessFunction,
  type ProcessContext,
  type Collector,
  type ResultFuture,
  RichAsyncFunction,
  WatermarkStrategy,
  type WatermarkOutput,
  Watermark,
} from '../../../../src/index.js';
import { runJob } from '../../../helpers/run-job.js';

/** A pseudo-random delay of 0–`max` ms for input i (the same in every run). */
const delayOf = (i: number, max: number) => ((i * 7919) % 13) * (max / 12);

/** Calls that answer after a delay, counting how many are in flight at once. */
class Delayed extends RichAsyncFunction<number, string> {
  static inFlight = 0;
  static maxInFlight = 0;
  static opened = 0;
  constructor(private readonly maxDelayMs: number) {
    super();
  }
  override open(): void {
    Delayed.opened++;
  }
  async asyncInvoke(i: number, result: ResultFuture<string>): Promise<void> {
    Delayed.inFlight++;
    Delayed.maxInFlight = Math.max(Delayed.maxInFlight, Delayed.inFlight);
    await sleep(delayOf(i, this.maxDelayMs));
    Delayed.inFlight--;
    result.complete([`r${i}`]);
  }
}

function resetCounters(): void {
  Delayed.inFlight = 0;
  Delayed.maxInFlight = 0;
  Delayed.opened = 0;
}

const numbers = (n: number) => new DataGeneratorSource((i: number) => i, n);

describe('AsyncDataStream', () => {
  test('orderedWait: results in input order, with at most `capacity` calls in flight (and more than one)', async () => {
    resetCounters();
    const out: string[] = [];
    await runJob((env) => {
      const src = env.fromSource(numbers(600), WatermarkStrategy.noWatermarks(), 'numbers');
      AsyncDataStream.orderedWait(src, new Delayed(6), Duration.ofSeconds(10), 20).addSink((s: string) => void out.push(s));
    });
    assert.deepEqual(out, Array.from({ length: 600 }, (_, i) => `r${i}`));
    assert.ok(Delayed.maxInFlight <= 20, `at most 20 in flight, saw ${Delayed.maxInFlight}`);
    assert.ok(Delayed.maxInFlight > 5, `calls overlap, saw ${Delayed.maxInFlight} at once`);
    assert.equal(Delayed.opened, 1, 'a rich async function is opened');
  });

  test('unorderedWait: every result once, out of order, and none crosses a watermark (no record is late downstream)', async () => {
    resetCounters();
    const out: string[] = [];
    const late: string[] = [];
    await runJob((env) => {
      const perRecord = WatermarkStrategy.forGenerator<number>(() => ({
        // A watermark after every 20th record: the segments results may not leave.
        onEvent: (_e: number, t: number, o: WatermarkOutput) => (t % 20 === 19 ? o.emitWatermark(new Watermark(t)) : undefined),
        onPeriodicEmit: () => {},
      })).withTimestampAssigner((i) => i);
      const src = env.fromSource(numbers(400), perRecord, 'numbers');
      AsyncDataStream.unorderedWait(src, new Delayed(8), Duration.ofSeconds(10), 30)
        .process(
          new (class extends ProcessFunction<string, string> {
            processElement(s: string, ctx: ProcessContext, o: Collector<string>): void {
              // The result keeps its input's timestamp; the watermark before it is below it.
              if (ctx.timestamp() !== Number(s.slice(1))) late.push(`${s} has timestamp ${ctx.timestamp()}`);
              if (ctx.timerService().currentWatermark() >= ctx.timestamp()!) late.push(`${s} after watermark ${ctx.timerService().currentWatermark()}`);
              o.collect(s);
            }
          })(),
        )
        .addSink((s: string) => void out.push(s));
    });
    assert.deepEqual(late, []);
    assert.deepEqual([...out].sort(), Array.from({ length: 400 }, (_, i) => `r${i}`).sort());
    assert.notDeepEqual(out, Array.from({ length: 400 }, (_, i) => `r${i}`), 'results left as they completed');
  });

  test('a plain function, several results or none per input', async () => {
    const out: number[] = [];
    await runJob((env) => {
      const src = env.fromSource(numbers(50), WatermarkStrategy.noWatermarks(), 'numbers');
      AsyncDataStream.orderedWait(src, (i: number, r: ResultFuture<number>) => void setImmediate(() => r.complete(i % 2 === 0 ? [i, i] : [])), Duration.ofSeconds(5)).addSink((n: number) => void out.push(n));
    });
    assert.deepEqual(out, Array.from({ length: 25 }, (_, k) => [2 * k, 2 * k]).flat());
  });

  test('the end of input waits for every call in flight', async () => {
    const out: number[] = [];
    await runJob((env) => {
      const src = env.fromSource(numbers(10), WatermarkStrategy.noWatermarks(), 'numbers');
      AsyncDataStream.unorderedWait(src, async (i: number, r: ResultFuture<number>) => {
        await sleep(i === 9 ? 150 : 1);
        r.complete([i]);
      }, Duration.ofSeconds(5)).addSink((n: number) => void out.push(n));
    });
    assert.deepEqual([...out].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a call past its timeout fails the job (Flink: "Async function call has timed out.")', async () => {
    await assert.rejects(
      runJob((env) => {
        const src = env.fromSource(numbers(3), WatermarkStrategy.noWatermarks(), 'numbers');
        AsyncDataStream.orderedWait(src, () => {}, Duration.ofMillis(50)).addSink(() => {});
      }),
      /Async function call has timed out\./,
    );
  });

  test('a timeout the function handles: its answer counts, a late answer of the call does not', async () => {
    const out: string[] = [];
    await runJob((env) => {
      const src = env.fromSource(numbers(6), WatermarkStrategy.noWatermarks(), 'numbers');
      const fn = {
        asyncInvoke(i: number, r: ResultFuture<string>): void {
          // Odd inputs answer only after their timeout.
          setTimeout(() => r.complete([`late ${i}`]), i % 2 === 1 ? 120 : 0);
        },
        timeout(i: number, r: ResultFuture<string>): void {
          r.complete([`timeout ${i}`]);
        },
      };
      AsyncDataStream.orderedWait(src, fn, Duration.ofMillis(40)).addSink((s: string) => void out.push(s));
    });
    assert.deepEqual(out, ['late 0', 'timeout 1', 'late 2', 'timeout 3', 'late 4', 'timeout 5']);
  });

  test('a call that fails (completeExceptionally, a rejected promise, a throw) fails the job with its error', async () => {
    for (const fail of [
      (_i: number, r: ResultFuture<number>) => void setImmediate(() => r.completeExceptionally(new Error('lookup failed'))),
      async () => {
        await sleep(1);
        throw new Error('lookup failed');
      },
      () => {
        throw new Error('lookup failed');
      },
    ]) {
      await assert.rejects(
        runJob((env) => {
          const src = env.fromSource(numbers(5), WatermarkStrategy.noWatermarks(), 'numbers');
          AsyncDataStream.unorderedWait(src, fail, Duration.ofSeconds(5)).addSink(() => {});
        }),
        /lookup failed/,
      );
    }
  });

  test('refuses what cannot work, in one line', () => {
    assert.throws(() => AsyncDataStream.orderedWait({} as never, 42 as never, Duration.ofSeconds(1)), /async function is a function/);
  });
});
