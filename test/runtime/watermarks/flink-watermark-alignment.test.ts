/*
 * Watermark alignment against Flink's own tests and code: SourceCoordinatorAlignmentTest
 * (the group's lowest watermark plus the drift, idle subtasks, two groups, the aggregator),
 * SourceOperatorAlignmentTest (no report before a first watermark, the maximum while idle and
 * once finished), SourceCoordinator.announceCombinedWatermark (the sum saturates at the
 * maximum), SourceOperator.checkWatermarkAlignment (a waiting source's idleness clock is
 * paused), and jobs: sources of one group with different drifts, a noWatermarks source in a
 * group, a subtask that finishes, a run after a failover starting from a fresh group.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { JobMaster } from '../../../src/cluster/job-master.js';
import { Configuration } from '../../../src/config/index.js';
import { MetadataStore } from '../../../src/metadata/index.js';
import { newJobId } from '../../../src/util/ids.js';
import { DataGeneratorSource, Duration, type StreamExecutionEnvironment, Watermark, WatermarkStrategy } from '../../../src/index.js';
import { compilePipeline } from '../../../src/cluster/compile-pipeline.js';
import { JobExecution } from '../../../src/runtime/index.js';
import { SourceAlignment, WatermarkAlignmentAggregator, type WatermarkAlignmentReporter } from '../../../src/runtime/watermarks/watermark-alignment.js';
import { type Clock, ManualClock, systemClock } from '../../../src/util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../../src/util/time.js';
import { capturePipeline, tempDir } from '../../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../../helpers/scripted-source.js';

const MAX = MAX_TIMESTAMP;

/**
 * Subtasks of sources of one job on one aggregator, as JobExecution wires them: a report that
 * changes a group's lowest is announced to every subtask of the group.
 */
class Harness implements WatermarkAlignmentReporter {
  private readonly aggregator = new WatermarkAlignmentAggregator();
  readonly subtasks: SourceAlignment[] = [];
  report(group: string, member: string, watermark: number): void {
    const lowest = this.aggregator.report(group, member, watermark);
    if (lowest === undefined) return;
    for (const s of this.subtasks) if (s.params.group === group) s.announce(lowest);
  }
  subtask(member: string, group: string, maxAllowedDriftMs: number): SourceAlignment {
    const s = new SourceAlignment({ group, maxAllowedDriftMs, updateIntervalMs: 1 }, member, this, 0);
    this.subtasks.push(s);
    return s;
  }
}

/** The highest watermark `s` may have and still read (Flink's WatermarkAlignmentEvent.maxWatermark), found at its edge. */
function maxAllowed(s: SourceAlignment, around: number): number {
  assert.equal(s.waits(around), false, `may read at ${around}`);
  assert.equal(s.waits(around + 1), true, `waits at ${around + 1}`);
  return around;
}

