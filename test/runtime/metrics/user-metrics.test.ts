/*
 * User-defined metrics (Flink's MetricGroup on the runtime context): counters, gauges, meters and
 * groups as registered and read, and in a running job through the task's metric readings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Counter, DataGeneratorSource, DescriptiveStatisticsHistogram, type Meter, MeterView, RichMapFunction, StreamExecutionEnvironment, WatermarkStrategy, setContextExecutor } from '../../../src/index.js';
import type { HistogramSummary, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../../../src/graph/index.js';
import { OperatorMetricGroup } from '../../../src/runtime/metrics/user-metrics.js';
import { TestExecutor } from '../../helpers/run-job.js';

describe('OperatorMetricGroup', () => {
  test('counters give their count, gauges their value, meters their rate; groups prefix the name', () => {
    const g = new OperatorMetricGroup();
    assert.equal(g.isEmpty, true);
    const c = g.root.counter('seen');
    c.inc();
    c.inc(4);
    c.dec();
    let size = 7;
    g.root.gauge('size', () => size);
    g.root.addGroup('cache').gauge('state', { getValue: () => 'warm' });
    g.root.addGroup('region', 'eu').counter('hits').inc(2);
    const m = g.root.meter('events', new MeterView(10));
    size = 9;
    assert.deepEqual(g.read(0), { seen: 4, size: 9, 'cache.state': 'warm', 'region.eu.hits': 2, events: 0 });
    m.markEvent(50);
    assert.equal(g.read(5000).events, 10, '50 events over 5 s');
    assert.equal(m.getCount(), 50);
  });

  test('a name registered twice keeps the first metric (as Flink); a throwing or odd gauge is left out of a read', () => {
    const g = new OperatorMetricGroup();
    const first = g.root.counter('n');
    const second = g.root.counter('n');
    first.inc(3);
    second.inc(100);
    g.root.gauge('broken', () => {
      throw new Error('no');
    });
    g.root.gauge('object', (() => ({})) as unknown as () => number);
    assert.deepEqual(g.read(0), { n: 3 });
  });

  test("a histogram reports Flink's statistics over its window (Commons Math's percentile estimate, the sample standard deviation)", () => {
    const g = new OperatorMetricGroup();
    const h = g.root.histogram('latency', new DescriptiveStatisticsHistogram(10));
    for (let v = 100; v >= 1; v--) h.update(v); // the window keeps the last 10: 10 … 1
    assert.equal(h.getCount(), 100);
    const read = g.read(0).latency as HistogramSummary;
    assert.deepEqual(
      { count: read.count, min: read.min, max: read.max, mean: read.mean, median: read.median, p75: read.p75, p90: read.p90, p99: read.p99 },
      { count: 100, min: 1, max: 10, mean: 5.5, median: 5.5, p75: 8.25, p90: 9.9, p99: 10 },
    );
    assert.ok(Math.abs(read.stddev - 3.0276503540974917) < 1e-12);
    const empty = new OperatorMetricGroup();
    empty.root.histogram('none', new DescriptiveStatisticsHistogram(5));
    assert.ok(Number.isNaN((empty.read(0).none as HistogramSummary).median));
    assert.throws(() => g.root.histogram('bad', {} as never), /must be a Histogram/);
    assert.throws(() => new DescriptiveStatisticsHistogram(0), /window size must be a positive integer/);
  });

  test('names are checked in one line', () => {
    const g = new OperatorMetricGroup();
    assert.throws(() => g.root.counter(''), /metric or group name must be a non-empty string without '\.'/);
    assert.throws(() => g.root.addGroup('a.b'), /without '\.'/);
    assert.throws(() => g.root.gauge('g', 42 as unknown as () => number), /Gauge 'g' must be a function or an object with getValue/);
    assert.throws(() => new MeterView(0), /time span must be positive/);
  });
});

class Counted extends RichMapFunction<number, number> {
  private seen!: Counter;
  private odd!: Meter;
  override open(): void {
    const group = this.getRuntimeContext().getMetricGroup();
    this.seen = group.counter('seen');
    this.odd = group.addGroup('parity').meter('odd');
    group.gauge('subtask', () => this.getRuntimeContext().getIndexOfThisSubtask());
  }
  map(n: number): number {
    this.seen.inc();
    if (n % 2 === 1) this.odd.markEvent();
    return n;
  }
}

describe('user metrics in a running job', () => {
  test("each subtask's operator reports its own metrics with the task's readings", async () => {
    const executor = new TestExecutor(undefined, 2);
    setContextExecutor(executor);
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromSource(new DataGeneratorSource((i: number) => i, 1000), WatermarkStrategy.noWatermarks(), 'numbers').map(new Counted()).name('Counted').addSink(() => {});
      await env.execute('metrics');
    } finally {
      setContextExecutor(undefined);
    }
    const readings = executor.execution!.readMetrics();
    const counted = readings.flatMap((r) => r.operators.filter((o) => o.name === 'Counted').map((o) => ({ subtask: r.subtask, user: o.user })));
    assert.equal(counted.length, 2);
    assert.deepEqual(counted.map((c) => c.user?.subtask).sort(), [0, 1]);
    assert.equal(counted.reduce((n, c) => n + Number(c.user?.seen), 0), 1000);
    assert.ok(counted.every((c) => typeof c.user?.['parity.odd'] === 'number'));
    // Operators without user metrics report none.
    assert.ok(readings.flatMap((r) => r.operators).filter((o) => o.name !== 'Counted').every((o) => o.user === undefined));
  });
});

describe('a source reader’s own metrics', () => {
  test("registered through its context's metric group (Flink's SourceReaderContext.metricGroup()), reported under the source", async () => {
    const source: Source<number, number> = {
      getBoundedness: () => 'BOUNDED',
      createSplits: () => [0],
      createReader(ctx: SourceReaderContext): SourceReader<number, number> {
        const polled = ctx.metricGroup!.counter('polls');
        let next = 0;
        return {
          addSplits: () => {},
          pollNext(out: ReaderOutput<number>): InputStatus {
            polled.inc();
            if (next === 5) return 'END_OF_INPUT';
            out.collect(next++);
            return 'MORE_AVAILABLE';
          },
          snapshotState: () => [next],
        };
      },
    };
    const executor = new TestExecutor();
    setContextExecutor(executor);
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'five').addSink(() => {});
      await env.execute('reader metrics');
    } finally {
      setContextExecutor(undefined);
    }
    const op = executor.execution!.readMetrics().flatMap((r) => r.operators).find((o) => o.name === 'Source: five');
    assert.deepEqual(op?.user, { polls: 6 });
  });
});
