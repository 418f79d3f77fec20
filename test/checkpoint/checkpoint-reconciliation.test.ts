/*
 * The latest checkpoint of an ended job, decided from observed facts: flink.db's rows, the
 * `chk-<n>` directories found on disk, and what reading them found. Table-driven: each case is
 * the facts and the plan that brings flink.db level with the disk.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type FoundCheckpoint,
  type JobSnapshot,
  type ReconciliationFacts,
  type SnapshotVerdict,
  isEmptyPlan,
  jobSnapshots,
  planReconciliation,
  walkResult,
  walkSnapshots,
} from '../../src/checkpoint/checkpoint-reconciliation.js';

const chk = (n: number): string => `/ck/job/chk-${n}`;
const USABLE: SnapshotVerdict = { status: 'usable' };
const gone = (n: number): SnapshotVerdict => ({ status: 'gone', problem: `Cannot restore from ${chk(n)}: no such file or directory.` });
const damaged = (n: number): SnapshotVerdict => ({ status: 'damaged', problem: `Cannot restore from ${chk(n)}: state file op-0 of operator 'count' is damaged (checksum mismatch).` });
const foreign = (n: number): SnapshotVerdict => ({ status: 'foreign', problem: `${chk(n)} holds checkpoint 1 of job x, not this job's checkpoint ${n}` });

/** A checkpoint flink.db recorded as completed at time 1000 * n. */
const recorded = (n: number, restoreProblem: string | null = null): JobSnapshot => ({ checkpointId: n, path: chk(n), savepoint: false, recorded: true, restoreProblem, completedAt: 1000 * n });
/** A `chk-<n>` found on disk that flink.db did not record. */
const unrecorded = (n: number): JobSnapshot => ({ checkpointId: n, path: chk(n), savepoint: false, recorded: false, restoreProblem: null, completedAt: null });
const savepoint = (n: number): JobSnapshot => ({ checkpointId: n, path: `/sp/savepoint-${n}`, savepoint: true, recorded: true, restoreProblem: null, completedAt: 1000 * n });
/** What a found checkpoint's `_metadata` says: published at 1000 * n + 1. */
const found = (n: number): FoundCheckpoint => ({ checkpointId: n, path: chk(n), kind: 'CHECKPOINT', triggerTime: 1000 * n - 50, completedAt: 1000 * n + 1, stateSize: 10 * n, checkpointedSize: 5 * n });

function facts(f: {
  snapshots: JobSnapshot[];
  verdicts?: Array<[string, SnapshotVerdict]>;
  found?: number[];
  inProgress?: number[];
  last?: number | null;
}): ReconciliationFacts {
  return {
    snapshots: f.snapshots,
    found: new Map((f.found ?? []).map((n) => [chk(n), found(n)])),
    verdicts: new Map(f.verdicts ?? []),
    inProgress: (f.inProgress ?? []).map((n) => ({ checkpointId: n, kind: 'CHECKPOINT' as const })),
    lastCheckpoint: f.last === null || f.last === undefined ? null : { checkpointId: f.last, path: chk(f.last) },
  };
}

describe('jobSnapshots', () => {
  test('recorded and found ones, newest first by number; a found path flink.db recorded is not found twice', () => {
    const s = jobSnapshots(
      [{ checkpointId: 9, path: chk(9), completedAt: 9000 }, { checkpointId: 11, path: '/sp/savepoint-11', savepoint: true, restoreProblem: 'x' }],
      [{ checkpointId: 9, path: chk(9) }, { checkpointId: 10, path: chk(10) }, { checkpointId: 2, path: chk(2) }],
    );
    assert.deepEqual(
      s.map((x) => [x.checkpointId, x.recorded, x.savepoint, x.restoreProblem, x.completedAt]),
      [
        [11, true, true, 'x', null],
        [10, false, false, null, null],
        [9, true, false, null, 9000],
        [2, false, false, null, null],
      ],
    );
  });
});

describe('walkSnapshots', () => {
  const snapshots = [savepoint(12), unrecorded(11), recorded(10), recorded(9)];

  test('reads newest first and stops at the goal: a restore at the newest usable snapshot, a listing at the newest usable checkpoint', () => {
    const judged: string[] = [];
    const judge = (v: Record<string, SnapshotVerdict>) => (s: JobSnapshot) => (judged.push(s.path), v[s.path] ?? USABLE);
    walkSnapshots(snapshots, 'snapshot', judge({}));
    assert.deepEqual(judged.splice(0), ['/sp/savepoint-12']);
    walkSnapshots(snapshots, 'checkpoint', judge({}));
    assert.deepEqual(judged.splice(0), ['/sp/savepoint-12', chk(11)]);
    walkSnapshots(snapshots, 'checkpoint', judge({ [chk(11)]: damaged(11), [chk(10)]: gone(10) }));
    assert.deepEqual(judged.splice(0), ['/sp/savepoint-12', chk(11), chk(10), chk(9)]);
    const none = walkSnapshots(snapshots, 'snapshot', () => damaged(0));
    assert.equal(none.size, 4, 'none usable: every one is read');
    assert.equal(walkResult(snapshots, none, 'snapshot'), null);
  });

  test('the goal is unknown while a newer snapshot is unread', () => {
    const verdicts = new Map<string, SnapshotVerdict>([['/sp/savepoint-12', USABLE]]);
    assert.equal(walkResult(snapshots, verdicts, 'snapshot')?.checkpointId, 12);
    assert.equal(walkResult(snapshots, verdicts, 'checkpoint'), undefined);
  });
});

