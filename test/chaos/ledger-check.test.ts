/**
 * The chaos runs' Ledger check (ledger-check.ts) on notes written by hand: a loop in which a
 * fresh job A is killed after checkpoint 2 completed (its function told of 1, not of 2; 3
 * snapshotted, aborted, never completed), B restored from A and was killed before its functions
 * started, and C restored A's checkpoint 2 and finished. That passes; each way of breaking
 * Flink's contract is then put into it alone and must be named — and the notifications Flink
 * does not promise (a skipped one, none after a kill) must not be.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { LedgerEntry } from './fixtures/ledger.js';
import { SUM_SQ_MODULUS, type Tally, tallyOf } from './fixtures/tally.js';
import { type LedgerFacts, type LedgerNotes, ledgerProblems, readLedger } from './ledger-check.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);

const entry = (job: string, subtask: number, checkpointId: number, count: number): LedgerEntry => ({ job, subtask, checkpointId, count, sum: count * 10, sumSq: count * 100 });
const snap = (job: string, subtask: number, checkpointId: number, count: number) => ({ job, attempt: 0, subtask, entry: entry(job, subtask, checkpointId, count) });
const done = (job: string, subtask: number, checkpointId: number, snapshotted = checkpointId) => ({ job, attempt: 0, subtask, checkpointId, snapshotted });
const closed = (subtask: number, count: number, over: Partial<{ lastSnapshotted: number; lastNotified: number; pendingNotes: number }> = {}) => ({
  job: C,
  attempt: 0,
  subtask,
  count,
  sum: count * 10,
  sumSq: count * 100,
  lastSnapshotted: 4,
  lastNotified: 4,
  pendingNotes: 0,
  ...over,
});

const healthy: LedgerNotes = {
  restored: [
    { job: C, attempt: 0, subtask: 0, entries: [entry(A, 0, 2, 5)] },
    { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 2, 7)] },
  ],
  snapshots: [snap(A, 0, 1, 2), snap(A, 1, 1, 3), snap(A, 0, 2, 5), snap(A, 1, 2, 7), snap(A, 0, 3, 6), snap(C, 0, 3, 8), snap(C, 1, 3, 9), snap(C, 0, 4, 10), snap(C, 1, 4, 10)],
  done: [done(A, 0, 1), done(A, 1, 1), done(C, 0, 3), done(C, 0, 4), done(C, 1, 4)],
  aborted: [{ job: A, attempt: 0, subtask: 1, checkpointId: 3 }],
  closed: [closed(0, 10), closed(1, 10)],
};

const sink: Tally = { count: 20, sum: 200, sumSq: 2000 };
const facts: LedgerFacts = {
  runs: [
    { jobId: A, restoredFrom: null, lastCheckpointId: 2 },
    { jobId: B, restoredFrom: A, lastCheckpointId: null },
    { jobId: C, restoredFrom: A, lastCheckpointId: null },
  ],
  completed: new Map([
    [A, new Set([1, 2])],
    [C, new Set([3, 4])],
  ]),
  parallelism: 2,
  mode: 'EXACTLY_ONCE',
  sink,
  records: 20,
};

describe('ledger check', () => {
  test('a loop that keeps the contract passes, skipped and missing notifications included', () => {
    assert.deepEqual(ledgerProblems(healthy, facts), { restores: 1, done: 5, aborted: 1, problems: [] });
  });

  const broken: [string, Partial<LedgerNotes>, Partial<LedgerFacts>, RegExp][] = [
    ['told of a checkpoint that did not complete', { done: [...healthy.done, done(A, 0, 3)] }, {}, /job aaaaaaaa subtask 0 was told checkpoint 3 completed, which flink\.db has not as completed/],
    ['told of a checkpoint above its snapshots', { done: [...healthy.done.slice(1), done(A, 0, 1, 0)] }, {}, /was told checkpoint 1 completed, having snapshotted only up to 0/],
    ['told of an abort of a completed checkpoint', { aborted: [{ job: A, attempt: 0, subtask: 0, checkpointId: 2 }] }, {}, /told checkpoint 2 aborted, which completed/],
    ['a fresh start restored', { restored: [...healthy.restored, { job: A, attempt: 0, subtask: 0, entries: [] }] }, {}, /job aaaaaaaa started from scratch, yet its function was restored/],
    [
      'a restore older than a checkpoint the job was told had completed',
      {
        restored: [
          { job: C, attempt: 0, subtask: 0, entries: [entry(A, 0, 1, 2)] },
          { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 1, 3)] },
        ],
        done: [...healthy.done, done(A, 1, 2)],
      },
      {},
      /job aaaaaaaa was told checkpoint 2 completed, but job cccccccc restored it from checkpoint 1/,
    ],
    [
      "a restore older than the job's latest",
      {
        restored: [
          { job: C, attempt: 0, subtask: 0, entries: [entry(A, 0, 1, 2)] },
          { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 1, 3)] },
        ],
      },
      {},
      /restored checkpoint 1 of aaaaaaaa, older than its latest \(2\)/,
    ],
    [
      'an entry restored twice',
      {
        restored: [
          { job: C, attempt: 0, subtask: 0, entries: [entry(A, 0, 2, 5), entry(A, 1, 2, 7)] },
          { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 2, 7)] },
        ],
      },
      {},
      /3 entries, 2 stored; twice \[a+\/1\/2\/7\/70\/700\]/,
    ],
    [
      'an entry lost',
      {
        restored: [
          { job: C, attempt: 0, subtask: 0, entries: [entry(A, 0, 2, 5)] },
          { job: C, attempt: 0, subtask: 1, entries: [] },
        ],
      },
      {},
      /1 entries, 2 stored; twice \[\], not stored \[\], missing \[a+\/1\/2\/7\/70\/700\]/,
    ],
    ['an entry not stored', { restored: [healthy.restored[0]!, { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 2, 8)] }] }, {}, /not stored \[a+\/1\/2\/8\/80\/800\]/],
    ['entries of two checkpoints', { restored: [healthy.restored[0]!, { job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 1, 3)] }] }, {}, /got entries of aaaaaaaa at checkpoints 2, 1/],
    ['a subtask of the finished run that did not say what it restored', { restored: [healthy.restored[0]!] }, {}, /job cccccccc restored from aaaaaaaa, but only 1 of 2 subtasks/],
    [
      'a run with a completed checkpoint whose subtasks did not say what they restored',
      {},
      { completed: new Map([...facts.completed, [B, new Set([3])]]) },
      /job bbbbbbbb restored from aaaaaaaa, but only 0 of 2 subtasks/,
    ],
    ['a notification still being written at close', { closed: [closed(0, 10, { pendingNotes: 1 }), closed(1, 10)] }, {}, /subtask 0 of the finished job closed with 1 notification\(s\) still being written/],
    ['closed before hearing of the final checkpoint', { closed: [closed(0, 10), closed(1, 10, { lastNotified: 3 })] }, {}, /subtask 1 of the finished job closed having snapshotted up to 4 but heard of 3 completed/],
    ['no note of the final checkpoint', { done: healthy.done.filter((d) => !(d.job === C && d.subtask === 1)) }, {}, /subtask 1 of the finished job has no note of its final checkpoint 4/],
    ['a subtask of the finished run that never closed', { closed: [closed(0, 10)] }, {}, /1 of 2 subtasks of the finished job cccccccc closed/],
    ['state counting a record twice', { closed: [closed(0, 10), closed(1, 11)] }, {}, /state holds count 21, sum 210, sum of squares 2100; the sink's committed output count 20/],
    ['at least once, a record lost', { closed: [closed(0, 10), closed(1, 9)] }, { mode: 'AT_LEAST_ONCE' }, /the finished job's state counts 19 of 20 records/],
  ];
  for (const [what, notes, more, problem] of broken) {
    test(what, () => {
      const { problems } = ledgerProblems({ ...healthy, ...notes }, { ...facts, ...more });
      assert.ok(problems.some((p) => problem.test(p)), problems.join('\n'));
    });
  }

  test('at least once, state counting a record twice is allowed', () => {
    assert.deepEqual(ledgerProblems({ ...healthy, closed: [closed(0, 10), closed(1, 11)] }, { ...facts, mode: 'AT_LEAST_ONCE' }).problems, []);
  });

  test('over 300,000 records the state and the sink tally the same, whatever the order their squares were summed in', () => {
    // Σi² of 0..n-1 passes 2^53 near n = 300,000 (a chaos run at 20,000 records/s): summed as
    // plain doubles, two subtasks' stream order and the sink's file order round differently.
    const n = 320_000;
    const inputs = Array.from({ length: n }, (_, i) => String(i));
    const subtask = (s: number) => tallyOf(inputs.filter((_, i) => i % 2 === s), Number);
    const finished = [0, 1].map((s) => ({ ...closed(s, 0), ...subtask(s) }));
    const sinkTally = tallyOf(inputs.toReversed(), Number);
    const N = BigInt(n);
    assert.equal(sinkTally.sumSq, Number(((N * (N - 1n) * (2n * N - 1n)) / 6n) % BigInt(SUM_SQ_MODULUS)));
    assert.deepEqual(ledgerProblems({ ...healthy, closed: finished }, { ...facts, sink: sinkTally, records: n }).problems, []);
  });

  const dir = mkdtempSync(join(tmpdir(), 'ledger-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('readLedger parses every note by its name and passes over a write a kill cut short', () => {
    mkdirSync(dir, { recursive: true });
    const write = (name: string, body: unknown) => writeFileSync(join(dir, name), JSON.stringify(body));
    write(`restored-${C}-0-1.json`, [entry(A, 1, 2, 7)]);
    write(`snap-${A}-0-1-2.json`, entry(A, 1, 2, 7));
    write(`done-${A}-1-0-12.json`, { snapshotted: 13 });
    write(`aborted-${A}-0-1-3.json`, {});
    write(`closed-${C}-0-1.json`, { count: 1, sum: 2, sumSq: 4, lastSnapshotted: 4, lastNotified: 4, pendingNotes: 0 });
    writeFileSync(join(dir, `done-${A}-0-0-2.json.tmp`), '{"snapsh');
    assert.deepEqual(readLedger(dir), {
      restored: [{ job: C, attempt: 0, subtask: 1, entries: [entry(A, 1, 2, 7)] }],
      snapshots: [{ job: A, attempt: 0, subtask: 1, entry: entry(A, 1, 2, 7) }],
      done: [{ job: A, attempt: 1, subtask: 0, checkpointId: 12, snapshotted: 13 }],
      aborted: [{ job: A, attempt: 0, subtask: 1, checkpointId: 3 }],
      closed: [{ job: C, attempt: 0, subtask: 1, count: 1, sum: 2, sumSq: 4, lastSnapshotted: 4, lastNotified: 4, pendingNotes: 0 }],
    });
  });
});
