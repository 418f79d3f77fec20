/**
 * The failure count on its own, on the sequences of Flink's CheckpointFailureManagerTest
 * (continuous failures, a success breaking them, failures of checkpoints older than the last
 * success ignored); the coordinator's tests cover which failures reach it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckpointFailureManager } from '../../src/checkpoint/checkpoint-failure-manager.js';

function manager(tolerable: number): { m: CheckpointFailureManager; failovers: string[] } {
  const failovers: string[] = [];
  return { m: new CheckpointFailureManager(tolerable, (reason) => failovers.push(reason)), failovers };
}

test('more failures in a row than tolerated ask for one failover, and the count starts over', () => {
  const { m, failovers } = manager(2);
  m.handleFailure(1, 'a');
  m.handleFailure(2, 'b');
  assert.equal(failovers.length, 0);
  m.handleFailure(3, 'expired');
  assert.deepEqual(failovers, ['Exceeded checkpoint tolerable failure threshold (2); last failure: expired']);
  m.handleFailure(4, 'd');
  m.handleFailure(5, 'e');
  assert.equal(failovers.length, 1);
  m.handleFailure(6, 'f');
  assert.equal(failovers.length, 2);
  assert.equal(m.failoversAsked, 2);
  assert.equal(m.failedAttempts, 6);
});

test('a success breaks a run of failures', () => {
  const { m, failovers } = manager(2);
  m.handleFailure(1, 'a');
  m.handleFailure(2, 'b');
  m.handleSuccess(3);
  m.handleFailure(4, 'c');
  m.handleFailure(5, 'd');
  assert.equal(failovers.length, 0);
  m.handleFailure(6, 'e');
  assert.equal(failovers.length, 1);
});

test('failures of checkpoints older than the last success are not counted', () => {
  const { m, failovers } = manager(0);
  m.handleSuccess(5);
  m.handleFailure(3, 'late');
  m.handleFailure(4, 'late');
  assert.equal(failovers.length, 0);
  assert.equal(m.failedAttempts, 0);
  m.handleFailure(6, 'now');
  assert.equal(failovers.length, 1);
});

test('an older success completing late leaves the failures after a newer one standing', () => {
  const { m, failovers } = manager(1);
  m.handleSuccess(5);
  m.handleFailure(6, 'a');
  m.handleSuccess(4);
  assert.equal(m.lastCompletedId, 5);
  m.handleFailure(7, 'b');
  assert.equal(failovers.length, 1);
});

test('an overtaken checkpoint is an attempt, not a failure', () => {
  const { m, failovers } = manager(0);
  m.handleOvertaken();
  assert.equal(failovers.length, 0);
  assert.equal(m.failedAttempts, 1);
  assert.equal(m.lastCompletedId, -1);
});
