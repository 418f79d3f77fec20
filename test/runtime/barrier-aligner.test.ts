import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointBarrier } from '../../src/runtime/channel-events.js';
import { BarrierAligner } from '../../src/runtime/checkpointing/barrier-aligner.js';

const aligned = { isSavepoint: false, aligned: true };
const unaligned = { isSavepoint: false, aligned: false };

function barrier(id: number, options = aligned): CheckpointBarrier {
  return new CheckpointBarrier(id, 1000 * id, options);
}

/** An aligner over `n` channels with a clock the test sets. */
function aligner(n: number) {
  const time = { now: 100 };
  return { a: new BarrierAligner(n, () => time.now), time };
}

function blocked(a: BarrierAligner, n: number): boolean[] {
  return Array.from({ length: n }, (_, i) => a.isBlocked(i));
}

describe('BarrierAligner', () => {
  test('aligned: a channel that delivered barrier n is blocked until every channel has; then checkpoint', () => {
    const { a, time } = aligner(3);
    const b = barrier(1);
    assert.deepEqual(blocked(a, 3), [false, false, false]);
    assert.deepEqual(a.onBarrier(1, b), { kind: 'none' });
    assert.deepEqual(blocked(a, 3), [false, true, false]);
    time.now = 130;
    assert.deepEqual(a.onBarrier(0, b), { kind: 'none' });
    assert.deepEqual(blocked(a, 3), [true, true, false]);
    time.now = 142.5;
    const action = a.onBarrier(2, b);
    assert.deepEqual(action, { kind: 'checkpoint', barrier: b, alignmentMs: 42.5 });
    assert.equal(action.kind === 'checkpoint' && action.barrier, b, 'the barrier object is passed on');
    assert.deepEqual(blocked(a, 3), [false, false, false], 'alignment done: every channel flows again');
  });

  test('alignment time runs from the first barrier of that checkpoint', () => {
    const { a, time } = aligner(2);
    time.now = 1000;
    a.onBarrier(0, barrier(5));
    time.now = 1003;
    assert.deepEqual(a.onBarrier(1, barrier(5)), { kind: 'checkpoint', barrier: barrier(5), alignmentMs: 3 });
    // The next checkpoint measures its own alignment.
    time.now = 2000;
    a.onBarrier(1, barrier(6));
    time.now = 2000;
    assert.deepEqual(a.onBarrier(0, barrier(6)), { kind: 'checkpoint', barrier: barrier(6), alignmentMs: 0 });
  });

  test('a single input channel checkpoints at once, without blocking', () => {
    const { a } = aligner(1);
    assert.deepEqual(a.onBarrier(0, barrier(1)), { kind: 'checkpoint', barrier: barrier(1), alignmentMs: 0 });
    assert.equal(a.isBlocked(0), false);
  });

  test('unaligned (AT_LEAST_ONCE): nothing is ever blocked; checkpoint when the last barrier arrives', () => {
    const { a, time } = aligner(3);
    const b = barrier(1, unaligned);
    assert.deepEqual(a.onBarrier(2, b), { kind: 'none' });
    assert.deepEqual(blocked(a, 3), [false, false, false]);
    assert.deepEqual(a.onBarrier(0, b), { kind: 'none' });
    assert.deepEqual(blocked(a, 3), [false, false, false]);
    time.now = 150;
    assert.deepEqual(a.onBarrier(1, b), { kind: 'checkpoint', barrier: b, alignmentMs: 50 });
    assert.deepEqual(blocked(a, 3), [false, false, false]);
  });

  test('unaligned: a newer barrier does not abort an older one; both complete', () => {
    const { a } = aligner(2);
    assert.deepEqual(a.onBarrier(0, barrier(1, unaligned)), { kind: 'none' });
    assert.deepEqual(a.onBarrier(0, barrier(2, unaligned)), { kind: 'none' });
    assert.equal(a.onBarrier(1, barrier(1, unaligned)).kind, 'checkpoint');
    assert.equal(a.onBarrier(1, barrier(2, unaligned)).kind, 'checkpoint');
  });

  test('an ended channel counts as having delivered the barrier', () => {
    const { a } = aligner(3);
    assert.deepEqual(a.onEndOfInput(2), []);
    assert.deepEqual(a.onBarrier(0, barrier(1)), { kind: 'none' });
    assert.deepEqual(a.onBarrier(1, barrier(1)), { kind: 'checkpoint', barrier: barrier(1), alignmentMs: 0 });
  });

  test('END arriving mid-alignment completes it and unblocks', () => {
    const { a, time } = aligner(3);
    a.onBarrier(0, barrier(1));
    a.onBarrier(1, barrier(1));
    assert.deepEqual(blocked(a, 3), [true, true, false]);
    time.now = 120;
    assert.deepEqual(a.onEndOfInput(2), [{ kind: 'checkpoint', barrier: barrier(1), alignmentMs: 20 }]);
    assert.deepEqual(blocked(a, 3), [false, false, false]);
  });

  test('END of a channel that is still being waited for by others does not complete early', () => {
    const { a } = aligner(3);
    a.onBarrier(0, barrier(1));
    assert.deepEqual(a.onEndOfInput(1), []);
    assert.deepEqual(blocked(a, 3), [true, false, false]);
    assert.equal(a.onBarrier(2, barrier(1)).kind, 'checkpoint');
  });

  test('END of a channel that had delivered the barrier (blocked) unblocks it and keeps counting', () => {
    const { a } = aligner(2);
    a.onBarrier(0, barrier(1));
    assert.deepEqual(a.onEndOfInput(0), []);
    assert.equal(a.isBlocked(0), false);
    assert.equal(a.onBarrier(1, barrier(1)).kind, 'checkpoint');
  });

  test('a newer barrier overtaking an aligned one yields abort for the older and releases its channels', () => {
    const { a } = aligner(2);
    a.onBarrier(0, barrier(1));
    assert.equal(a.isBlocked(0), true);
    const action = a.onBarrier(1, barrier(2));
    assert.equal(action.kind, 'abort');
    assert.equal(action.kind === 'abort' && action.checkpointId, 1);
    assert.match(action.kind === 'abort' ? action.reason : '', /barrier 2 overtook the alignment of checkpoint 1/);
    assert.equal(a.isBlocked(0), false, 'the aborted alignment releases its channel');
  });

  test('after an overtake, checkpoint 2 completes when both channels have delivered barrier 2', () => {
    // Channel 1 sent barrier 2 while checkpoint 1 was aligning (it overtook: an upstream task
    // had dropped barrier 1); channels are FIFO, so channel 1 never sends barrier 2 again.
    // Channel 0 then sends barrier 2: both channels have delivered it, so checkpoint 2 must
    // complete here, and channel 0 must not stay blocked waiting for channel 1.
    const { a } = aligner(2);
    a.onBarrier(0, barrier(1));
    assert.equal(a.onBarrier(1, barrier(2)).kind, 'abort');
    const done = a.onBarrier(0, barrier(2));
    assert.equal(done.kind, 'checkpoint', 'channel 1 delivered barrier 2 when it overtook; channel 0 now did too');
    assert.equal(done.kind === 'checkpoint' && done.barrier.checkpointId, 2);
    assert.equal(a.isBlocked(0), false);
  });
});