describe('planReconciliation', () => {
  const cases: Array<{ name: string; facts: ReconciliationFacts; plan: Record<string, unknown> }> = [
    {
      name: 'flink.db already agrees with the disk: nothing to write',
      facts: facts({ snapshots: [recorded(8), recorded(7)], verdicts: [[chk(8), USABLE]], last: 8 }),
      plan: {},
    },
    {
      name: 'a checkpoint published but not recorded: recorded from its _metadata, and the latest',
      facts: facts({ snapshots: [unrecorded(9), recorded(8)], verdicts: [[chk(9), USABLE]], found: [9], inProgress: [9], last: 8 }),
      plan: { record: [[9, null]], lastCheckpoint: { checkpointId: 9, path: chk(9), time: 9001 } },
    },
    {
      name: 'the published one is damaged: recorded with its problem; the recorded one stays the latest',
      facts: facts({ snapshots: [unrecorded(9), recorded(8)], verdicts: [[chk(9), damaged(9)], [chk(8), USABLE]], found: [9], last: 8 }),
      plan: { record: [[9, damaged(9)]] },
    },
    {
      name: 'older found ones, not read, are recorded as their _metadata says; another job\'s is not',
      facts: facts({ snapshots: [unrecorded(10), unrecorded(9), recorded(8), unrecorded(7)], verdicts: [[chk(10), foreign(10)], [chk(9), USABLE]], found: [9, 7], last: 8 }),
      plan: { record: [[9, null], [7, null]], lastCheckpoint: { checkpointId: 9, path: chk(9), time: 9001 } },
    },
    {
      name: 'the recorded latest is gone: discarded, and the latest moves back (with its recorded time)',
      facts: facts({ snapshots: [recorded(8), recorded(7)], verdicts: [[chk(8), gone(8)], [chk(7), USABLE]], last: 8 }),
      plan: { discard: [8], lastCheckpoint: { checkpointId: 7, path: chk(7), time: 7000 } },
    },
    {
      name: 'a restore found the recorded latest damaged: marked so, and the latest moves back',
      facts: facts({ snapshots: [recorded(8), recorded(7)], verdicts: [[chk(8), damaged(8)], [chk(7), USABLE]], last: 8 }),
      plan: { problems: [[8, damaged(8)]], lastCheckpoint: { checkpointId: 7, path: chk(7), time: 7000 } },
    },
    {
      name: 'one found damaged before reads well now (its file was put back): the problem is cleared',
      facts: facts({ snapshots: [recorded(8, 'was damaged'), recorded(7)], verdicts: [[chk(8), USABLE]], last: 7 }),
      plan: { problems: [[8, null]], lastCheckpoint: { checkpointId: 8, path: chk(8), time: 8000 } },
    },
    {
      name: 'nothing can be restored: no latest checkpoint',
      facts: facts({ snapshots: [recorded(8)], verdicts: [[chk(8), gone(8)]], last: 8 }),
      plan: { discard: [8], lastCheckpoint: null },
    },
    {
      name: 'checkpoints left in progress by the ended job fail, unless found published',
      facts: facts({ snapshots: [unrecorded(9), recorded(8)], verdicts: [[chk(9), USABLE]], found: [9], inProgress: [11, 10, 9], last: 8 }),
      plan: { record: [[9, null]], failed: [11, 10], lastCheckpoint: { checkpointId: 9, path: chk(9), time: 9001 } },
    },
    {
      name: 'a restore that stopped at a newer savepoint leaves the latest checkpoint as it is',
      facts: facts({ snapshots: [savepoint(10), unrecorded(9), recorded(8)], verdicts: [['/sp/savepoint-10', USABLE]], found: [9], last: 8 }),
      plan: { record: [[9, null]] },
    },
  ];

  for (const c of cases) {
    test(c.name, () => {
      const plan = planReconciliation(c.facts);
      const shown = {
        ...(plan.record.length > 0 && { record: plan.record.map((r) => [r.checkpoint.checkpointId, r.restoreProblem && { status: 'damaged', problem: r.restoreProblem }]) }),
        ...(plan.discard.length > 0 && { discard: plan.discard.map((s) => s.checkpointId) }),
        ...(plan.restoreProblems.length > 0 && { problems: plan.restoreProblems.map((p) => [p.snapshot.checkpointId, p.problem && { status: 'damaged', problem: p.problem }]) }),
        ...(plan.failInProgress.length > 0 && { failed: plan.failInProgress.map((f) => f.checkpointId) }),
        ...(plan.lastCheckpoint !== undefined && { lastCheckpoint: plan.lastCheckpoint }),
      };
      assert.deepEqual(shown, c.plan);
      assert.equal(isEmptyPlan(plan), Object.keys(c.plan).length === 0);
    });
  }

  test('a found checkpoint is recorded with the sizes and times its _metadata gives', () => {
    const plan = planReconciliation(facts({ snapshots: [unrecorded(9)], verdicts: [[chk(9), USABLE]], found: [9] }));
    assert.deepEqual(plan.record[0]?.checkpoint, found(9));
  });
});
