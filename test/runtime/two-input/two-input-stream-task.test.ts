/*
 * The two-input task (Flink's TwoInputStreamTask): barrier alignment across the channels of both
 * inputs in EXACTLY_ONCE and none in AT_LEAST_ONCE, the operator's watermark as the minimum of
 * both inputs' (each input's the minimum over its channels; idle inputs do not hold it back),
 * and end of input per side. The head records what reaches it, and the task's snapshots are
 * recorded in the same list, so each test reads the exact order of events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointBarrier, EndOfInput, LocalChannel, RecordBatch, Watermark, WatermarkStatus } from '../../../src/runtime/index.js';
import type { OperatorSnapshot } from '../../../src/runtime/checkpointing/operator-snapshot.js';
import type { SnapshotDriver, TaskSnapshot } from '../../../src/runtime/checkpointing/snapshot-driver.js';
import type { OperatorContext } from '../../../src/runtime/operators/stream-operator.js';
import { type InputIndex, TwoInputStreamOperator } from '../../../src/runtime/operators/two-input/two-input-stream-operator.js';
import { RecordContext } from '../../../src/runtime/record-context.js';
import { TwoInputStreamTask } from '../../../src/runtime/tasks/two-input-stream-task.js';
import { MAX_TIMESTAMP } from '../../../src/util/time.js';

const aligned = { isSavepoint: false, aligned: true };
const unaligned = { isSavepoint: false, aligned: false };
const BARRIER = '<barrier>';

class Recorder extends TwoInputStreamOperator {
  constructor(readonly events: string[]) {
    super({ node: { name: 'head', uid: 'head' } } as unknown as OperatorContext, undefined);
    this.output = {
      collect: () => {},
      emitWatermark: (t) => void events.push(`wm ${t === MAX_TIMESTAMP ? 'MAX' : t}`),
      emitWatermarkStatus: (idle) => void events.push(idle ? 'idle' : 'active'),
    };
  }
  processElement1(v: unknown): void {
    this.events.push(`1:${String(v)}`);
  }
  processElement2(v: unknown): void {
    this.events.push(`2:${String(v)}`);
  }
  override endInputOf(input: InputIndex): void {
    this.events.push(`end ${input}`);
  }
  override snapshotState(checkpointId: number): OperatorSnapshot {
    this.events.push(`snapshot ${checkpointId}`);
    return {} as OperatorSnapshot;
  }
}

/** A task with a channel per entry of `inputs` (the input it feeds): by default two on input 1 and one on input 2. */
function setup(inputs: readonly InputIndex[] = [1, 1, 2]) {
  const events: string[] = [];
  const head = new Recorder(events);
  const channels = inputs.map(() => new LocalChannel(100));
  const [a, b, c] = channels as [LocalChannel, LocalChannel, LocalChannel];
  const task = new TwoInputStreamTask(
    't',
    channels.map((channel, i) => ({ channel, input: inputs[i]! })),
    undefined,
    new RecordContext(),
    [head],
    [],
  );
  const driver = { submit: (_s: TaskSnapshot) => {} } as unknown as SnapshotDriver;
  const declines: number[] = [];
  const causes: Array<string | undefined> = [];
  const decline = (id: number, _task: number, _reason: string, cause?: string) => void (declines.push(id), causes.push(cause));
  task.checkpointing = { taskIndex: 0, driver, responder: { acknowledge: () => {}, decline }, inFlight: new Map() };
  const drain = () => {
    while (task.isRunnable()) task.step(0);
  };
  const records = (...vs: unknown[]) => new RecordBatch(vs, undefined, undefined);
  return { events, task, a, b, c, channels, drain, records, declines, causes };
}

