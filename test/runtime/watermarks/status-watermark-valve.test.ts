/*
 * The valve's behaviour, case by case as Flink's StatusWatermarkValveTest checks it: each step
 * feeds one watermark (`w`), status (`idle`/`active`) or end of input (`end`) into a channel and
 * lists everything the valve emits for it, in order — nothing else may come out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StatusWatermarkValve, type ValveEmission } from '../../../src/runtime/watermarks/status-watermark-valve.js';
import { MAX_TIMESTAMP } from '../../../src/util/time.js';

type Input = ['w', number, number] | ['idle' | 'active' | 'end', number];
/** A number is an emitted watermark; 'IDLE' / 'ACTIVE' an emitted status. */
type Out = number | 'IDLE' | 'ACTIVE';
type Step = [Input, Out[], { aligned?: [number, boolean]; watermark?: [number, number] }?];

function feed(valve: StatusWatermarkValve, input: Input): readonly ValveEmission[] {
  switch (input[0]) {
    case 'w':
      return valve.inputWatermark(input[1], input[2]);
    case 'idle':
      return valve.inputWatermarkStatus(input[1], true);
    case 'active':
      return valve.inputWatermarkStatus(input[1], false);
    case 'end':
      return valve.inputEndOfInput(input[1]);
  }
}

function show(e: ValveEmission): Out {
  return e.kind === 'watermark' ? e.timestamp : e.idle ? 'IDLE' : 'ACTIVE';
}

