/**
 * FileSink's rolling policies (Flink's DefaultRollingPolicy / OnCheckpointRollingPolicy),
 * driven through the writer API with a fake processing-time service, so each step is checked on
 * disk without timing. Flink: a part rolls on an event when its size is > maxPartSize before the
 * element is written (FileWriterBucket.write, DefaultRollingPolicy.shouldRollOnEvent); on
 * processing time when now - creation >= rolloverInterval or now - lastUpdate >=
 * inactivityInterval, checked every bucket check interval (FileWriter.onProcessingTime); at a
 * checkpoint only when size > maxPartSize — else the part stays open across the checkpoint.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  DefaultRollingPolicy,
  FileSink,
  MemorySize,
  OnCheckpointRollingPolicy,
  type RollingPolicy,
  type SinkProcessingTimeService,
  type SinkWriter,
  type SinkWriterContext,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { ManualProcessingTime } from '../helpers/manual-processing-time.js';
import { runJob, tempDir } from '../helpers/run-job.js';

let tmp: { path: string; cleanup: () => void };
let out: string;
beforeEach(() => {
  tmp = tempDir('flink-file-sink-rolling-');
  out = join(tmp.path, 'out');
});
afterEach(() => tmp.cleanup());

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';

interface WriterOptions {
  policy?: RollingPolicy<string>;
  jobId?: string;
  subtask?: number;
  parallelism?: number;
  time?: ManualProcessingTime;
  checkInterval?: number;
  checkpointing?: boolean;
}

function writer(o: WriterOptions = {}): SinkWriter<string> {
  const context: SinkWriterContext = {
    subtaskIndex: o.subtask ?? 0,
    parallelism: o.parallelism ?? 1,
    jobId: o.jobId ?? JOB_A,
    operatorUid: 'sink',
    checkpointing: o.checkpointing ?? true,
    attemptNumber: 0,
    ...(o.time ? { processingTimeService: o.time } : {}),
  };
  let b = FileSink.forRowFormat<string>(out);
  if (o.policy) b = b.withRollingPolicy(o.policy);
  if (o.checkInterval) b = b.withBucketCheckInterval(o.checkInterval);
  const w = b.build().createWriter(context);
  return w;
}

const all = () => readdirSync(out, { recursive: true }).map(String).sort();
const hidden = () => all().filter((p) => p.split('/').some((s) => s.startsWith('.')));
const visible = () => all().filter((p) => !p.split('/').some((s) => s.startsWith('.')));
/** Each visible part's lines, parts in name order (part counter order within a subtask). */
const parts = () =>
  visible()
    .sort((a, b) => Number(/-(\d+)$/.exec(a)![1]) - Number(/-(\d+)$/.exec(b)![1]))
    .map((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));
const committed = () => parts().flat().sort();

const bigPolicy = () => DefaultRollingPolicy.builder().withMaxPartSize(1 << 30).withRolloverInterval(1e9).withInactivityInterval(1e9).build<string>();

