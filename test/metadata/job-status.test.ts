import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
  ACTIVE_STATUSES,
  JOB_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  isGloballyTerminal,
  isJobStatus,
  isTerminal,
  type JobStatus,
} from '../../src/metadata/index.js';

const ALLOWED: Record<JobStatus, JobStatus[]> = {
  CREATED: ['RUNNING', 'CANCELLING', 'FAILING', 'FAILED', 'CANCELED'],
  RUNNING: ['FINISHED', 'CANCELLING', 'FAILING', 'RESTARTING', 'FAILED'],
  FAILING: ['FAILED', 'RESTARTING', 'CANCELLING'],
  RESTARTING: ['RUNNING', 'CANCELLING', 'FAILED', 'CANCELED'],
  CANCELLING: ['CANCELED', 'FAILED'],
  FINISHED: [],
  CANCELED: [],
  FAILED: [],
};

describe('job status transitions', () => {
  it('allow exactly the table', () => {
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) {
        assert.equal(canTransition(from, to), ALLOWED[from].includes(to), `${from} -> ${to}`);
      }
    }
  });

  it('never cancel a running job without CANCELLING', () => {
    assert.equal(canTransition('RUNNING', 'CANCELED'), false);
  });

  it('terminal statuses are FINISHED, CANCELED, FAILED', () => {
    assert.deepEqual([...TERMINAL_STATUSES].sort(), ['CANCELED', 'FAILED', 'FINISHED']);
    assert.deepEqual([...ACTIVE_STATUSES].sort(), ['CANCELLING', 'CREATED', 'FAILING', 'RESTARTING', 'RUNNING']);
    for (const s of JOB_STATUSES) assert.equal(isGloballyTerminal(s), isTerminal(s));
  });

  it('recognises statuses', () => {
    assert.ok(isJobStatus('RUNNING'));
    assert.ok(!isJobStatus('running'));
    assert.ok(!isJobStatus('toString'));
  });
});
