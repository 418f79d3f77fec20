/*
 * User-defined metrics, as Flink's metric types: registered on the runtime context's metric
 * group in `open()`, read once a second with the task's own metrics, and shown by the REST API
 * (`<subtask>.<operator>.<group…>.<name>`), Prometheus and the dashboard.
 */

import { describeArgument } from '../util/describe-argument.js';

/** Counts something up and down (Flink's Counter). */
export interface Counter {
  inc(n?: number): void;
  dec(n?: number): void;
  getCount(): number;
}

/** Events per second over a time span (Flink's Meter). */
export interface Meter {
  markEvent(n?: number): void;
  /** Events per second over the meter's span, as of its last update. */
  getRate(): number;
  getCount(): number;
}

/** The statistics of a histogram's values (Flink's HistogramStatistics). */
export interface HistogramStatistics {
  /** The value below which the fraction `q` (0–1) of the values lies. */
  getQuantile(q: number): number;
  getValues(): readonly number[];
  size(): number;
  getMean(): number;
  getStdDev(): number;
  getMax(): number;
  getMin(): number;
}

/** A distribution of values, e.g. latencies (Flink's Histogram). */
export interface Histogram {
  update(value: number): void;
  getCount(): number;
  getStatistics(): HistogramStatistics;
}

/** A value read when metrics are (Flink's Gauge): a function, or an object with `getValue`. */
export type Gauge<T> = (() => T) | { getValue(): T };

/** The values a gauge may report: what Flink's REST API and Prometheus show. */
export type GaugeValue = number | string | boolean;

export type { HistogramSummary } from '../util/histogram-summary.js';

/**
 * Where a function registers its metrics (Flink's MetricGroup). A name registered twice in one
 * group keeps the first metric (Flink warns and ignores the second).
 */
export interface MetricGroup {
  counter(name: string, counter?: Counter): Counter;
  gauge<T extends GaugeValue>(name: string, gauge: Gauge<T>): Gauge<T>;
  meter(name: string, meter?: Meter): Meter;
  histogram(name: string, histogram: Histogram): Histogram;
  /** A sub-group: `addGroup('cache')` names metrics `cache.<name>`; `addGroup('region', 'eu')` names them `region.eu.<name>`. */
  addGroup(name: string, value?: string): MetricGroup;
}

/** A Counter that is a plain number (Flink's SimpleCounter). */
export class SimpleCounter implements Counter {
  private count = 0;
  inc(n = 1): void {
    this.count += n;
  }
  dec(n = 1): void {
    this.count -= n;
  }
  getCount(): number {
    return this.count;
  }
}

/**
 * A Meter over the last `timeSpanSeconds` (Flink's MeterView; default 60 s): the rate is updated
 * whenever metrics are read (once a second), from the counts seen over the span.
 */
export class MeterView implements Meter {
  private count = 0;
  private rate = 0;
  /** [ms, count] samples over the span, oldest first. */
  private readonly samples: Array<[number, number]> = [];
  private readonly spanMs: number;

  constructor(timeSpanSeconds = 60) {
    if (!(timeSpanSeconds > 0)) throw new RangeError(`A MeterView's time span must be positive, got ${describeArgument(timeSpanSeconds)}.`);
    this.spanMs = timeSpanSeconds * 1000;
  }

  markEvent(n = 1): void {
    this.count += n;
  }

  getCount(): number {
    return this.count;
  }

  getRate(): number {
    return this.rate;
  }

  /** Takes a sample at `nowMs` (the engine calls this when it reads metrics). */
  update(nowMs: number): void {
    this.samples.push([nowMs, this.count]);
    while (this.samples.length > 2 && nowMs - this.samples[1]![0] >= this.spanMs) this.samples.shift();
    const [t0, c0] = this.samples[0]!;
    this.rate = nowMs > t0 ? ((this.count - c0) * 1000) / (nowMs - t0) : 0;
  }
}

/**
 * A histogram over the last `windowSize` values (Flink's DescriptiveStatisticsHistogram):
 * quantiles as Apache Commons Math's default percentile estimate, which Flink's uses; the
 * standard deviation is the sample's (n − 1).
 */
export class DescriptiveStatisticsHistogram implements Histogram {
  private readonly window: number[] = [];
  private next = 0;
  private count = 0;

  constructor(private readonly windowSize: number) {
    if (!Number.isSafeInteger(windowSize) || windowSize < 1) throw new RangeError(`A histogram's window size must be a positive integer, got ${describeArgument(windowSize)}.`);
  }

  update(value: number): void {
    if (this.window.length < this.windowSize) this.window.push(value);
    else this.window[this.next] = value;
    this.next = (this.next + 1) % this.windowSize;
    this.count++;
  }

  getCount(): number {
    return this.count;
  }

  getStatistics(): HistogramStatistics {
    return new WindowStatistics([...this.window].sort((a, b) => a - b));
  }
}

class WindowStatistics implements HistogramStatistics {
  constructor(private readonly sorted: readonly number[]) {}

  getQuantile(q: number): number {
    const v = this.sorted;
    const n = v.length;
    if (n === 0) return NaN;
    if (n === 1) return v[0]!;
    // Commons Math's Percentile (legacy estimation): position q·(n + 1), interpolated.
    const pos = q * (n + 1);
    if (pos < 1) return v[0]!;
    if (pos >= n) return v[n - 1]!;
    const lower = v[Math.floor(pos) - 1]!;
    const upper = v[Math.floor(pos)]!;
    return lower + (pos - Math.floor(pos)) * (upper - lower);
  }

  getValues(): readonly number[] {
    return this.sorted;
  }

  size(): number {
    return this.sorted.length;
  }

  getMean(): number {
    const n = this.sorted.length;
    return n === 0 ? NaN : this.sorted.reduce((a, b) => a + b, 0) / n;
  }

  getStdDev(): number {
    const n = this.sorted.length;
    if (n === 0) return NaN;
    if (n === 1) return 0;
    const mean = this.getMean();
    return Math.sqrt(this.sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  }

  getMax(): number {
    return this.sorted.length === 0 ? NaN : this.sorted[this.sorted.length - 1]!;
  }

  getMin(): number {
    return this.sorted.length === 0 ? NaN : this.sorted[0]!;
  }
}
