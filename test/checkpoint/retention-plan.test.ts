import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CompletedCheckpoint } from '../../src/checkpoint/completed-checkpoint.js';
import { type RetentionFacts, type RetentionPlan, planRetention } from '../../src/checkpoint/retention-plan.js';
import type { SnapshotKind } from '../../src/checkpoint/snapshot-metadata.js';

/** Checkpoint `id` of job J whose keyed state is the chain `chain` of files in J's shared/. */
function cp(id: number, chain: string[] = [], kind: SnapshotKind = 'CHECKPOINT', dir = '/c/J'): CompletedCheckpoint {
  const h = { uid: 'u', name: 'u', subtask: 0, parallelism: 1, maxParallelism: 128, file: 'f', size: 1, checksum: 'x', keyGroupRange: null, stateNames: [] };
  const subtasks = [chain.length > 0 ? { ...h, sharedState: chain.map((file) => ({ file, size: 1, checksum: 'x' })) } : h];
  return {
    checkpointId: id,
    kind,
    path: `${dir}/chk-${id}`,
    triggerTime: 0,
    completedAt: 0,
    metadata: { magic: 'flink-ts-snapshot', formatVersion: 1, jobId: 'J', jobName: 'j', checkpointId: id, kind, timestamp: 0, operators: [{ uid: 'u', name: 'u', parallelism: 1, maxParallelism: 128, subtasks }] },
    stateSize: 1,
    checkpointedSize: 1,
  };
}

const shared = (...files: string[]) => files.map((f) => `/c/J/shared/${f}`);

function plan(facts: Partial<RetentionFacts> & Pick<RetentionFacts, 'event'>): { retained: number[]; drop: number[]; deleteShared: string[]; defer: RetentionPlan['defer'] } {
  const p = planRetention({ retained: [], claimed: new Set(), numRetained: 1, pending: [], waiting: [], undeleted: [], ...facts });
  return { retained: p.retained.map((c) => c.checkpointId), drop: p.drop.map((c) => c.checkpointId), deleteShared: [...p.deleteShared].sort(), defer: p.defer };
}

describe('planRetention', () => {
  test('keeps the num-retained newest; drops the oldest with the shared files only it used', () => {
    const c1 = cp(1, ['B1']);
    const c2 = cp(2, ['B1', 'd2']);
    assert.deepEqual(plan({ retained: [c1], numRetained: 2, event: { kind: 'add', checkpoint: c2 } }), { retained: [1, 2], drop: [], deleteShared: [], defer: [] });
    assert.deepEqual(plan({ retained: [c1], event: { kind: 'add', checkpoint: c2 } }), { retained: [2], drop: [1], deleteShared: [], defer: [] }, 'B1 is still used by chk-2');
    const c3 = cp(3, ['B3']);
    assert.deepEqual(plan({ retained: [c2], event: { kind: 'add', checkpoint: c3 } }), { retained: [3], drop: [2], deleteShared: shared('B1', 'd2'), defer: [] });
  });

  test('files freed while checkpoints are in flight wait for them', () => {
    const p = plan({ retained: [cp(2, ['B1', 'd2'])], pending: [4, 5], event: { kind: 'add', checkpoint: cp(3, ['B3']) } });
    assert.deepEqual(p.deleteShared, []);
    assert.deepEqual(p.defer, [{ files: shared('B1', 'd2'), waitFor: [4, 5] }]);
  });

  test('settle: waiting files go once their checkpoints ended, unless a retained checkpoint uses them by then', () => {
    const waiting = [
      { files: shared('d2', 'B1'), waitFor: [4] },
      { files: shared('d3'), waitFor: [5] },
    ];
    const retained = [cp(4, ['B1', 'd4'])];
    const p = plan({ retained, waiting, pending: [5], event: { kind: 'settle' } });
    assert.deepEqual(p, { retained: [4], drop: [], deleteShared: shared('d2'), defer: [{ files: shared('d3'), waitFor: [5] }] });
  });

  test("savepoints are the user's: never retained, never dropped", () => {
    const c1 = cp(1, ['B1']);
    assert.deepEqual(plan({ retained: [c1], event: { kind: 'add', checkpoint: cp(2, [], 'SAVEPOINT', '/sp') } }), { retained: [1], drop: [], deleteShared: [], defer: [] });
  });

  test('a checkpoint completing after a newer one is dropped at once', () => {
    assert.deepEqual(plan({ retained: [cp(4, ['B1', 'd4'])], event: { kind: 'add', checkpoint: cp(3, ['B1', 'd3']) } }), {
      retained: [4],
      drop: [3],
      deleteShared: shared('d3'),
      defer: [],
    });
  });

  test('a claimed snapshot is deleted when subsumed, but its shared files belong to the job that wrote them', () => {
    const claimed = cp(7, ['B0', 'd7'], 'CHECKPOINT', '/c/OTHER');
    assert.deepEqual(plan({ retained: [], event: { kind: 'claim', checkpoint: claimed }, claimed: new Set([claimed]) }).retained, [7]);
    assert.deepEqual(plan({ retained: [claimed], claimed: new Set([claimed]), event: { kind: 'add', checkpoint: cp(8, ['B8']) } }), {
      retained: [8],
      drop: [7],
      deleteShared: [],
      defer: [],
    });
  });

  test('discardAll: every retained checkpoint and every shared file goes, whatever was in flight', () => {
    const p = plan({
      retained: [cp(3, ['B1', 'd3']), cp(4, ['B1', 'd4'])],
      numRetained: 2,
      pending: [5],
      waiting: [{ files: shared('d2'), waitFor: [5] }],
      event: { kind: 'discardAll' },
    });
    assert.deepEqual(p, { retained: [], drop: [3, 4], deleteShared: shared('B1', 'd2', 'd3', 'd4'), defer: [] });
  });

  test('checkpoints whose deletion failed are dropped again', () => {
    assert.deepEqual(plan({ retained: [cp(3)], undeleted: [cp(1), cp(2)], event: { kind: 'settle' } }).drop, [1, 2]);
  });
});
