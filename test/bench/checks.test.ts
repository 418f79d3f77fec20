/**
 * A bench whose measurement goes wrong fails instead of reporting figures: a wrong result
 * injected in place of one of its subjects, or a workload that breaks what it claims, makes its
 * own checks throw (and so the smoke run, which runs the same checks, fails).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchCheckError, loadBenches, runBench } from '../../bench/harness/index.js';
import { type CountFacts, expectedCounts, runJobFile } from '../../bench/keyed-count.bench.js';
import { expectedOrderFacts, orderTexts } from '../../bench/json-orders-data.js';
import type { EngineFacts } from '../../bench/nexmark.bench.js';

const [keyedCount, incremental, nexmark] = await loadBenches(['keyed-count', 'incremental', 'nexmark']);

test('keyed-count fails when the engine miscounts', async () => {
  const { events, keys } = keyedCount!.sizes.smoke;
  const right = expectedCounts(Number(events), Number(keys));
  // One event lost: the count an engine that dropped the last record would report.
  const lostOne: CountFacts = { ...right, events: right.events - 1, sumOfSquares: right.sumOfSquares - 2 * (right.events / right.keys) + 1 };
  await assert.rejects(
    runBench(keyedCount!, { size: 'smoke', substitutes: new Map([['engine p=1', () => lostOne]]) }),
    (e: unknown) => e instanceof BenchCheckError && /events counted by engine p=1 is 20,000: it is 19,999/.test(e.message),
  );
});

test('keyed-count fails when events go to the wrong key', async () => {
  const { events, keys } = keyedCount!.sizes.smoke;
  const right = expectedCounts(Number(events), Number(keys));
  const misrouted: CountFacts = { ...right, sumOfSquares: right.sumOfSquares + 2 };
  await assert.rejects(
    runBench(keyedCount!, { size: 'smoke', substitutes: new Map([['engine p=2', () => misrouted]]) }),
    (e: unknown) => e instanceof BenchCheckError && /Σ count² by engine p=2/.test(e.message),
  );
});

test('keyed-count fails when the JSON orders job credits an order to the wrong customer', async () => {
  const { orders, customers } = keyedCount!.sizes.smoke;
  const right = expectedOrderFacts(orderTexts(Number(customers)), Number(orders));
  // Same orders and cents in all, but one customer's total grew at another's expense.
  const misrouted = { ...right, weighted: right.weighted + 1000 };
  await assert.rejects(
    runBench(keyedCount!, { size: 'smoke', substitutes: new Map([['JSON orders: engine p=2', () => misrouted]]) }),
    (e: unknown) => e instanceof BenchCheckError && /Σ orders × total by JSON orders: engine p=2/.test(e.message),
  );
});

test('keyed-count fails when its run on two workers ran on one thread', async () => {
  const { runEvents, keys } = keyedCount!.sizes.smoke;
  // The same job at the same parallelism, counting right, but with every subtask on the main thread.
  const oneThread = () => runJobFile<CountFacts>('count', Number(runEvents), Number(keys), 2, 1);
  await assert.rejects(
    runBench(keyedCount!, { size: 'smoke', substitutes: new Map([['flink run p=2 on 2 workers', oneThread]]) }),
    (e: unknown) => e instanceof BenchCheckError && /keyed subtasks on worker threads in flink run p=2 on 2 workers is 2: it is 0/.test(e.message),
  );
});

test('keyed-count fails when its JSON orders are not the CPU-heavy work it names', async () => {
  await assert.rejects(
    runBench(keyedCount!, { size: 'smoke', set: { minMicrosPerOrder: 1_000_000 } }),
    (e: unknown) => e instanceof BenchCheckError && /µs of work per order in the hand-written loop \(median\) is at least 1,000,000: it is /.test(e.message),
  );
});

test('incremental fails when its delta is not 10x smaller than the full checkpoint', async () => {
  // Half the keys changed: a real delta, but not the small one the bench reports.
  await assert.rejects(
    runBench(incremental!, { size: 'smoke', set: { churn: 0.5 } }),
    (e: unknown) => e instanceof BenchCheckError && /times the hashmap delta is smaller than the full checkpoint is at least 10: it is 1\.\d+/.test(e.message),
  );
});

test('an unknown parameter is refused', async () => {
  await assert.rejects(runBench(incremental!, { size: 'smoke', set: { chrun: 0.5 } }), /has no parameter 'chrun'/);
});

test('nexmark fails when a job\'s rows are not the reference\'s', async () => {
  // q0 on 5,000 events passes its 4,600 bids through; one of them changed.
  const changed: EngineFacts = { rows: 4600, digest: '4600:0:0', checkpoints: [1] };
  await assert.rejects(
    runBench(nexmark!, { size: 'smoke', set: { queries: 'q0' }, substitutes: new Map([['q0 lmdb', () => changed]]) }),
    (e: unknown) => e instanceof BenchCheckError && /count:digest of q0 lmdb's rows \(the reference's\) is 4600:[0-9a-f]+:[0-9a-f]+: it is 4600:0:0/.test(e.message),
  );
});

test('nexmark checks every q12 run by the bids its windows counted, not only the run whose rows it keeps', async () => {
  // 5,000 events hold 4,600 bids; the second run (the timed one) emits one window's 7 bids twice.
  let runs = 0;
  const substitutes = new Map([['q12 hashmap', (): EngineFacts => ({ rows: 103, digest: undefined, checkpoints: [1], tally: runs++ === 0 ? 4600 : 4607 })]]);
  await assert.rejects(
    runBench(nexmark!, { size: 'smoke', set: { queries: 'q12' }, substitutes }),
    (e: unknown) => e instanceof BenchCheckError && /what every q12 hashmap run's rows add up to \(the reference's\) is 4,600: it is 4,607/.test(e.message),
  );
});

test('nexmark checks that every run of an updating query sends as many updates as its first', async () => {
  let runs = 0;
  const substitutes = new Map([['q4 lmdb', (): EngineFacts => ({ rows: runs++ === 0 ? 1_000_000 : 1_000_001, digest: undefined, checkpoints: [1] })]]);
  await assert.rejects(
    runBench(nexmark!, { size: 'smoke', set: { queries: 'q4' }, substitutes }),
    (e: unknown) => e instanceof BenchCheckError && /rows sent by every q4 lmdb run \(as by its first\) is 1,000,000: it is 1,000,001/.test(e.message),
  );
});

test('nexmark fails when a run took no checkpoint', async () => {
  const unchecked: EngineFacts = { rows: 4600, digest: undefined, checkpoints: [] };
  await assert.rejects(
    runBench(nexmark!, { size: 'smoke', set: { queries: 'q0' }, substitutes: new Map([['q0 hashmap', () => unchecked]]) }),
    (e: unknown) => e instanceof BenchCheckError && /checkpoints completed by a q0 hashmap run is at least 1: it is 0/.test(e.message),
  );
});