describe("Flink's SourceCoordinatorAlignmentTest", () => {
  test('testWatermarkAlignment: the lowest reported watermark plus the drift (42 → 1042; 42, 44 → 1042; 5000, 44 → 1044)', () => {
    const h = new Harness();
    const s0 = h.subtask('src#0', 'group1', 1000);
    const s1 = h.subtask('src#1', 'group1', 1000);
    h.report('group1', 'src#0', 42);
    assert.equal(maxAllowed(s0, 1042), 1042);
    h.report('group1', 'src#1', 44);
    assert.equal(maxAllowed(s0, 1042), 1042);
    assert.equal(maxAllowed(s1, 1042), 1042);
    h.report('group1', 'src#0', 5000);
    assert.equal(maxAllowed(s0, 1044), 1044);
    assert.equal(maxAllowed(s1, 1044), 1044);
  });

  test('testWatermarkAlignmentWithIdleness: an idle subtask (the maximum) holds nobody back; all idle: no limit', () => {
    const h = new Harness();
    const s0 = h.subtask('src#0', 'group1', 1000);
    const s1 = h.subtask('src#1', 'group1', 1000);
    h.report('group1', 'src#0', 42);
    h.report('group1', 'src#1', 44);
    assert.equal(maxAllowed(s1, 1042), 1042);
    h.report('group1', 'src#0', MAX); // subtask 0 idle
    assert.equal(maxAllowed(s0, 1044), 1044);
    h.report('group1', 'src#0', 42); // active again
    assert.equal(maxAllowed(s1, 1042), 1042);
    h.report('group1', 'src#0', MAX);
    h.report('group1', 'src#1', MAX); // all idle
    assert.equal(s0.waits(MAX), false);
    assert.equal(s1.waits(MAX), false);
    h.report('group1', 'src#0', 42);
    assert.equal(maxAllowed(s0, 1042), 1042);
    assert.equal(maxAllowed(s1, 1042), 1042);
    h.report('group1', 'src#1', 46);
    assert.equal(maxAllowed(s1, 1042), 1042);
  });

  test('testWatermarkAlignmentWithTwoGroups: groups are apart', () => {
    const h = new Harness();
    const a = h.subtask('a#0', 'group1', 1000);
    const b = h.subtask('b#1', 'group2', 1000);
    h.report('group1', 'a#0', 42);
    assert.equal(maxAllowed(a, 1042), 1042);
    h.report('group2', 'b#1', 44);
    assert.equal(maxAllowed(a, 1042), 1042);
    assert.equal(maxAllowed(b, 1044), 1044);
    h.report('group1', 'a#0', 5000);
    assert.equal(maxAllowed(a, 6000), 6000);
    assert.equal(maxAllowed(b, 1044), 1044);
  });

  test('testWatermarkAggregator: the minimum over the latest report of each subtask, announced when it changes', () => {
    const agg = new WatermarkAlignmentAggregator();
    let lowest: number | undefined;
    const report = (member: number, w: number): number => {
      const changed = agg.report('g', String(member), w);
      if (changed !== undefined) lowest = changed;
      return lowest!;
    };
    assert.equal(report(0, 10), 10);
    assert.equal(report(1, 12), 10);
    assert.equal(report(2, 13), 10);
    assert.equal(report(1, 9), 9);
    assert.equal(report(1, MAX), 10, 'the watermark of an idle source');
    assert.equal(report(1, 8), 8);
    assert.equal(report(1, 20), 10);
    assert.equal(report(0, 23), 13);
    assert.equal(report(2, 22), 20);
  });

  test('announceCombinedWatermark: the lowest plus the drift saturates at the maximum watermark (Math.addExact overflow)', () => {
    const h = new Harness();
    const s = h.subtask('src#0', 'g', 1000);
    h.report('g', 'src#0', MAX - 10);
    assert.equal(s.waits(MAX), false, 'MAX − 10 + 1000 is beyond the maximum: no limit');
    const zero = new Harness();
    const z = zero.subtask('src#0', 'g', 0);
    zero.report('g', 'src#0', MAX);
    assert.equal(z.waits(MAX), false);
    zero.report('g', 'src#0', MAX - 1);
    assert.equal(z.waits(MAX), true, 'drift 0: exactly the lowest');
  });
});