describe('FileSink rolling policies', () => {
  test('size: a part rolls before the record that finds it larger than maxPartSize (> not >=), in UTF-8 bytes', () => {
    const w = writer({ policy: DefaultRollingPolicy.builder().withMaxPartSize(10).build() });
    // 4 bytes each: 4, 8, 12 — the 4th record finds 12 > 10 and opens a new part.
    for (const r of ['aa1', 'aa2', 'aa3', 'aa4', 'aa5']) w.write(r);
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(parts(), [['aa1', 'aa2', 'aa3']], 'the rolled part is committed by the next checkpoint; the open one is not');
    assert.match(hidden().join(), /^\.part-[0-9a-z]{28}-0-1\.inprogress$/);
    w.endOfInput();
    w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    assert.deepEqual(parts(), [['aa1', 'aa2', 'aa3'], ['aa4', 'aa5']]);
    w.close();

    // 'é\n' is 3 bytes: 3, 6 — the third finds 6 > 5.
    const u = writer({ policy: DefaultRollingPolicy.builder().withMaxPartSize(5).build(), jobId: JOB_B });
    for (const r of ['é', 'é', 'é']) u.write(r);
    u.endOfInput();
    u.snapshotState!(1);
    u.notifyCheckpointComplete!(1);
    const sizes = visible().filter((f) => f.includes('bbbb')).map((f) => statSync(join(out, f)).size).sort();
    assert.deepEqual(sizes, [3, 6]);
    u.close();
  });

  test('BucketsTest: withMaxPartSize(new MemorySize(7)) (Flink 2.x takes a MemorySize) rolls after two 6-byte records; MemorySize.parse and ofMebiBytes too', () => {
    const w = writer({ policy: DefaultRollingPolicy.builder().withMaxPartSize(new MemorySize(7)).build() });
    for (let i = 0; i < 3; i++) w.write('test1');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(parts(), [['test1', 'test1']], 'one part of two records committed');
    assert.match(hidden().join(), /\.inprogress$/, 'the third record’s part stays open');
    w.close();
    assert.equal(DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.parse('64 kb')).build().getMaxPartSize(), 65536);
    assert.equal(DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ofMebiBytes(1)).build().getMaxPartSize(), 1 << 20);
    assert.throws(() => DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ZERO), (e: unknown) => e instanceof TypeError && /withMaxPartSize takes a MemorySize/.test(e.message));
  });

  test('size: exact across buffer flushes — 10-byte records and a 100 000-byte limit give a first part of 10 001 records', () => {
    const w = writer({ policy: DefaultRollingPolicy.builder().withMaxPartSize(100_000).build() });
    for (let i = 0; i < 10_005; i++) w.write(String(i).padStart(9, '0'));
    w.endOfInput();
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    const p = parts();
    assert.deepEqual(
      p.map((x) => x.length),
      [10_001, 4],
    );
    assert.equal(p[1]![0], '000010001');
    w.close();
  });

  test('size at a checkpoint: a part larger than maxPartSize rolls at the barrier; a smaller one stays open', () => {
    const w = writer({ policy: DefaultRollingPolicy.builder().withMaxPartSize(5).build() });
    w.write('abcdef');
    w.snapshotState!(1);
    assert.match(hidden().join(), /\.pending$/);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(committed(), ['abcdef']);
    w.write('ab');
    w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    assert.deepEqual(committed(), ['abcdef']);
    assert.match(hidden().join(), /\.inprogress$/);
    w.close();
  });

  test('rollover interval: checked every bucket check interval; rolls when now - creation >= interval', () => {
    const time = new ManualProcessingTime();
    const w = writer({ time, checkInterval: 100, policy: DefaultRollingPolicy.builder().withRolloverInterval(1000).withInactivityInterval(1e9).build() });
    w.open?.();
    w.write('a');
    time.advanceTo(950);
    w.write('b');
    time.advanceTo(999);
    assert.match(hidden().join(), /\.inprogress$/, 'not yet at 900');
    time.advanceTo(1000);
    assert.match(hidden().join(), /\.pending$/, 'rolled at the check at 1000 (1000 - 0 >= 1000)');
    time.now = 1001;
    w.write('c');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(parts(), [['a', 'b']]);
    time.advanceTo(2000);
    assert.deepEqual(parts(), [['a', 'b']], 'rolled at 2100 at the earliest (created at 1001)');
    time.advanceTo(2100);
    w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    assert.deepEqual(parts(), [['a', 'b'], ['c']]);
    w.close();
  });

  test('inactivity interval: rolls when now - last write >= interval', () => {
    const time = new ManualProcessingTime();
    const w = writer({ time, checkInterval: 100, policy: DefaultRollingPolicy.builder().withRolloverInterval(1e9).withInactivityInterval(500).build() });
    w.open?.();
    w.write('a');
    time.advanceTo(400);
    w.write('b');
    time.advanceTo(800);
    assert.match(hidden().join(), /\.inprogress$/, '800 - 400 < 500');
    time.advanceTo(900);
    assert.match(hidden().join(), /\.pending$/, '900 - 400 >= 500');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(parts(), [['a', 'b']]);
    w.close();
  });

  test('a part that spans checkpoints stays hidden until it rolls and the next checkpoint completes', () => {
    const time = new ManualProcessingTime();
    const w = writer({ time, checkInterval: 100, policy: DefaultRollingPolicy.builder().withRolloverInterval(1000).build() });
    w.open?.();
    w.write('a');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.write('b');
    w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    assert.deepEqual(visible(), []);
    assert.equal(hidden().length, 1);
    time.advanceTo(1000);
    assert.deepEqual(visible(), [], 'rolled, pending for the next checkpoint');
    w.snapshotState!(3);
    assert.deepEqual(visible(), []);
    w.notifyCheckpointComplete!(3);
    assert.deepEqual(parts(), [['a', 'b']], 'one part across three checkpoints');
    w.close();
  });

  test('OnCheckpointRollingPolicy (the default): a part per checkpoint, no timers', () => {
    let timers = 0;
    const time = new ManualProcessingTime();
    const counting: SinkProcessingTimeService = { getCurrentProcessingTime: () => time.now, registerProcessingTimer: () => void timers++ };
    for (const policy of [undefined, OnCheckpointRollingPolicy.build<string>()]) {
      const w = FileSink.forRowFormat<string>(out)
        .withRollingPolicy(policy ?? OnCheckpointRollingPolicy.build())
        .build()
        .createWriter({ subtaskIndex: 0, parallelism: 1, jobId: JOB_A, operatorUid: 'sink', checkpointing: true, processingTimeService: counting });
      w.open?.();
      w.write('x');
      w.snapshotState!(1);
      assert.match(hidden().join(), /\.pending$/);
      w.notifyCheckpointComplete!(1);
      w.close();
    }
    assert.equal(timers, 0);
    assert.deepEqual(committed(), ['x', 'x']);
  });

  test('restore from a checkpoint taken while a part was open: its records up to the checkpoint, once; those after are replayed', () => {
    const w = writer({ policy: bigPolicy() });
    w.write('a');
    w.write('b');
    const state = w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    // Appended past the checkpoint and flushed to the file (a record longer than the write buffer).
    const big = 'z'.repeat(70_000);
    w.write(big);
    const file = join(out, hidden()[0]!);
    assert.ok(statSync(file).size > 4, 'the part holds records after the checkpoint');
    // kill -9: no close. A restore (another job id, as a resumed job) from checkpoint 1:
    const r = writer({ jobId: JOB_B, policy: bigPolicy() });
    r.restoreState!(state);
    r.open?.();
    assert.deepEqual(committed(), ['a', 'b']);
    assert.deepEqual(hidden(), [], `left: ${hidden().join(', ')}`);
    // The replay, then the end.
    r.write(big);
    r.endOfInput();
    r.snapshotState!(2);
    r.notifyCheckpointComplete!(2);
    assert.deepEqual(committed(), ['a', 'b', big]);
    r.close();
  });

  test('restore when the recorded part rolled after the checkpoint (renamed to .pending, longer): cut back and committed', () => {
    const time = new ManualProcessingTime();
    const w = writer({ time, checkInterval: 100, policy: DefaultRollingPolicy.builder().withRolloverInterval(1000).build() });
    w.open?.();
    w.write('a');
    const state = w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.write('after');
    time.advanceTo(1000);
    assert.match(hidden().join(), /\.pending$/);
    // Killed before checkpoint 2.
    const r = writer({ jobId: JOB_B });
    r.restoreState!(state);
    r.open?.();
    assert.deepEqual(committed(), ['a']);
    assert.deepEqual(hidden(), []);
    r.close();
  });

  test('a restore twice from the same checkpoint commits the open part once (idempotent); a cancel keeps a recorded part, drops an unrecorded one', () => {
    const w = writer({ policy: bigPolicy() });
    w.write('a');
    const state = w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.write('b');
    w.close(); // cancel: the recorded part stays for a restore
    assert.equal(hidden().length, 1);
    const u = writer({ jobId: JOB_B, policy: bigPolicy() });
    u.write('never checkpointed');
    u.close();
    assert.equal(hidden().length, 1, 'the unrecorded part is deleted at close');
    for (const job of [JOB_B, 'cccccccccccc00000000000000000003']) {
      const r = writer({ jobId: job });
      r.restoreState!(state);
      r.open?.();
      r.close();
      assert.deepEqual(committed(), ['a']);
    }
  });

  test('union restore at parallelism 2 and 3 of two subtasks’ open parts (every subtask sees every one): each committed once', () => {
    for (const restoreParallelism of [2, 3]) {
      const job = `${restoreParallelism}`.repeat(12) + '00000000000000000009';
      const ws = [0, 1].map((i) => writer({ jobId: job, subtask: i, parallelism: 2, policy: bigPolicy() }));
      ws.forEach((w, i) => ['x', 'y'].forEach((r) => w.write(`${r}${i}-${restoreParallelism}`)));
      const union = ws.flatMap((w) => w.snapshotState!(1));
      ws.forEach((w, i) => w.write(`after-${i}`));
      const rs = Array.from({ length: restoreParallelism }, (_, i) => writer({ jobId: JOB_B, subtask: i, parallelism: restoreParallelism }));
      // Restored in reverse: subtask 0 (which deletes leftovers) last.
      for (const r of [...rs].reverse()) r.restoreState!(union);
      for (const r of rs) r.open?.();
      for (const r of rs) r.close();
    }
    assert.deepEqual(committed(), ['x0-2', 'x0-3', 'x1-2', 'x1-3', 'y0-2', 'y0-3', 'y1-2', 'y1-3']);
    assert.deepEqual(hidden(), []);
  });

  test('a recorded path outside the sink directory is refused', () => {
    const r = writer({ jobId: JOB_B });
    assert.throws(() => r.restoreState!([{ inProgress: '../../etc/x.inprogress', final: '../../etc/x', length: 0 }, { writtenBy: 'aaaaaaaaaaaa' }]), /outside/);
  });

  test('settings are validated: positive finite numbers, else a TypeError naming the setting', () => {
    const b = DefaultRollingPolicy.builder();
    for (const bad of [0, -1, NaN, Infinity, '5' as unknown as number]) {
      assert.throws(() => b.withMaxPartSize(bad), (e: unknown) => e instanceof TypeError && /withMaxPartSize/.test(e.message));
      assert.throws(() => b.withRolloverInterval(bad), (e: unknown) => e instanceof TypeError && /withRolloverInterval/.test(e.message));
      assert.throws(() => b.withInactivityInterval(bad), (e: unknown) => e instanceof TypeError && /withInactivityInterval/.test(e.message));
      assert.throws(() => FileSink.forRowFormat(out).withBucketCheckInterval(bad), (e: unknown) => e instanceof TypeError && /withBucketCheckInterval/.test(e.message));
    }
    assert.throws(() => FileSink.forRowFormat(out).withRollingPolicy({} as RollingPolicy<unknown>), TypeError);
    const d = DefaultRollingPolicy.builder().build();
    assert.deepEqual([d.getMaxPartSize(), d.getRolloverInterval(), d.getInactivityInterval()], [128 * 1024 * 1024, 60_000, 60_000]);
  });

  test('in a job: the sink operator fires the writer’s timers (a map moves a manual clock); every record once', async () => {
    const clock = new ManualClock(0);
    await runJob(
      (env) => {
        env
          .fromSequence(1, 3000)
          .map((n) => {
            clock.advance(10);
            return String(n);
          })
          .sinkTo(
            FileSink.forRowFormat<string>(out)
              .withRollingPolicy(DefaultRollingPolicy.builder().withRolloverInterval(500).build())
              .withBucketCheckInterval(100)
              .build(),
          );
      },
      { clock, parallelism: 1 },
    );
    assert.ok(visible().length > 1, `parts rolled on processing time: ${visible().length}`);
    assert.deepEqual(
      committed(),
      Array.from({ length: 3000 }, (_, i) => String(i + 1)).sort(),
    );
    assert.deepEqual(hidden(), []);
  });
  test('RollingPolicyTest: which policy method is asked when, and how often it rolls (DefaultRollingPolicy 10 B / 4 ms / 11 ms, OnCheckpoint, a custom one)', () => {
    /** Flink's RollingPolicyTest drives `onProcessingTime(t)` by hand: this fires the writer's one pending check at `t`. */
    class DirectTime implements SinkProcessingTimeService {
      now = 0;
      private check: ((t: number) => void) | undefined;
      getCurrentProcessingTime(): number {
        return this.now;
      }
      registerProcessingTimer(_time: number, callback: (t: number) => void): void {
        this.check = callback;
      }
      fire(t: number): void {
        this.now = t;
        const c = this.check;
        this.check = undefined;
        c?.(t);
      }
    }
    /** Counts [onCheckpoint calls, rolls, onEvent calls, rolls, onProcessingTime calls, rolls], as Flink's MethodCallCountingPolicyWrapper. */
    const counting = (p: RollingPolicy<string>) => {
      const n = [0, 0, 0, 0, 0, 0];
      const count = (i: number, roll: boolean) => {
        n[i]!++;
        if (roll) n[i + 1]!++;
        return roll;
      };
      const policy: RollingPolicy<string> = {
        shouldRollOnCheckpoint: (part) => count(0, p.shouldRollOnCheckpoint(part)),
        shouldRollOnEvent: (part, e) => count(2, p.shouldRollOnEvent(part, e)),
        shouldRollOnProcessingTime: (part, t) => count(4, p.shouldRollOnProcessingTime(part, t)),
      };
      return { policy, n };
    };
    const run = (p: RollingPolicy<string>, jobId: string, steps: (w: SinkWriter<string>, time: DirectTime, n: number[]) => void) => {
      const time = new DirectTime();
      const { policy, n } = counting(p);
      const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId, operatorUid: 'sink', checkpointing: true, attemptNumber: 0, processingTimeService: time };
      const w = FileSink.forRowFormat<string>(out).withRollingPolicy(policy).build().createWriter(context);
      w.open?.();
      steps(w, time, n);
      w.close();
    };
    const at = (w: SinkWriter<string>, time: DirectTime, t: number) => {
      time.now = t;
      w.write('test1');
    };

    // testDefaultRollingPolicy: 'test1\n' is 6 bytes.
    run(DefaultRollingPolicy.builder().withMaxPartSize(10).withInactivityInterval(4).withRolloverInterval(11).build(), JOB_A, (w, time, n) => {
      assert.deepEqual(n, [0, 0, 0, 0, 0, 0]);
      at(w, time, 1);
      at(w, time, 2);
      assert.deepEqual(n, [0, 0, 1, 0, 0, 0], 'the first record opens the part without asking');
      at(w, time, 3);
      assert.deepEqual(n, [0, 0, 2, 1, 0, 0], '12 > 10: rolls before the third');
      time.fire(5);
      assert.deepEqual(n, [0, 0, 2, 1, 1, 0], 'still no time to roll');
      time.fire(7);
      assert.deepEqual(n, [0, 0, 2, 1, 2, 1], 'rolls on inactivity (7 - 3 >= 4)');
      at(w, time, 3);
      time.fire(20);
      assert.deepEqual(n, [0, 0, 2, 1, 3, 2], 'rolls on the rollover interval');
      w.snapshotState!(1);
      assert.deepEqual(n, [0, 0, 2, 1, 3, 2], 'no open part at the checkpoint: the policy is not asked');
    });

    // testRollOnCheckpointPolicy
    run(OnCheckpointRollingPolicy.build<string>(), JOB_B, (w, time, n) => {
      at(w, time, 2);
      at(w, time, 2);
      at(w, time, 3);
      w.snapshotState!(1);
      assert.deepEqual(n, [1, 1, 2, 0, 0, 0]);
      at(w, time, 5);
      w.snapshotState!(2);
      assert.deepEqual(n, [2, 2, 2, 0, 0, 0]);
    });

    // testCustomRollingPolicy: rolls at every checkpoint, on an event when > 9 bytes, 10 ms after the last write.
    const custom: RollingPolicy<string> = {
      shouldRollOnCheckpoint: () => true,
      shouldRollOnEvent: (part) => part.getSize() > 9,
      shouldRollOnProcessingTime: (part, t) => t - part.getLastUpdateTime() >= 10,
    };
    run(custom, 'cccccccccccc00000000000000000003', (w, time, n) => {
      at(w, time, 2);
      at(w, time, 2);
      assert.deepEqual(n, [0, 0, 1, 0, 0, 0]);
      at(w, time, 2);
      assert.deepEqual(n, [0, 0, 2, 1, 0, 0]);
      w.snapshotState!(1);
      assert.deepEqual(n, [1, 1, 2, 1, 0, 0]);
      at(w, time, 5);
      time.fire(12);
      assert.deepEqual(n, [1, 1, 2, 1, 1, 0], 'last write at 5: not yet at 12');
      time.fire(16);
      assert.deepEqual(n, [1, 1, 2, 1, 2, 1], 'rolls at 16');
    });
  });
});
