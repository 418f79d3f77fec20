import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveStatusLine, formatStatusLine, jobWatermark } from '../../src/cli/status-line.js';
import type { JobMetricsSnapshot, MetricSample, TaskMetrics } from '../../src/metadata/index.js';

const task = (over: Partial<TaskMetrics>): TaskMetrics => ({
  vertexId: 'v',
  subtask: 0,
  attempt: 0,
  source: false,
  numRecordsIn: 0,
  numRecordsOut: 0,
  numRecordsInPerSecond: 0,
  numRecordsOutPerSecond: 0,
  isBackPressured: false,
  backPressuredTimeMsPerSecond: 0,
  operators: [],
  ...over,
});

function snap(job: Partial<JobMetricsSnapshot['job']>, tasks: TaskMetrics[] = []): JobMetricsSnapshot {
  return {
    time: 0,
    job: { uptime: 0, numRestarts: 0, totalNumberOfCheckpoints: 0, numberOfInProgressCheckpoints: 0, numberOfCompletedCheckpoints: 0, numberOfFailedCheckpoints: 0, ...job },
    tasks,
  };
}
const sample = (inRate: number, outRate: number): MetricSample => ({ time: 0, recordsInPerSecond: inRate, recordsOutPerSecond: outRate, vertices: {} });

test('the line: rates in and out, the watermark, the last checkpoint', () => {
  assert.equal(
    formatStatusLine(snap({ lastCheckpointId: 7, lastCheckpointSize: 1536, lastCheckpointDuration: 84.6 }), sample(2000.4, 1999.6)),
    '2000 rec/s in · 2000 rec/s out · watermark none · checkpoint 7: 1.5 KiB in 85 ms',
  );
  assert.equal(formatStatusLine(snap({}), sample(12_345, 4_510_000)), '12.3k rec/s in · 4.51M rec/s out · watermark none · no checkpoint yet');
  assert.match(formatStatusLine(snap({ numRestarts: 2 }), sample(0, 0)), / · 2 restarts$/);
});

test("the job's watermark is the lowest input watermark of its non-source tasks, none while one has none", () => {
  assert.equal(jobWatermark(snap({}, [task({ source: true }), task({ currentInputWatermark: 5 }), task({ currentInputWatermark: 3 })])), 3);
  assert.equal(jobWatermark(snap({}, [task({ currentInputWatermark: 5 }), task({})])), undefined);
  const line = formatStatusLine(snap({}, [task({ currentInputWatermark: Date.UTC(2026, 0, 2, 3, 4, 5) })]), sample(1, 1));
  assert.match(line, /watermark 2026-01-02T03:04:05\.000Z/);
  assert.match(formatStatusLine(snap({}, [task({ currentInputWatermark: 42 })]), sample(1, 1)), /watermark 42 /);
});

test('the line is cut to the terminal width so it never wraps', () => {
  const line = formatStatusLine(snap({ lastCheckpointId: 123456, lastCheckpointSize: 10 ** 9, lastCheckpointDuration: 10 ** 6 }), sample(1e7, 1e7), 40);
  assert.equal(line.length, 39);
  assert.ok(line.endsWith('…'));
  assert.ok(formatStatusLine(snap({}), sample(1, 1), 0).length <= 119, 'no width known: 120 columns');
});

/** A stand-in terminal: records what is written. */
function fakeTerminal(): NodeJS.WriteStream & { written: string } {
  let text = '';
  const t = {
    get written(): string {
      return text;
    },
    isTTY: true,
    write(chunk: string | Uint8Array): boolean {
      text += String(chunk);
      return true;
    },
  };
  return t as unknown as NodeJS.WriteStream & { written: string };
}

test('other output first erases the line; it comes back at the next update, and only at a line start', () => {
  const err = fakeTerminal();
  const out = fakeTerminal();
  const live = new LiveStatusLine(err, [out]);
  // Read through a call, so an assertion on one value does not narrow the next read's type.
  const shown = (): string => err.written;
  live.update('A');
  assert.equal(shown(), '\r\x1b[2KA');
  out.write('record 1\n');
  assert.equal(shown(), '\r\x1b[2KA\r\x1b[2K', 'erased before the record');
  assert.equal(out.written, 'record 1\n');
  out.write('partial');
  live.update('B');
  assert.equal(shown(), '\r\x1b[2KA\r\x1b[2K', 'not drawn after a partial line');
  out.write(' line\n');
  live.update('C');
  assert.ok(shown().endsWith('\r\x1b[2KC'));
  live.close();
  assert.ok(shown().endsWith('\r\x1b[2KC\r\x1b[2K'), 'closing erases it');
  out.write('after\n');
  assert.ok(shown().endsWith('\r\x1b[2KC\r\x1b[2K'), 'closed: writes are no longer intercepted');
});

test('a live line is wanted on a terminal only, and not on a dumb one', () => {
  assert.equal(LiveStatusLine.wanted({ isTTY: true } as NodeJS.WriteStream, {}), true);
  assert.equal(LiveStatusLine.wanted({ isTTY: false } as NodeJS.WriteStream, {}), false);
  assert.equal(LiveStatusLine.wanted({} as NodeJS.WriteStream, {}), false);
  assert.equal(LiveStatusLine.wanted({ isTTY: true } as NodeJS.WriteStream, { TERM: 'dumb' }), false);
});