describe("Flink's SourceOperatorAlignmentTest (a subtask's reports)", () => {
  const params = { group: 'g', maxAllowedDriftMs: 100, updateIntervalMs: 1 };

  test('testWatermarkAlignmentWithoutSplit: nothing is reported before a first watermark, idle or not', () => {
    const reports: number[] = [];
    const a = new SourceAlignment(params, 's#0', { report: (_g, _m, w) => reports.push(w) }, 0);
    a.reportIfDue(1, MIN_TIMESTAMP, false);
    a.reportIfDue(2, MIN_TIMESTAMP, true); // Flink checks UNINITIALIZED before idleness
    assert.deepEqual(reports, []);
    a.reportIfDue(3, 10, false);
    assert.deepEqual(reports, [10]);
  });

  test('testWatermarkAlignmentWithIdleness: the maximum while idle, the last watermark again once active', () => {
    const reports: number[] = [];
    const a = new SourceAlignment(params, 's#0', { report: (_g, _m, w) => reports.push(w) }, 0);
    a.reportIfDue(1, 1, false);
    a.reportIfDue(2, 1, true);
    a.reportIfDue(3, 1, false);
    assert.deepEqual(reports, [1, MAX, 1]);
  });

  test('testWatermarkAlignmentWhileSubtaskFinished: a finished subtask reports the maximum, even without a watermark', () => {
    const reports: number[] = [];
    const a = new SourceAlignment(params, 's#0', { report: (_g, _m, w) => reports.push(w) }, 0);
    a.finished();
    assert.deepEqual(reports, [MAX]);
  });

  test('testWatermarkAlignment: waits once past the announced maximum, reads again when it is raised', () => {
    const h = new Harness();
    const s = h.subtask('s#0', 'group1', 0);
    h.report('group1', 's#0', 999); // WatermarkAlignmentEvent(record1 − 1)
    assert.equal(s.waits(1000), true);
    h.report('group1', 's#0', 1001); // WatermarkAlignmentEvent(record1 + 1)
    assert.equal(s.waits(1000), false);
  });
});

/** Each report of a run: [member, watermark]. */
type Report = [string, number];

/** Runs a job in this process whose aligned sources report through a recording aggregator; returns the reports. */
async function runRecordingReports(build: (env: StreamExecutionEnvironment) => void, clock: Clock = systemClock, parallelism = 1): Promise<Report[]> {
  const pipeline = capturePipeline(build);
  const jobGraph = compilePipeline(pipeline, { parallelism });
  const reports: Report[] = [];
  const aggregator = new WatermarkAlignmentAggregator();
  const execution: JobExecution = new JobExecution({
    jobId: 'aligned',
    jobGraph,
    clock,
    autoWatermarkIntervalMs: pipeline.settings.autoWatermarkInterval,
    alignment: {
      report: (group, member, watermark) => {
        reports.push([member, watermark]);
        const lowest = aggregator.report(group, member, watermark);
        if (lowest !== undefined) execution.announceAlignment(group, lowest);
      },
    },
  });
  await execution.run();
  return reports;
}