describe('two-input task: barrier alignment across both inputs', () => {
  /**
   * Checkpoint 1 (`options`): its barrier first on a and on c, each followed by a record; b
   * holds `onB` in order, BARRIER standing for the barrier. Returns the operator's events and
   * where the snapshot stands among them.
   */
  function barrierRace(options: typeof aligned, ...onB: string[]) {
    const { events, a, b, c, drain, records } = setup();
    const b1 = new CheckpointBarrier(1, 0, options);
    a.push(b1);
    a.push(records('a-after'));
    c.push(b1);
    c.push(records('c-after'));
    for (const item of onB) b.push(item === BARRIER ? b1 : records(item));
    drain();
    const snap = events.indexOf('snapshot 1');
    assert.ok(snap > 0);
    return { events, snap };
  }

  test('EXACTLY_ONCE: channels that delivered the barrier wait until every channel of both inputs has; nothing after a barrier precedes the snapshot', () => {
    const { events, snap } = barrierRace(aligned, 'b-before', BARRIER, 'b-after');
    assert.ok(events.indexOf('1:b-before') < snap);
    for (const after of ['1:a-after', '2:c-after', '1:b-after']) assert.ok(events.indexOf(after) > snap, `${after} after the snapshot: ${events.join(', ')}`);
  });

  test('AT_LEAST_ONCE: nothing is blocked; records behind an early barrier may precede the snapshot', () => {
    const { events, snap } = barrierRace(unaligned, 'b-before', 'b-before-2', BARRIER);
    assert.ok(events.indexOf('1:a-after') < snap, events.join(', '));
    assert.ok(events.indexOf('2:c-after') < snap, events.join(', '));
  });

  test('an input that ends counts as having delivered the barrier', () => {
    const { events, a, b, c, drain } = setup();
    const b1 = new CheckpointBarrier(1, 0, aligned);
    a.push(b1);
    b.push(b1);
    c.push(EndOfInput.INSTANCE);
    drain();
    assert.ok(events.includes('snapshot 1'));
  });

  test('a newer barrier overtaking an aligned checkpoint declines it, as subsumed (not counted as a failed checkpoint)', () => {
    const { a, b, c, drain, declines, causes } = setup();
    a.push(new CheckpointBarrier(1, 0, aligned));
    c.push(new CheckpointBarrier(2, 0, aligned));
    b.push(new CheckpointBarrier(1, 0, aligned));
    drain();
    assert.deepEqual(declines, [1]);
    assert.deepEqual(causes, ['subsumed']);
  });
});