const cases: Record<string, { channels: number; steps: Step[] }> = {
  'a single input: increasing watermarks advance the output': {
    channels: 1,
    steps: [[['w', 0, 0], [0]], [['w', 0, 25], [25]]],
  },
  'a single input: a decreasing watermark yields nothing': {
    channels: 1,
    steps: [[['w', 0, 25], [25]], [['w', 0, 18], []], [['w', 0, 42], [42]]],
  },
  'a single input: status toggles are forwarded once; channels start active': {
    channels: 1,
    steps: [[['active', 0], []], [['idle', 0], ['IDLE']], [['idle', 0], []], [['active', 0], ['ACTIVE']]],
  },
  "a single input: an idle channel's watermark stays as it was": {
    channels: 1,
    steps: [
      [['w', 0, 25], [25]],
      [['idle', 0], ['IDLE']],
      [['w', 0, 50], [], { watermark: [0, 25] }],
      [['active', 0], ['ACTIVE']],
      [['w', 0, 50], [50]],
    ],
  },
  'several inputs: nothing until every channel has a watermark': {
    channels: 3,
    steps: [[['w', 0, 0], []], [['w', 1, 0], []], [['w', 2, 0], [0]]],
  },
  'several inputs: the new minimum is emitted as soon as it advances': {
    channels: 3,
    steps: [
      [['w', 0, 0], []],
      [['w', 1, 0], []],
      [['w', 2, 0], [0]],
      [['w', 0, 12], []],
      [['w', 2, 8], []],
      [['w', 2, 10], []],
      [['w', 1, 15], [10]],
      [['w', 2, 17], [12]],
      [['w', 0, 20], [15]],
    ],
  },
  'several inputs: decreasing watermarks yield nothing': {
    channels: 3,
    steps: [
      [['w', 0, 25], []],
      [['w', 1, 10], []],
      [['w', 2, 17], [10]],
      [['w', 0, 12], []],
      [['w', 1, 8], []],
      [['w', 2, 15], []],
    ],
  },
  'several inputs: IDLE only when all are idle, ACTIVE when the first is back': {
    channels: 2,
    steps: [
      [['active', 0], []],
      [['active', 1], []],
      [['idle', 1], []],
      [['idle', 0], ['IDLE']],
      [['idle', 0], []],
      [['idle', 1], []],
      [['active', 1], ['ACTIVE']],
      [['active', 0], []],
    ],
  },
  'several inputs: the minimum advances over the channels that are not idle': {
    channels: 3,
    steps: [
      [['w', 0, 15], []],
      [['w', 1, 10], []],
      [['idle', 2], [10]],
      [['w', 1, 18], [15]],
      [['w', 0, 20], [18]],
    ],
  },
  'several inputs: channels going idle one by one each release the minimum': {
    channels: 3,
    steps: [
      [['w', 0, 25], []],
      [['w', 1, 10], []],
      [['w', 2, 17], [10]],
      [['idle', 1], [17]],
      [['idle', 2], [25]],
    ],
  },
  'several inputs: when all go idle, the largest watermark is flushed, then IDLE': {
    channels: 3,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 5], []],
      [['w', 2, 3], [3]],
      [['idle', 0], []],
      [['idle', 1], []],
      [['idle', 2], [10, 'IDLE']],
    ],
  },
  // Flink flushes the maximum only when the last channel to go idle held the output.
  'no flush when the last channel to go idle is behind the output (unaligned)': {
    channels: 3,
    steps: [
      [['w', 0, 100], []],
      [['w', 1, 50], []],
      [['w', 2, 70], [50]],
      [['idle', 1], [70]],
      [['active', 1], [], { aligned: [1, false] }],
      [['w', 1, 60], [], { watermark: [1, 60], aligned: [1, false] }],
      [['idle', 0], []],
      [['idle', 2], []],
      [['idle', 1], ['IDLE']],
    ],
  },
  'a channel back from idleness counts again only once it caught up': {
    channels: 3,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 7], []],
      [['w', 2, 3], [3]],
      [['idle', 2], [7]],
      [['active', 2], [], { aligned: [2, false] }],
      [['w', 2, 5], [], { watermark: [2, 5] }],
      [['w', 2, 9], [], { aligned: [2, true] }],
      [['w', 1, 12], [9]],
    ],
  },
  'no output while every active channel is unaligned': {
    channels: 3,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 7], []],
      [['idle', 2], [7]],
      [['active', 2], []],
      [['idle', 0], []],
      [['idle', 1], []],
    ],
  },
  'an unaligned active channel that goes idle again changes nothing': {
    channels: 2,
    steps: [
      [['w', 0, 7], []],
      [['w', 1, 10], [7]],
      [['idle', 0], [10]],
      [['active', 0], []],
      [['w', 0, 9], []],
      [['idle', 0], []],
    ],
  },
  // Coming back emits nothing (Flink's inputWatermarkStatus looks for no new minimum there).
  'a channel that comes back aligned while no other is counts from its next watermark': {
    channels: 3,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 7], []],
      [['idle', 2], [7]],
      [['active', 2], []],
      [['idle', 0], []],
      [['idle', 1], []],
      [['active', 0], [], { aligned: [0, true] }],
      [['idle', 2], []],
      [['w', 0, 11], [11]],
    ],
  },
  'a channel realigned above the output moves it with its next watermark; the later flush does not repeat it': {
    channels: 3,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 20], []],
      [['w', 2, 30], [10]],
      [['idle', 2], []],
      [['idle', 0], [20]],
      [['active', 0], [], { aligned: [0, false] }],
      [['idle', 1], []],
      [['active', 2], [], { aligned: [2, true] }],
      [['w', 2, 31], [31]],
      [['idle', 0], []],
      [['idle', 2], ['IDLE']],
    ],
  },
  'idle, active again, idle again: the flush emits only what advances the output': {
    channels: 2,
    steps: [
      [['w', 0, 10], []],
      [['w', 1, 20], [10]],
      [['idle', 1], []],
      [['idle', 0], [20, 'IDLE']],
      [['active', 1], ['ACTIVE']],
      [['w', 1, 25], [25]],
      [['idle', 1], ['IDLE']],
    ],
  },
  // Beyond Flink's table: end of input, which sources precede with the maximum watermark.
  'a channel that ended after the maximum watermark changes nothing more': {
    channels: 2,
    steps: [
      [['w', 0, MAX_TIMESTAMP], []],
      [['end', 0], []],
      [['w', 1, 5], [5]],
      [['w', 1, MAX_TIMESTAMP], [MAX_TIMESTAMP]],
    ],
  },
  'a channel that ended without it, while holding the minimum back, releases it at once': {
    channels: 2,
    steps: [
      [['w', 0, 3], []],
      [['w', 1, 8], [3]],
      [['end', 0], [8]],
      [['w', 1, 12], [12]],
    ],
  },
  'the last channel ending without it: the output reaches the maximum watermark': {
    channels: 1,
    steps: [
      [['w', 0, 5], [5]],
      [['end', 0], [MAX_TIMESTAMP]],
      [['end', 0], []],
    ],
  },
  'a channel that ended without it no longer holds the minimum back, even if it was idle': {
    channels: 2,
    steps: [
      [['w', 0, 3], []],
      [['w', 1, 8], [3]],
      [['idle', 0], [8]],
      [['end', 0], []],
      [['w', 1, 12], [12]],
    ],
  },
};

describe('StatusWatermarkValve (cases of Flink’s StatusWatermarkValveTest)', () => {
  for (const [name, { channels, steps }] of Object.entries(cases)) {
    test(name, () => {
      const valve = new StatusWatermarkValve(channels);
      steps.forEach(([input, expected, checks], i) => {
        assert.deepEqual(feed(valve, input).map(show), expected, `step ${i + 1}: ${JSON.stringify(input)}`);
        if (checks?.aligned) assert.equal(valve.channel(checks.aligned[0]).aligned, checks.aligned[1], `step ${i + 1}: aligned`);
        if (checks?.watermark) assert.equal(valve.channel(checks.watermark[0]).watermark, checks.watermark[1], `step ${i + 1}: channel watermark`);
      });
    });
  }
});
