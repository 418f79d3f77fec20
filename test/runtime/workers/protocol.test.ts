/**
 * What crosses from a worker to the main thread as data keeps what the JobMaster decides on: a
 * failure no restart can fix stays recognisable as one (so the job fails at once instead of
 * restarting), a cancellation stays a cancellation, a FlinkError keeps its code and message.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unrecoverableCause } from '../../../src/cluster/failure-classification.js';
import { deserializeError, serializeError } from '../../../src/runtime/workers/index.js';
import { FlinkError, JobCancelledError, JobFileError, SinkTargetError, SnapshotRestoreError, StateMigrationError, UserCodeError } from '../../../src/util/errors.js';

const roundTrip = (err: unknown) => deserializeError(structuredClone(serializeError(err)));

describe('errors between threads', () => {
  test('restored state that does not fit stays unrecoverable, also wrapped in the operator error', () => {
    const wrapped = new UserCodeError('KeyedProcess', new StateMigrationError("state 'n' changed kind"), 'count');
    const back = roundTrip(wrapped);
    assert.ok(unrecoverableCause(back), 'unrecoverable after the trip');
    assert.equal(back.message, wrapped.message);
    assert.equal((back as FlinkError).code, 'job.userCodeFailed');
    assert.ok(unrecoverableCause(roundTrip(new SnapshotRestoreError('damaged'))));
    const misfit = roundTrip(new UserCodeError('Sink: JdbcSink', new SinkTargetError('connector.jdbc.tableMissing', 'JdbcSink: table "t" does not exist')));
    assert.ok(unrecoverableCause(misfit), "a sink's target that does not fit stays unrecoverable");
  });

  test('a job file a worker cannot run is unrecoverable; a plain user error is not', () => {
    assert.ok(unrecoverableCause(roundTrip(new JobFileError('job.graphMismatch', 'different graph'))));
    const plain = roundTrip(new Error('flaky failure at input 9999'));
    assert.equal(unrecoverableCause(plain), undefined);
    assert.equal(plain.message, 'flaky failure at input 9999');
  });

  test('a cancellation stays a JobCancelledError', () => {
    assert.ok(roundTrip(new JobCancelledError()) instanceof JobCancelledError);
  });
});
