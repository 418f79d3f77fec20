/*
 * Barrier alignment at the task, not only in the aligner: a OneInputStreamTask with two input
 * channels, stepped by hand, must not hand its operators a record that arrived on a channel
 * after that channel's barrier n until the snapshot of n is taken (EXACTLY_ONCE) — else the
 * snapshot holds a record its source will replay after a restore. The head operator records
 * what it has seen and what it had seen at each snapshot's cut. No clock, no threads, no timing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointBarrier, type CheckpointResponder, EndOfInput, LocalChannel, RecordBatch } from '../../src/runtime/index.js';
import type { OperatorSnapshot } from '../../src/runtime/checkpointing/operator-snapshot.js';
import type { SnapshotDriver, TaskSnapshot } from '../../src/runtime/checkpointing/snapshot-driver.js';
import { type OperatorContext, StreamOperator } from '../../src/runtime/operators/stream-operator.js';
import { RecordContext } from '../../src/runtime/record-context.js';
import { OneInputStreamTask } from '../../src/runtime/tasks/one-input-stream-task.js';

const ALIGNED = { isSavepoint: false, aligned: true };
const UNALIGNED = { isSavepoint: false, aligned: false };

/** A head operator that remembers every record and, per checkpoint, what it had seen at the cut. */
class Recorder extends StreamOperator<string> {
  readonly seen: string[] = [];
  readonly cuts = new Map<number, string[]>();

  constructor() {
    super({} as OperatorContext);
  }

  collect(value: string): void {
    this.seen.push(value);
  }

  override snapshotState(checkpointId: number): OperatorSnapshot {
    this.cuts.set(checkpointId, [...this.seen].sort());
    return { empty: true } as OperatorSnapshot;
  }
}

/** A task over two channels whose head is a {@link Recorder}. */
function twoChannelTask() {
  const channels = [new LocalChannel(100), new LocalChannel(100)];
  const head = new Recorder();
  const task = new OneInputStreamTask('aligned', channels, undefined, new RecordContext(), [head], []);
  const snapshots: number[] = [];
  const driver = { submit: (s: TaskSnapshot) => snapshots.push(s.checkpointId) } as unknown as SnapshotDriver;
  const responder: CheckpointResponder = { acknowledge: () => {}, decline: (id) => assert.fail(`checkpoint ${id} declined`) };
  task.checkpointing = { taskIndex: 0, driver, responder, inFlight: new Map() };
  /** Steps while the task says it can make progress (at most 1000 steps: a task that claims work it does not do is a failure). */
  const drain = () => {
    for (let steps = 0; task.isRunnable(); steps++) {
      assert.ok(steps < 1000, 'the task keeps claiming to be runnable without making progress');
      task.step(0);
    }
  };
  const push = (channel: number, ...events: Array<string[] | CheckpointBarrier | EndOfInput>) => {
    for (const e of events) channels[channel]!.push(Array.isArray(e) ? new RecordBatch(e, undefined, undefined) : e);
  };
  return { task, head, snapshots, drain, push };
}

describe('a task with two inputs aligns barriers', () => {
  test('EXACTLY_ONCE: records behind a channel’s barrier wait until the snapshot; none is in it, none is lost', () => {
    const { head, snapshots, drain, push } = twoChannelTask();
    const b1 = new CheckpointBarrier(1, 1000, ALIGNED);
    push(0, ['a1', 'a2'], b1, ['a3'], ['a4']);
    push(1, ['b1'], ['b2'], ['b3'], b1, ['b4']);
    drain();
    assert.deepEqual(snapshots, [1]);
    assert.deepEqual(head.cuts.get(1), ['a1', 'a2', 'b1', 'b2', 'b3'], 'the snapshot holds exactly the records before the barriers');
    assert.deepEqual([...head.seen].sort(), ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4'], 'every record processed once');
    const afterCut = head.seen.slice(5);
    assert.deepEqual([...afterCut].sort(), ['a3', 'a4', 'b4']);
  });

  test('EXACTLY_ONCE: a blocked channel with records is not runnable while the other has nothing yet', () => {
    const { task, head, snapshots, drain, push } = twoChannelTask();
    const b1 = new CheckpointBarrier(1, 1000, ALIGNED);
    push(0, ['a1'], b1, ['a2']);
    drain();
    assert.deepEqual(head.seen, ['a1']);
    assert.deepEqual(snapshots, []);
    assert.equal(task.isRunnable(), false, 'a2 waits for the other channel’s barrier');

    push(1, ['b1'], b1);
    drain();
    assert.deepEqual(snapshots, [1]);
    assert.deepEqual(head.cuts.get(1), ['a1', 'b1']);
    assert.deepEqual(head.seen, ['a1', 'b1', 'a2'], 'a2 flows once the snapshot is taken');
  });

  test('EXACTLY_ONCE: the other input ending releases the blocked one after the snapshot', () => {
    const { task, head, snapshots, drain, push } = twoChannelTask();
    const b1 = new CheckpointBarrier(1, 1000, ALIGNED);
    push(0, b1, ['a1']);
    push(1, ['b1']);
    drain();
    assert.deepEqual(head.seen, ['b1']);
    push(1, EndOfInput.INSTANCE);
    push(0, EndOfInput.INSTANCE);
    drain();
    assert.deepEqual(snapshots, [1]);
    assert.deepEqual(head.cuts.get(1), ['b1']);
    assert.deepEqual(head.seen, ['b1', 'a1']);
    assert.equal(task.finished, true);
  });

  test('AT_LEAST_ONCE: nothing is held back, so records behind the first barrier are in the snapshot (and replayed)', () => {
    const { head, snapshots, drain, push } = twoChannelTask();
    const b1 = new CheckpointBarrier(1, 1000, UNALIGNED);
    push(0, ['a1'], b1, ['a2']);
    push(1, ['b1'], ['b2'], b1);
    drain();
    assert.deepEqual(snapshots, [1]);
    assert.deepEqual(head.cuts.get(1), ['a1', 'a2', 'b1', 'b2']);
  });
});