describe('aligned sources in a job', () => {
  test('a noWatermarks source in a group never reports before it finishes (then the maximum) and holds nobody back', { timeout: 20_000 }, async () => {
    const seen: string[] = [];
    const reports = await runRecordingReports((env) => {
      const none = env
        .fromSource(new DataGeneratorSource((i: number) => i, 200, { recordsPerSecond: 2000 }), WatermarkStrategy.noWatermarks<number>().withWatermarkAlignment('g', Duration.ofMillis(0), Duration.ofMillis(5)), 'none')
        .uid('none');
      const timed = env
        .fromSource(
          new DataGeneratorSource((i: number) => 1_000_000 + i, 2000, { recordsPerSecond: 20_000 }),
          WatermarkStrategy.forMonotonousTimestamps<number>()
            .withTimestampAssigner((t) => t)
            .withWatermarkAlignment('g', Duration.ofMillis(0), Duration.ofMillis(5)),
          'timed',
        )
        .uid('timed');
      none.union(timed).addSink((v: number) => void seen.push(String(v)));
    });
    assert.equal(seen.length, 2200);
    assert.deepEqual(
      reports.filter(([m]) => m === 'none#0').map(([, w]) => w),
      [MAX],
      'only the maximum, once, when it finished',
    );
  });

  test('sources of one group with different drifts: each waits at the lowest plus its own drift; a finished one reports the maximum', { timeout: 20_000 }, async () => {
    const clock = new ManualClock(0);
    // The slow source moves processing time on 100 ms per poll, one record (ts 100·i) each.
    const slowSteps: ScriptStep<number>[] = Array.from({ length: 30 }, (_, i) => ({ records: [{ value: 100 * i, timestamp: 100 * i }], advance: 100 }));
    const fastSteps = (base: number): ScriptStep<number>[] => Array.from({ length: 30 }, (_, i) => ({ records: [{ value: base + 100 * i, timestamp: base + 100 * i }] }));
    const order: string[] = [];
    const strategy = (drift: number) =>
      WatermarkStrategy.forMonotonousTimestamps<number>().withWatermarkAlignment('g', Duration.ofMillis(drift), Duration.ofMillis(100));
    const reports = await runRecordingReports(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        const slow = env.fromSource(new ScriptedSource(slowSteps, clock), strategy(0), 'slow').uid('slow').map((t: number) => `slow ${t}`);
        const near = env.fromSource(new ScriptedSource(fastSteps(1000)), strategy(200), 'near').uid('near').map((t: number) => `near ${t}`);
        const far = env.fromSource(new ScriptedSource(fastSteps(1000)), strategy(1500), 'far').uid('far').map((t: number) => `far ${t}`);
        slow.union(near, far).addSink((s: string) => void order.push(s));
      },
      clock,
    );
    assert.equal(order.length, 90, 'every record, in the end');
    // How far ahead of the slow source each one got, once it was told the group's lowest.
    const lead = (name: string): number => {
      let slowMax = MIN_TIMESTAMP;
      let worst = 0;
      let started = false;
      for (const s of order) {
        const [who, t] = s.split(' ') as [string, string];
        if (who === 'slow') slowMax = Number(t);
        else if (who === name && slowMax >= 500 && slowMax < 2900) {
          started = true;
          worst = Math.max(worst, Number(t) - slowMax);
        }
      }
      assert.ok(started, `${name} read while the slow source ran`);
      return worst;
    };
    const near = lead('near');
    const far = lead('far');
    // Within the drift, plus what a source reads between two periodic watermarks and two reports.
    assert.ok(near <= 200 + 600, `near got ${near} ms ahead (drift 200)`);
    assert.ok(far > near, `far (drift 1500) got further ahead (${far}) than near (${near})`);
    assert.ok(far <= 1500 + 600, `far got ${far} ms ahead (drift 1500)`);
    for (const m of ['slow#0', 'near#0', 'far#0']) {
      assert.equal(reports.filter(([member]) => member === m).at(-1)?.[1], MAX, `${m} ends with the maximum`);
    }
  });

  test("a source waiting for alignment is not marked idle while it waits (Flink's SourceOperator pauses its idleness clock)", { timeout: 20_000 }, async () => {
    const clock = new ManualClock(0);
    const slowSteps: ScriptStep<number>[] = Array.from({ length: 25 }, (_, i) => ({ records: [{ value: 100 * i, timestamp: 100 * i }], advance: 100 }));
    const fastSteps: ScriptStep<number>[] = Array.from({ length: 20 }, (_, i) => ({ records: [{ value: 1000 + i, timestamp: 1000 + i }] }));
    const aligned = <T>(s: WatermarkStrategy<T>) => s.withWatermarkAlignment('g', Duration.ofMillis(100), Duration.ofMillis(100));
    const reports = await runRecordingReports(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        const slow = env.fromSource(new ScriptedSource(slowSteps, clock), aligned(WatermarkStrategy.forMonotonousTimestamps<number>()), 'slow').uid('slow');
        const fast = env
          .fromSource(new ScriptedSource(fastSteps), aligned(WatermarkStrategy.forMonotonousTimestamps<number>().withIdleness(Duration.ofMillis(300))), 'fast')
          .uid('fast');
        slow.union(fast).addSink(() => {});
      },
      clock,
    );
    const fast = reports.filter(([m]) => m === 'fast#0').map(([, w]) => w);
    // It waited for about 900 ms of processing time (the slow source from 0 to 900): three
    // idleness timeouts. Flink's source pauses the clock idleness is measured on while it waits.
    assert.ok(fast.length >= 3, `fast reported ${fast.length} times`);
    assert.deepEqual(fast.slice(0, -1).filter((w) => w === MAX), [], `no maximum (idle) report before it finished: ${fast.join(', ')}`);
    assert.equal(fast.at(-1), MAX);
  });
});

