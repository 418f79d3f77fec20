/**
 * FileSink (row format) checked against Flink's own cases: FileWriterTest (testOnProcessingTime,
 * testBucketIsRemovedWhenNotActive, testSnapshotAndRestore with a changed rolling policy),
 * FileWriterBucketTest, DefaultRollingPolicy(Test), OutputFileConfig. The writer is driven through
 * the calls a task makes, with a hand-moved processing-time service, so each step is checked on
 * disk without timing.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  BasePathBucketAssigner,
  CheckpointRollingPolicy,
  DateTimeBucketAssigner,
  DefaultRollingPolicy,
  Duration,
  FileSink,
  OnCheckpointRollingPolicy,
  type PartFileInfo,
  OutputFileConfig,
  type RollingPolicy,
  SimpleStringEncoder,
  type SinkWriter,
  type SinkWriterContext,
  Time,
  Watermark,
  WatermarkStrategy,
} from '../../src/index.js';
import type { FileSinkBuilder } from '../../src/connectors/file-sink.js';
import { ManualProcessingTime } from '../helpers/manual-processing-time.js';
import { runJob, tempDir } from '../helpers/run-job.js';

let tmp: { path: string; cleanup: () => void };
let out: string;
beforeEach(() => {
  tmp = tempDir('flink-file-sink-cases-');
  out = join(tmp.path, 'out');
});
afterEach(() => tmp.cleanup());

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';

function writer(configure: (b: FileSinkBuilder<string>) => FileSinkBuilder<string>, o: { time?: ManualProcessingTime; jobId?: string } = {}): SinkWriter<string> {
  const context: SinkWriterContext = {
    subtaskIndex: 0,
    parallelism: 1,
    jobId: o.jobId ?? JOB_A,
    operatorUid: 'sink',
    checkpointing: true,
    attemptNumber: 0,
    ...(o.time ? { processingTimeService: o.time } : {}),
  };
  return configure(FileSink.forRowFormat<string>(out)).build().createWriter(context);
}

const all = () => readdirSync(out, { recursive: true }).map(String).sort();
const isHidden = (p: string) => p.split('/').some((s) => s.startsWith('.'));
const hidden = () => all().filter(isHidden);
const linesOf = (f: string) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean);

describe('FileSink against Flink', () => {
  test('DefaultRollingPolicy takes Durations (and Times) for its intervals, as Flink’s builder does', () => {
    // Flink's FileWriterTest: DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofMillis(10)).
    const p = DefaultRollingPolicy.builder()
      .withRolloverInterval(Duration.ofMinutes(15))
      .withInactivityInterval(Time.minutes(5))
      .build();
    assert.equal(p.getRolloverInterval(), 15 * 60_000);
    assert.equal(p.getInactivityInterval(), 5 * 60_000);
    // Bare numbers of ms stay accepted; anything else non-positive is refused naming the setting.
    assert.equal(DefaultRollingPolicy.builder().withRolloverInterval(10).build().getRolloverInterval(), 10);
    assert.throws(() => DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofMillis(0)), (e: unknown) => e instanceof TypeError && /withRolloverInterval/.test(e.message));
    assert.throws(() => FileSink.forRowFormat(out).withBucketCheckInterval(Duration.ofMillis(-1)), (e: unknown) => e instanceof TypeError && /withBucketCheckInterval/.test(e.message));
    assert.equal(DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofSeconds(1)).build().getRolloverInterval(), 1000);
  });

  test('FileWriterTest.testOnProcessingTime: rollover 10 ms, check every 5 ms from 10: the part opened at 10 rolls at 20, the one opened at 15 does not', () => {
    const time = new ManualProcessingTime(10);
    const w = writer((b) => b.withBucketAssigner((r) => r).withRollingPolicy(DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofMillis(10)).build()).withBucketCheckInterval(Duration.ofMillis(5)), { time });
    w.open?.();
    w.write('test1');
    time.advanceTo(15);
    w.write('test2');
    time.advanceTo(20);
    assert.deepEqual(
      hidden().map((f) => `${f.split('/')[0]}:${f.endsWith('.pending') ? 'pending' : 'inprogress'}`),
      ['test1:pending', 'test2:inprogress'],
    );
    // Pre-commit, then again: the timer was re-registered.
    time.advanceTo(30);
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.write('test1');
    time.advanceTo(35);
    w.write('test2');
    time.advanceTo(40);
    const test1 = hidden().filter((f) => f.startsWith('test1/'));
    const test2 = hidden().filter((f) => f.startsWith('test2/'));
    assert.equal(test1.length, 1);
    assert.match(test1[0]!, /\.pending$/);
    assert.equal(test2.length, 1, 'the part opened at 15 rolled at 25 and was committed by checkpoint 1');
    assert.match(test2[0]!, /\.inprogress$/, 'the part opened at 35 is open at 40');
    w.close();
  });

  test('OutputFileConfig: prefix and suffix frame the name; a prefix or suffix with a path separator is refused in one line', () => {
    const w = writer((b) => b.withOutputFileConfig({ partPrefix: 'prefix', partSuffix: '.ext' }));
    w.write('x');
    w.endOfInput();
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    const files = all().filter((f) => !isHidden(f));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^prefix-[0-9a-z]{28}-0-0\.ext$/);
    w.close();
    for (const bad of [{ partPrefix: '../escape' }, { partSuffix: '/x' }, { partPrefix: 'a\\b' }, { partPrefix: 'a\0' }]) {
      assert.throws(
        () => FileSink.forRowFormat<string>(out).withOutputFileConfig(bad),
        (e: unknown) => e instanceof Error && /withOutputFileConfig/.test(e.message) && !e.message.includes('\n'),
        JSON.stringify(bad),
      );
    }
  });

  test('a bucket id that is not a string is refused whatever its value (0 and undefined too), never written to the base directory', () => {
    for (const bad of [0, undefined, null, 1] as unknown[]) {
      const w = writer((b) => b.withBucketAssigner(() => bad as string));
      assert.throws(() => w.write('x'), (e: unknown) => e instanceof Error && /bucket assigner returned .*not a string/.test(e.message), String(bad));
      w.close();
    }
    assert.deepEqual(all(), []);
  });

  test('bucket ids with odd characters: nested paths and dots inside names stay inside; "." and "" are the base directory', () => {
    const w = writer((b) => b.withBucketAssigner((r) => r.split('|')[0]!));
    for (const r of ['dt=2024-01-01/hm=10:00|a', 'a..b|b', '.|c', '|d', 'with space|e']) w.write(r);
    w.endOfInput();
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    const files = all().filter((f) => !isHidden(f) && /part-/.test(f));
    assert.deepEqual(
      files.map((f) => f.replace(/part-.*$/, 'part')).sort(),
      ['a..b/part', 'dt=2024-01-01/hm=10:00/part', 'part', 'part', 'with space/part'],
    );
    assert.deepEqual(files.flatMap(linesOf).sort(), ['.|c', 'a..b|b', 'dt=2024-01-01/hm=10:00|a', 'with space|e', '|d']);
    assert.deepEqual(hidden(), []);
    w.close();
  });

  test('part counter: one counter per subtask run, continuing across buckets and rolls; a restored run never reuses a name', () => {
    const w = writer((b) => b.withBucketAssigner((r) => r.slice(0, 1)));
    w.write('a1');
    w.write('b1');
    w.snapshotState!(1);
    w.write('a2');
    const state = w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    const first = all().filter((f) => !isHidden(f) && /part-/.test(f));
    assert.deepEqual(first.map((f) => /-(\d+)$/.exec(f)![1]).sort(), ['0', '1', '2']);
    const r = writer((b) => b.withBucketAssigner((x) => x.slice(0, 1)), { jobId: JOB_B });
    r.restoreState!(state);
    r.open?.();
    r.write('a3');
    r.endOfInput();
    r.snapshotState!(3);
    r.notifyCheckpointComplete!(3);
    const names = all().filter((f) => !isHidden(f) && /part-/.test(f));
    assert.equal(new Set(names.map((f) => f.split('/').pop())).size, names.length, 'every part name is unique');
    assert.deepEqual(names.flatMap(linesOf).sort(), ['a1', 'a2', 'a3', 'b1']);
    r.close();
  });

  test('FileWriterTest.testSnapshotAndRestore: open parts under DefaultRollingPolicy, restored under OnCheckpointRollingPolicy — each bucket’s records up to the checkpoint, once', () => {
    const w = writer((b) => b.withBucketAssigner((r) => r).withRollingPolicy(DefaultRollingPolicy.builder().build()));
    for (const r of ['test1', 'test2', 'test3']) w.write(r);
    const state = w.snapshotState!(1);
    assert.equal(hidden().filter((f) => f.endsWith('.inprogress')).length, 3, 'DefaultRollingPolicy keeps small parts open at the barrier');
    const r = writer((b) => b.withBucketAssigner((x) => x).withRollingPolicy(OnCheckpointRollingPolicy.build()), { jobId: JOB_B });
    r.restoreState!(state);
    r.open?.();
    r.write('test1');
    r.endOfInput();
    r.snapshotState!(2);
    r.notifyCheckpointComplete!(2);
    const files = all().filter((f) => !isHidden(f) && /part-/.test(f));
    assert.deepEqual(files.flatMap(linesOf).sort(), ['test1', 'test1', 'test2', 'test3']);
    assert.deepEqual(hidden(), []);
    r.close();
  });

  test('a custom CheckpointRollingPolicy-style policy that rolls on processing time gets its timer; an empty bucket leaves no file', () => {
    const time = new ManualProcessingTime(0);
    const policy: RollingPolicy<string> = {
      shouldRollOnCheckpoint: () => true,
      shouldRollOnEvent: () => false,
      shouldRollOnProcessingTime: (part, now) => now - part.getCreationTime() >= 100,
    };
    const w = writer((b) => b.withRollingPolicy(policy).withBucketCheckInterval(50), { time });
    w.open?.();
    w.write('a');
    time.advanceTo(100);
    assert.match(hidden().join(), /\.pending$/);
    // Checkpoints with nothing written make no files (Flink: no part is opened without a record).
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.snapshotState!(2);
    w.notifyCheckpointComplete!(2);
    w.endOfInput();
    w.snapshotState!(3);
    w.notifyCheckpointComplete!(3);
    const files = all().filter((f) => !isHidden(f));
    assert.equal(files.length, 1);
    assert.deepEqual(linesOf(files[0]!), ['a']);
    w.close();
  });

  test('end of input without checkpointing: every open part of every bucket is committed at once, none left hidden', async () => {
    await runJob((env) => {
      env
        .fromElements('a1', 'b1', 'a2', 'c1')
        .sinkTo(
          FileSink.forRowFormat<string>(out)
            .withBucketAssigner((r) => r.slice(0, 1))
            .withRollingPolicy(DefaultRollingPolicy.builder().withRolloverInterval(Duration.ofHours(1)).build())
            .build(),
        );
    });
    assert.deepEqual(hidden(), []);
    const files = all().filter((f) => /part-/.test(f));
    assert.deepEqual(files.map((f) => f.split('/')[0]).sort(), ['a', 'b', 'c']);
    assert.deepEqual(files.flatMap(linesOf).sort(), ['a1', 'a2', 'b1', 'c1']);
  });

  test('DateTimeBucketAssignerTest: 1533363082011 in America/Los_Angeles is 2018-08-03--23 (default format) and 2018-08-03-23; BasePathBucketAssigner is the directory', () => {
    const ctx = { currentProcessingTime: () => 1533363082011, currentWatermark: () => Number.MIN_SAFE_INTEGER, timestamp: () => null };
    assert.equal(new DateTimeBucketAssigner(undefined, 'America/Los_Angeles').getBucketId(null, ctx), '2018-08-03--23');
    assert.equal(new DateTimeBucketAssigner('yyyy-MM-dd-HH', 'America/Los_Angeles').getBucketId(null, ctx), '2018-08-03-23');
    assert.equal(new DateTimeBucketAssigner("'dt='yyyy-MM-dd/'hm='HHmm/ss.SSS''yy", 'UTC').getBucketId(null, ctx), "dt=2018-08-04/hm=0611/22.011'18");
    assert.equal(new BasePathBucketAssigner().getBucketId(null, ctx), '');
    assert.throws(() => new DateTimeBucketAssigner('yyyy-MMM'), (e: unknown) => e instanceof TypeError && /'MMM'.*month names/.test(e.message));
    assert.throws(() => new DateTimeBucketAssigner('ddd'), (e: unknown) => e instanceof TypeError && /at most 2/.test(e.message));
    assert.equal(new DateTimeBucketAssigner('y/S/SSSS', 'UTC').getBucketId(null, ctx), '2018/0/0110');
    assert.throws(() => new DateTimeBucketAssigner('yyyy-EEE'), (e: unknown) => e instanceof TypeError && /'E'.*not supported/.test(e.message));
    assert.throws(() => new DateTimeBucketAssigner(undefined, 'Mars/Olympus'), (e: unknown) => e instanceof TypeError && /unknown time zone/.test(e.message));
  });

  test('DateTimeBucketAssigner in a sink: buckets by the processing time each record is written at', () => {
    const time = new ManualProcessingTime(Date.UTC(2024, 0, 1, 10, 59, 59));
    const w = writer((b) => b.withBucketAssigner(new DateTimeBucketAssigner<string>(undefined, 'UTC')), { time });
    w.open?.();
    w.write('a');
    time.now += 1000;
    w.write('b');
    w.endOfInput();
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    const files = all().filter((f) => /part-/.test(f));
    assert.deepEqual(files.map((f) => `${f.split('/')[0]}:${linesOf(f).join()}`).sort(), ['2024-01-01--10:a', '2024-01-01--11:b']);
    assert.throws(() => FileSink.forRowFormat(out).withBucketAssigner({} as DateTimeBucketAssigner), (e: unknown) => e instanceof TypeError && /withBucketAssigner/.test(e.message));
    w.close();
  });
  test('BucketsTest/FileWriterTest.testContextPassing: the assigner sees the record’s timestamp (or null), the watermark and the processing time', () => {
    const cases: [number | null, number, number][] = [
      [1, 2, 3],
      [null, 4, 5],
    ];
    for (const [timestamp, watermark, processingTime] of cases) {
      const seen: [number | null, number, number][] = [];
      const time = new ManualProcessingTime(processingTime);
      const w = writer(
        (b) =>
          b.withBucketAssigner((r, ctx) => {
            seen.push([ctx.timestamp(), ctx.currentWatermark(), ctx.currentProcessingTime()]);
            return r;
          }),
        { time },
      );
      w.write('test', { timestamp: () => timestamp, currentWatermark: () => watermark });
      assert.deepEqual(seen, [[timestamp, watermark, processingTime]]);
      w.close();
    }
    // Driven without a record context (by hand): no timestamp, no watermark yet.
    const w = writer((b) => b.withBucketAssigner((_r, ctx) => `${ctx.timestamp()}/${ctx.currentWatermark() === Number.MIN_SAFE_INTEGER}`));
    w.write('x');
    assert.match(hidden().join(), /^null\/true\//);
    w.close();
  });

  test('in a job: an event-time bucket assigner sees each record’s timestamp and the watermark before it', async () => {
    // A punctuated generator emits each record's timestamp as the watermark right after the
    // record (as Flink's does), so each record reaches the sink with the previous one's.
    const strategy = WatermarkStrategy.forGenerator<number>(() => ({
      onEvent: (_e, ts, output) => output.emitWatermark(new Watermark(ts)),
      onPeriodicEmit: () => undefined,
    })).withTimestampAssigner((e) => e * 1000);
    await runJob((env) => {
      env
        .fromElements(1, 2, 3)
        .assignTimestampsAndWatermarks(strategy)
        .sinkTo(
          FileSink.forRowFormat<number>(out)
            .withBucketAssigner((_r, ctx) => {
              const wm = ctx.currentWatermark();
              return `ts=${ctx.timestamp()}/wm=${wm === Number.MIN_SAFE_INTEGER ? 'min' : wm}`;
            })
            .build(),
        );
    });
    const files = all().filter((f) => /part-/.test(f));
    assert.deepEqual(files.map((f) => `${f.split('/').slice(0, 2).join('/')}:${linesOf(f).join()}`).sort(), ['ts=1000/wm=min:1', 'ts=2000/wm=1000:2', 'ts=3000/wm=2000:3']);
  });

  test('OutputFileConfig.builder().withPartPrefix(..).withPartSuffix(..).build(), as in Flink; new OutputFileConfig(prefix, suffix); defaults part and ""', () => {
    const config = OutputFileConfig.builder().withPartPrefix('prefix').withPartSuffix('.ext').build();
    assert.deepEqual([config.getPartPrefix(), config.getPartSuffix()], ['prefix', '.ext']);
    const defaults = OutputFileConfig.builder().build();
    assert.deepEqual([defaults.getPartPrefix(), defaults.getPartSuffix()], ['part', '']);
    // Flink's FileWriterTest builds one with `new OutputFileConfig("part-", "")`: the dash is doubled.
    for (const [c, name] of [
      [config, /^prefix-[0-9a-z]{28}-0-0\.ext$/],
      [new OutputFileConfig('part-', ''), /^part--[0-9a-z]{28}-0-0$/],
    ] as const) {
      const w = writer((b) => b.withOutputFileConfig(c));
      w.write('x');
      w.endOfInput();
      w.snapshotState!(1);
      w.notifyCheckpointComplete!(1);
      w.close();
      assert.equal(all().filter((f) => name.test(f)).length, 1, String(name));
    }
    assert.throws(
      () => OutputFileConfig.builder().withPartPrefix('a/b').build(),
      (e: unknown) => e instanceof TypeError && /^OutputFileConfig: partPrefix must be a string without/.test(e.message),
    );
  });

  test('FileWriterBucketTest.testOnCheckpointMultiplePendingFiles: a policy rolling on every event but never at a checkpoint — 3 records, 2 pending, the last stays open', () => {
    const eachElement: RollingPolicy<string> = { shouldRollOnCheckpoint: () => false, shouldRollOnEvent: () => true, shouldRollOnProcessingTime: () => false };
    const w = writer((b) => b.withRollingPolicy(eachElement));
    for (let i = 0; i < 3; i++) w.write('test-element');
    w.snapshotState!(1);
    assert.deepEqual(hidden().map((f) => f.replace(/^.*\./, '')).sort(), ['inprogress', 'pending', 'pending']);
    w.notifyCheckpointComplete!(1);
    assert.equal(all().filter((f) => !isHidden(f)).length, 2);
    assert.match(hidden().join(), /\.inprogress$/, 'the last part stays open across the checkpoint');
    w.close();
  });
  test("forRowFormat(dir, new SimpleStringEncoder('UTF-8')), Flink's usual encoder: each record's text and a newline; an object with encode(); anything else refused", async () => {
    await runJob((env) => {
      env.fromElements('héllo', 'world').sinkTo(FileSink.forRowFormat(join(out, 'simple'), new SimpleStringEncoder<string>('UTF-8')).build());
      env.fromElements(1, 2).sinkTo(FileSink.forRowFormat(join(out, 'object'), { encode: (n: number) => `n=${n}` }).build());
      env.fromElements({ a: 1 }).sinkTo(FileSink.forRowFormat(join(out, 'default'), new SimpleStringEncoder<{ a: number }>()).build());
    });
    const read = (sub: string) => all().filter((f) => f.startsWith(`${sub}/`) && /part-/.test(f)).map((f) => readFileSync(join(out, f), 'utf8')).join('');
    assert.equal(read('simple'), 'héllo\nworld\n');
    assert.equal(read('object'), 'n=1\nn=2\n');
    assert.equal(read('default'), '{"a":1}\n', 'as print() shows it');
    assert.throws(() => new SimpleStringEncoder('ISO-8859-1'), (e: unknown) => e instanceof TypeError && /only UTF-8/.test(e.message));
    assert.throws(() => FileSink.forRowFormat(out, {} as SimpleStringEncoder), (e: unknown) => e instanceof TypeError && /forRowFormat takes an encoder/.test(e.message));
  });
  test('FileSinkITBase/BatchExecutionFileSinkITCase: 4 sources of 0..3999 into 3 sink subtasks, 4 buckets by modulo, a CheckpointRollingPolicy subclass rolling at 1 KiB — each number 4 times in its bucket', async () => {
    const NUM_SOURCES = 4;
    const NUM_RECORDS = 4_000; // Flink: 10 000 (each rolled part is fsynced: kept small here)
    const NUM_BUCKETS = 4;
    class PartSizeAndCheckpointRollingPolicy extends CheckpointRollingPolicy<number> {
      shouldRollOnEvent(part: PartFileInfo): boolean {
        return part.getSize() >= 1024;
      }
      shouldRollOnProcessingTime(): boolean {
        return false;
      }
    }
    await runJob((env) => {
      env
        .fromSequence(0, NUM_SOURCES * NUM_RECORDS - 1)
        .setParallelism(NUM_SOURCES)
        .map((n) => n % NUM_RECORDS)
        .setParallelism(NUM_SOURCES)
        .sinkTo(
          FileSink.forRowFormat<number>(out)
            .withBucketAssigner((n) => String(n % NUM_BUCKETS))
            .withRollingPolicy(new PartSizeAndCheckpointRollingPolicy())
            .build(),
        )
        .setParallelism(3);
    });
    assert.deepEqual(hidden(), []);
    const buckets = readdirSync(out).sort();
    assert.deepEqual(buckets, ['0', '1', '2', '3']);
    for (const bucket of buckets) {
      const counts = new Map<number, number>();
      const parts = readdirSync(join(out, bucket));
      assert.ok(parts.length > 3, `bucket ${bucket} rolled at 1 KiB: ${parts.length} parts`);
      for (const f of parts) for (const l of linesOf(`${bucket}/${f}`)) counts.set(Number(l), (counts.get(Number(l)) ?? 0) + 1);
      const expected = Array.from({ length: NUM_RECORDS / NUM_BUCKETS }, (_, k) => [k * NUM_BUCKETS + Number(bucket), NUM_SOURCES]);
      assert.deepEqual([...counts].sort((a, b) => a[0]! - b[0]!), expected);
    }
  });
});
