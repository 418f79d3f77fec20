/*
 * User-defined metrics, as Flink's metric types: registered on the runtime context's metric
 * group in `open()`, read once a second with the task's own metrics, and shown by the REST API
 * (`<subtask>.<operator>.<group…>.<name>`), Prometheus and the dashboard.
 */

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

/** A value read when metrics are (Flink's Gauge): a function, or an object with `getValue`. */
export type Gauge<T> = (() => T) | { getValue(): T };

/** The values a gauge may report: what Flink's REST API and Prometheus show. */
export type GaugeValue = number | string | boolean;

/**
 * Where a function registers its metrics (Flink's MetricGroup). A name registered twice in one
 * group keeps the first metric (Flink warns and ignores the second).
 */
export interface MetricGroup {
  counter(name: string, counter?: Counter): Counter;
  gauge<T extends GaugeValue>(name: string, gauge: Gauge<T>): Gauge<T>;
  meter(name: string, meter?: Meter): Meter;
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
    if (!(timeSpanSeconds > 0)) throw new RangeError(`A MeterView's time span must be positive, got ${timeSpanSeconds}.`);
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
