import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decideTrigger, type TriggerFacts } from '../../src/checkpoint/trigger-decision.js';

const base: TriggerFacts = { now: 10_000, pendingCount: 0, lastCompletionAt: -Infinity, minPause: 0, maxConcurrent: 1 };

describe('decideTrigger', () => {
  test('nothing pending and no previous checkpoint: trigger', () => {
    assert.deepEqual(decideTrigger(base), { action: 'trigger' });
    assert.deepEqual(decideTrigger({ ...base, minPause: 5_000 }), { action: 'trigger' });
  });

  test('max-concurrent reached: skip, whatever the pause', () => {
    assert.deepEqual(decideTrigger({ ...base, pendingCount: 1 }), { action: 'skip', reason: 'max-concurrent' });
    assert.deepEqual(decideTrigger({ ...base, pendingCount: 3, maxConcurrent: 2, lastCompletionAt: 9_999, minPause: 1_000 }), {
      action: 'skip',
      reason: 'max-concurrent',
    });
    assert.deepEqual(decideTrigger({ ...base, pendingCount: 1, maxConcurrent: 2 }), { action: 'trigger' });
  });

  test('min-pause: wait until lastCompletion + minPause, then trigger', () => {
    const f = { ...base, lastCompletionAt: 9_000, minPause: 2_000 };
    assert.deepEqual(decideTrigger(f), { action: 'wait', until: 11_000, reason: 'min-pause' });
    assert.deepEqual(decideTrigger({ ...f, now: 10_999 }), { action: 'wait', until: 11_000, reason: 'min-pause' });
    // The boundary is inclusive: exactly minPause after the last completion is allowed.
    assert.deepEqual(decideTrigger({ ...f, now: 11_000 }), { action: 'trigger' });
    assert.deepEqual(decideTrigger({ ...f, now: 20_000 }), { action: 'trigger' });
  });

  test('min-pause 0 never waits, even right after a completion', () => {
    assert.deepEqual(decideTrigger({ ...base, lastCompletionAt: base.now }), { action: 'trigger' });
  });
});
