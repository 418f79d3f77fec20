/*
 * The job status machine, by what it must allow and refuse (Flink's JobStatus lifecycle), not
 * by a copy of its table.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  ACTIVE_STATUSES,
  JOB_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  decideStatusChange,
  isJobStatus,
  isTerminal,
  type JobStatus,
} from '../../src/metadata/index.js';

/** True if every step of `path` is allowed. */
function walks(path: readonly JobStatus[]): boolean {
  return path.every((s, i) => i === 0 || canTransition(path[i - 1]!, s));
}

describe('job status transitions', () => {
  it("allow Flink's lifecycles: finish, restart, cancel, fail", () => {
    assert.ok(walks(['CREATED', 'RUNNING', 'FINISHED']));
    assert.ok(walks(['CREATED', 'RUNNING', 'RESTARTING', 'RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED']));
    assert.ok(walks(['CREATED', 'RUNNING', 'CANCELLING', 'CANCELED']));
    assert.ok(walks(['CREATED', 'RUNNING', 'FAILING', 'FAILED']));
    assert.ok(walks(['CREATED', 'RUNNING', 'RESTARTING', 'CANCELLING', 'CANCELED']), 'a cancel during a restart delay');
    assert.ok(walks(['CREATED', 'FAILED']), 'a job that fails before it starts');
  });

  it('never finish or cancel a running job without the step between', () => {
    assert.equal(canTransition('RUNNING', 'CANCELED'), false);
    assert.equal(canTransition('RESTARTING', 'FINISHED'), false, 'a restarting job has not finished its input');
    assert.equal(canTransition('CANCELLING', 'RUNNING'), false, 'a cancel is not undone');
  });

  it('a terminal status is final, and no status moves to itself', () => {
    for (const from of JOB_STATUSES) {
      assert.equal(canTransition(from, from), false, `${from} -> ${from}`);
      if (isTerminal(from)) for (const to of JOB_STATUSES) assert.equal(canTransition(from, to), false, `${from} -> ${to}`);
    }
  });

  it('every active job can fail (e.g. its process is lost) and be ended by a cancel', () => {
    for (const s of ACTIVE_STATUSES) {
      assert.ok(canTransition(s, 'FAILED'), `${s} -> FAILED`);
      assert.ok(s === 'CANCELLING' ? canTransition(s, 'CANCELED') : walks([s, 'CANCELLING', 'CANCELED']), `${s} can be cancelled`);
    }
  });

  it('terminal statuses are FINISHED, CANCELED, FAILED; the others are active', () => {
    assert.deepEqual([...TERMINAL_STATUSES].sort(), ['CANCELED', 'FAILED', 'FINISHED']);
    assert.deepEqual([...ACTIVE_STATUSES].sort(), ['CANCELLING', 'CREATED', 'FAILING', 'RESTARTING', 'RUNNING']);
  });

  it('recognises statuses', () => {
    assert.ok(isJobStatus('RUNNING'));
    assert.ok(!isJobStatus('running'));
    assert.ok(!isJobStatus('toString'));
  });
});

describe('decideStatusChange (the compare-and-set)', () => {
  it('moves when the table allows it and the epoch is the caller’s (or none is given)', () => {
    assert.equal(decideStatusChange({ status: 'RUNNING', epoch: 2 }, 'FINISHED', 2), 'move');
    assert.equal(decideStatusChange({ status: 'RUNNING', epoch: 2 }, 'FINISHED', undefined), 'move');
  });

  it('refuses a move the table does not allow', () => {
    assert.equal(decideStatusChange({ status: 'FAILED', epoch: 2 }, 'CANCELLING', 2), 'refused');
  });

  it('says fenced, first, when the job has moved to another epoch', () => {
    assert.equal(decideStatusChange({ status: 'FAILED', epoch: 3 }, 'FINISHED', 2), 'fenced');
    assert.equal(decideStatusChange({ status: 'RUNNING', epoch: 3 }, 'FINISHED', 2), 'fenced');
  });
});