describe('two-input task: watermarks', () => {
  test("the operator's watermark is the minimum of both inputs', each the minimum over its channels, forwarded only when it advances", () => {
    const { events, a, b, c, drain } = setup();
    a.push(new Watermark(10));
    drain();
    c.push(new Watermark(20));
    drain();
    assert.deepEqual(events, [], 'input 1 has no watermark yet (channel b)');
    b.push(new Watermark(5));
    drain();
    assert.deepEqual(events, ['wm 5']);
    b.push(new Watermark(30));
    drain();
    assert.deepEqual(events, ['wm 5', 'wm 10'], 'input 1 is at 10 (a), input 2 at 20');
    a.push(new Watermark(40));
    drain();
    assert.deepEqual(events, ['wm 5', 'wm 10', 'wm 20'], 'input 1 at 30, input 2 holds at 20');
    c.push(new Watermark(25));
    drain();
    assert.deepEqual(events, ['wm 5', 'wm 10', 'wm 20', 'wm 25']);
  });

  test('an idle input does not hold the watermark back; the operator is idle only when both are', () => {
    const { events, a, b, c, drain } = setup();
    a.push(new Watermark(10));
    b.push(new Watermark(10));
    drain();
    assert.deepEqual(events, [], 'input 2 has no watermark');
    c.push(WatermarkStatus.IDLE);
    drain();
    assert.deepEqual(events, ['wm 10'], 'input 2 idle: input 1 alone counts');
    a.push(WatermarkStatus.IDLE);
    b.push(WatermarkStatus.IDLE);
    drain();
    assert.deepEqual(events, ['wm 10', 'idle']);
    c.push(WatermarkStatus.ACTIVE);
    drain();
    assert.deepEqual(events, ['wm 10', 'idle', 'active']);
  });

  // Flink's AbstractStreamOperator test of two inputs and idleness (processWatermark1 / processWatermarkStatus2).
  test('one input idle: the other alone moves the watermark; once active again (at none) it holds it back', () => {
    const { events, a, b, drain } = setup([1, 2]);
    a.push(new Watermark(1));
    drain();
    assert.deepEqual(events, [], 'input 2 has no watermark');
    b.push(WatermarkStatus.IDLE);
    drain();
    assert.deepEqual(events, ['wm 1']);
    a.push(new Watermark(3));
    drain();
    assert.deepEqual(events, ['wm 1', 'wm 3']);
    b.push(WatermarkStatus.ACTIVE);
    a.push(new Watermark(4));
    drain();
    assert.deepEqual(events, ['wm 1', 'wm 3'], 'input 2 is active again with no watermark');
  });

  // Flink's CombinedWatermarkStatus since FLINK-38454: all idle flushes the largest, as the valve does.
  test('both inputs idle: the largest watermark of either is processed first, then the operator is idle', () => {
    const { events, a, b, drain } = setup([1, 2]);
    a.push(new Watermark(10));
    b.push(new Watermark(20));
    drain();
    assert.deepEqual(events, ['wm 10']);
    b.push(WatermarkStatus.IDLE);
    drain();
    assert.deepEqual(events, ['wm 10'], 'input 1 alone: still 10');
    a.push(WatermarkStatus.IDLE);
    drain();
    assert.deepEqual(events, ['wm 10', 'wm 20', 'idle']);
    b.push(WatermarkStatus.ACTIVE);
    b.push(new Watermark(25));
    drain();
    assert.deepEqual(events, ['wm 10', 'wm 20', 'idle', 'active', 'wm 25']);
  });

  test("testWatermarkAndWatermarkStatusForwarding (Flink's TwoInputStreamTaskTest): two channels per input, idle channels and inputs", () => {
    const { events, channels, drain, records } = setup([1, 1, 2, 2]);
    /** Flink's processElement(event, input gate 0|1, channel 0|1), each processed before the next. */
    const send = (event: Watermark | WatermarkStatus | RecordBatch, gate: 0 | 1, channel: 0 | 1) => {
      channels[gate * 2 + channel]!.push(event);
      drain();
    };
    const expected: string[] = [];
    send(new Watermark(0), 0, 0);
    send(new Watermark(0), 0, 1);
    send(new Watermark(0), 1, 0);
    assert.deepEqual(events, expected, 'not every channel has a watermark yet');
    send(new Watermark(0), 1, 1);
    expected.push('wm 0');
    assert.deepEqual(events, expected);
    // Records are not held back by watermarks.
    send(records('Hello'), 0, 0);
    send(records(42), 1, 1);
    expected.push('1:Hello', '2:42');
    assert.deepEqual(events, expected);
    send(new Watermark(4), 0, 0);
    send(new Watermark(3), 0, 1);
    send(new Watermark(3), 1, 0);
    send(new Watermark(2), 1, 1);
    expected.push('wm 2');
    assert.deepEqual(events, expected, 'the minimum of all channels');
    send(new Watermark(4), 1, 1);
    expected.push('wm 3');
    assert.deepEqual(events, expected);
    send(new Watermark(4), 0, 1);
    send(new Watermark(4), 1, 0);
    expected.push('wm 4');
    assert.deepEqual(events, expected);
    // Idle channels are left out of their input's minimum.
    send(WatermarkStatus.IDLE, 0, 1);
    send(WatermarkStatus.IDLE, 1, 0);
    send(new Watermark(6), 0, 0);
    send(new Watermark(5), 1, 1);
    send(WatermarkStatus.IDLE, 1, 1);
    expected.push('wm 5', 'wm 6');
    assert.deepEqual(events, expected, 'input 2 all idle: input 1 alone counts');
    send(WatermarkStatus.IDLE, 0, 0);
    expected.push('idle');
    assert.deepEqual(events, expected, 'every channel idle: the operator is idle');
    send(WatermarkStatus.ACTIVE, 1, 0);
    send(WatermarkStatus.ACTIVE, 0, 1);
    expected.push('active');
    assert.deepEqual(events, expected, 'active again, forwarded once');
  });
});

describe('two-input task: end of input per side', () => {
  test('each input ends on its own; the other goes on; the task finishes when both have ended', () => {
    const { events, task, a, b, c, drain, records } = setup();
    a.push(new Watermark(MAX_TIMESTAMP));
    a.push(EndOfInput.INSTANCE);
    drain();
    assert.deepEqual(events, []);
    b.push(new Watermark(MAX_TIMESTAMP));
    b.push(EndOfInput.INSTANCE);
    drain();
    assert.deepEqual(events, ['end 1'], 'input 1 ended; the watermark is held by input 2');
    c.push(records('late-but-fine'));
    c.push(new Watermark(7));
    drain();
    assert.equal(task.finished, false);
    c.push(new Watermark(MAX_TIMESTAMP));
    c.push(EndOfInput.INSTANCE);
    drain();
    assert.deepEqual(events, ['end 1', '2:late-but-fine', 'wm 7', 'wm MAX', 'end 2']);
    assert.equal(task.finished, true);
  });
});