describe('failover of a job with alignment', () => {
  test('the restarted run aligns again from a fresh group: the fast source is held within the drift, every record comes', { timeout: 30_000 }, async () => {
    /** What the sink saw, per run: [source, event time]. */
    const runs: Array<Array<['fast' | 'slow', number]>> = [[]];
    let failed = false;
    const aligned = WatermarkStrategy.forGenerator<number>(() => ({
      onEvent: (_e: number, t: number, out) => out.emitWatermark(new Watermark(t)),
      onPeriodicEmit: () => {},
    }))
      .withTimestampAssigner((t) => t)
      .withWatermarkAlignment('g', Duration.ofMillis(500), Duration.ofMillis(10));
    const pipeline = capturePipeline((env) => {
      env.setParallelism(1);
      const fast = env.fromSource(new DataGeneratorSource((i: number) => i, 8000, { recordsPerSecond: 100_000 }), aligned, 'fast').uid('fast').map((t: number): ['fast' | 'slow', number] => ['fast', t]).uid('fast-tag');
      const slow = env.fromSource(new DataGeneratorSource((i: number) => i, 1500, { recordsPerSecond: 3000 }), aligned, 'slow').uid('slow').map((t: number): ['fast' | 'slow', number] => ['slow', t]).uid('slow-tag');
      fast
        .union(slow)
        .map((r: ['fast' | 'slow', number]) => {
          // The first run fails once the slow source is a third of the way.
          if (!failed && r[0] === 'slow' && r[1] === 500) {
            failed = true;
            runs.push([]);
            throw new Error('injected failure');
          }
          return r;
        })
        .uid('fail-once')
        .addSink((r: ['fast' | 'slow', number]) => void runs.at(-1)!.push(r))
        .uid('collect');
    }, 'aligned-failover');
    const home = tempDir('flink-aligned-failover-');
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const config = new Configuration(home.path)
      .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
      .with('restart-strategy.type', 'fixed-delay')
      .with('restart-strategy.fixed-delay.attempts', 1)
      .with('restart-strategy.fixed-delay.delay', '0 ms');
    const master = new JobMaster({
      jobId: newJobId(),
      pipeline,
      configuration: config,
      clock: systemClock,
      tracking: { store, jobFile: '/jobs/aligned-failover.ts', args: [], log: () => undefined },
    });
    try {
      await master.run();
    } finally {
      store.close();
      home.cleanup();
    }
    assert.equal(runs.length, 2, 'one failover');
    const second = runs[1]!;
    assert.equal(second.filter(([s]) => s === 'fast').length, 8000, 'the restarted run (from the start: no checkpoint) reads every record');
    let fastMax = MIN_TIMESTAMP;
    let slowMax = MIN_TIMESTAMP;
    let worst = 0;
    for (const [src, t] of second) {
      if (src === 'fast') fastMax = Math.max(fastMax, t);
      else slowMax = Math.max(slowMax, t);
      if (slowMax > MIN_TIMESTAMP && slowMax < 1499) worst = Math.max(worst, fastMax - slowMax);
    }
    // The drift (500), plus a batch (1,024 records of 1 ms each) read before the watermark shows,
    // plus how far the slow source moved since its last report; unaligned, the fast one ends ~7,900 ahead.
    assert.ok(worst <= 500 + 1024 + 1000, `after the failover the fast source got ${worst} ms ahead (drift 500)`);
  });
});
